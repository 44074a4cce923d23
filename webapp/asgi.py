import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
django_application = get_asgi_application()

from webapp.body_limit import BodyLimit  # noqa: E402  (after Django is set up: it reads settings)

# In front of Django, which reads a whole body before its own middleware runs.
application = BodyLimit(django_application)

import os
import warnings

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
# Static files (WhiteNoise) and originals (FileResponse) are files on local disk, which Django reads in a worker
# thread under ASGI: correct and cheap for files of this size. Django warns about it on the first one served, a
# warning that would greet every `make run` console and that no one can act on.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")
django_application = get_asgi_application()

from webapp.body_limit import BodyLimit  # noqa: E402  (after Django is set up: it reads settings)
from webapp.mcp_server.app import Dispatch  # noqa: E402

# In front of Django, which reads a whole body before its own middleware runs. /mcp is the MCP server
# (webapp.mcp_server), beside Django rather than inside it: the SDK is an ASGI (Starlette) app.
application = BodyLimit(Dispatch(django_application))

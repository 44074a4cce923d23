from django.contrib import admin
from django.urls import include, path

from webapp import health
from webapp.api.api import api
from webapp.observability.views import metrics
from webapp.sso import views as sso_views

# The database away is a 503, not a 500 (webapp/unavailable.py).
handler500 = "webapp.unavailable.server_error"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),  # Prometheus (webapp/observability)
    path("api/v1/", api.urls),
    path("v1/", include("webapp.openai_compat.urls")),  # OpenAI-compatible (webapp/openai_compat)
    path("admin/", admin.site.urls),
    path("accounts/login/", sso_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", sso_views.LogoutView.as_view(), name="logout"),
    path("oidc/", include("webapp.sso.urls")),
    # No sign-up route: accounts are made by an administrator (admin, `createsuperuser`) or single sign-on.
    path("account/", include("webapp.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("review/", include("webapp.review.urls")),
    path("documents/", include("webapp.sources.urls")),
    path("documents/", include("webapp.documents.urls")),
    path("usage/", include("webapp.usage.urls")),
    path("", include("webapp.chat.urls")),
]

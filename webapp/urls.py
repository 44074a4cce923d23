from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from webapp import health
from webapp.api.api import api

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("documents/", include("webapp.documents.urls")),
    path("usage/", include("webapp.usage.urls")),
    path("", include("webapp.chat.urls")),
]

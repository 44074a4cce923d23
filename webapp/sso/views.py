"""The login page with the single sign-on button, and a logout that also ends the provider's session."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from webapp.sso.oidc import end_session_url

# ?sso=<code> on the login page, said in the reader's language.
SSO_FAILURES = {
    "failed": _("Signing in with {provider} did not work. Try again, or ask an administrator to check "
                "the single sign-on settings."),
    "unavailable": _("{provider} cannot be reached right now. Try again in a few minutes, or log in with "
                     "a local account."),
}


class LoginView(auth_views.LoginView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if settings.OIDC_ENABLED:
            provider = settings.OIDC_PROVIDER_NAME
            context["sso_provider"] = provider
            failure = SSO_FAILURES.get(self.request.GET.get("sso", ""))
            context["sso_failure"] = capfirst(str(failure).format(provider=provider)) if failure else ""
        return context


class LogoutView(auth_views.LogoutView):
    """Django's logout; a single sign-on session then goes on to the provider's end_session endpoint."""

    def post(self, request, *args, **kwargs):
        provider_url = end_session_url(request)
        response = super().post(request, *args, **kwargs)
        return HttpResponseRedirect(provider_url) if provider_url else response

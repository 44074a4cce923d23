"""Account pages: each user's API tokens (create, see once, list, revoke) and the local password change.

Thin views over webapp.accounts.tokens; the raw token is in the response to the creating POST only (never
stored, never in a redirect or the session), with `Cache-Control: no-store` so no cache keeps it.
"""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from webapp.accounts.forms import TokenForm
from webapp.accounts.tokens import token_create, token_revoke, tokens_of
from webapp.errors import AppError


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens_page(request):
    form = TokenForm(request.POST or None, user=request.user)
    created = raw = None
    if request.method == "POST" and form.is_valid():
        try:
            created, raw = token_create(user=request.user, name=form.cleaned_data["name"],
                                        scopes=form.cleaned_data["scopes"], expires_in_days=form.expiry_days())
            form = TokenForm(user=request.user)
        except AppError as exc:
            form.add_error(None, exc.message)
    status = 400 if request.method == "POST" and created is None else 200
    context = {"form": form, "created": created, "raw": raw, "tokens": tokens_of(request.user), "nav": "account",
               "tab": "tokens"}
    return render(request, "accounts/tokens.html", context, status=status)


@login_required
@require_POST
def token_revoke_view(request, token_id: int):
    if token_revoke(token_id=token_id, user=request.user):
        messages.success(request, _("The token was revoked: it no longer works."))
    return redirect("account:tokens")


class PasswordChange(auth_views.PasswordChangeView):
    """Django's own view (validators from AUTH_PASSWORD_VALIDATORS); this browser stays signed in, the others end."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("account:password-done")
    extra_context = {"nav": "account", "tab": "password"}


class PasswordChangeDone(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"
    extra_context = {"nav": "account", "tab": "password"}

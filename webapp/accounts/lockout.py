"""What someone sees once too many logins failed (django-axes counts them, see README "Security").

Failures are counted per username and per client address, each on its own: guessing one account's password
from many addresses, or many accounts' passwords from one address, both stop at LOGIN_FAILURE_LIMIT. The lock
lifts LOGIN_LOCKOUT_MINUTES after the last failure; the right password does not lift it sooner, or guessing
would simply go on until it is found.
"""

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _

LOCKED_OUT = ("Too many failed logins for this account or from this address. "
              "Try again in {minutes} minutes, or ask an administrator to unlock it.")


def locked_out_message() -> str:
    return _(LOCKED_OUT).format(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def locked_out(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the login page's layout with the reason, as 429 Too Many Requests."""
    return render(request, "registration/locked_out.html", {"message": locked_out_message()},
                  status=settings.AXES_HTTP_RESPONSE_CODE)

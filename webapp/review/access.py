"""Who may review answers and manage evaluation sets: one decision, called at the edge.

Staff and superusers for now; when `webapp.access` brings roles, only `may_review` changes.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def may_review(user) -> bool:
    return bool(user.is_authenticated and (user.is_staff or user.is_superuser))


def review_required(view):
    @login_required
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not may_review(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded

"""Who may review answers and manage evaluation sets: one decision, called at the edge.

Staff and superusers (`webapp.access.decide.staff`); which answers and sets each may see is the access module's
too (a collection they may not read is not found).
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from webapp.access import decide


def may_review(user) -> bool:
    return decide.staff(user)


def review_required(view):
    @login_required
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not may_review(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded

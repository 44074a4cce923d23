"""`access` in every template: which areas the navigation offers, asked of `webapp.access.decide` when a
template first reads them (a page that shows no navigation asks nothing)."""

from functools import cached_property

from webapp.access import decide


class Areas:
    def __init__(self, user):
        self.user = user

    @cached_property
    def documents(self) -> bool:
        return decide.may_upload(self.user)

    @cached_property
    def collections(self) -> bool:
        return decide.may_manage_somewhere(self.user)

    @cached_property
    def staff(self) -> bool:
        """The admin, the dashboard, the retrieval test, the evaluation page."""
        return decide.staff(self.user)


def areas(request) -> dict:
    return {"access": Areas(getattr(request, "user", None))}

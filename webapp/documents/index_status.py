"""What administrators see of the index versions: the active one, and a build under way (or the last one that
failed), in the reader's language. The worker stores codes and counts; the words are made here."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from webapp.documents.models import IndexVersion


@dataclass(frozen=True)
class IndexStatus:
    active: IndexVersion | None
    build: IndexVersion | None  # building, or failed after the active one was made

    def line(self) -> str:
        """One sentence about the build, or "" when none is under way or failed."""
        build = self.build
        if build is None:
            return ""
        if build.state == IndexVersion.State.FAILED:
            problem = build.error_detail
            if build.error_code == "model_unavailable":  # ingestion.rebuild.MODEL_UNAVAILABLE
                problem = _("the embedding model could not be loaded (%(detail)s); check EMBEDDING_MODEL") % {
                    "detail": build.error_detail}
            return _("Re-indexing for %(model)s failed: %(problem)s") % {"model": build.model, "problem": problem}
        return _("Re-indexing for %(model)s: %(done)s of %(total)s chunks (%(state)s); searches use %(active)s "
                 "until it is done.") % {"model": build.model, "done": build.chunks_done, "total": build.chunks_total,
                                          "state": build.get_state_display(),
                                          "active": self.active.model if self.active else "—"}


def index_status() -> IndexStatus:
    active = IndexVersion.objects.active()
    latest = IndexVersion.objects.filter(state__in=[IndexVersion.State.BUILDING, IndexVersion.State.FAILED]).first()
    if latest is not None and active is not None and latest.pk < active.pk:
        latest = None  # a failure from before the active version was made is history
    return IndexStatus(active=active, build=latest)

"""What an answer's outcome and reasons (retrieval.outcome's codes) say to a reader, in the reader's language.

The worker stores codes with parameters; this is the one place they become words, for the chat page (history and
the finished answer), the dashboard and the admin. A code this module does not know is left out, never shown raw.
"""

from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

ANSWERED, REFUSED, UNCONFIRMED = "answered", "refused", "unconfirmed"
OUTCOMES = (ANSWERED, REFUSED, UNCONFIRMED)

# Short names of the reasons, for counts (the dashboard) rather than for one answer.
REASON_LABELS = {
    "no_collections": _("no collection the asker may read"),
    "no_passages": _("nothing found in the documents"),
    "low_answerability": _("the closest passages do not answer it"),
    "unsupported_claims": _("claims not tied to a passage"),
    "empty_answer": _("the model wrote nothing usable"),
    "model_unavailable": _("the model was unavailable"),
}


def reason_text(reason: dict) -> str:
    """One reason as a sentence, e.g. "The closest passage does not answer it (answerability 18%, threshold 35%)."
    "" for a code this module does not know."""
    code = reason.get("code")
    if code == "no_collections":
        return gettext("You may not read any collection, so nothing was searched.")
    if code == "no_passages":
        return gettext("Nothing in the documents searched matches the question.")
    if code == "low_answerability":
        return gettext("The closest passage does not answer it (answerability %(score)s, threshold %(threshold)s).") % {
            "score": percent(reason.get("score")), "threshold": percent(reason.get("threshold")),
        }
    if code == "unsupported_claims":
        return _claims_text(reason)
    if code == "empty_answer":
        return gettext("The model wrote nothing usable.")
    if code == "model_unavailable":
        return gettext("The model is not available, so the passages found are shown instead.")
    return ""


def reasons_text(reasons: list) -> list[str]:
    """Each known reason as a sentence, then the collections searched when a reason names them."""
    reasons = [r for r in reasons or [] if isinstance(r, dict)]
    lines = [text for text in (reason_text(r) for r in reasons) if text]
    names = next((r["collections"] for r in reasons if r.get("collections")), [])
    if names:
        lines.append(gettext("Collections searched: %(names)s.") % {"names": ", ".join(map(str, names))})
    return lines


def percent(value) -> str:
    """0.18 → "18%"; anything not a number → "–"."""
    if not isinstance(value, (int, float)):
        return "–"
    return gettext("%(value)s%%") % {"value": number_format(round(100 * value), 0)}


def _claims_text(reason: dict) -> str:
    count = reason.get("claims") if isinstance(reason.get("claims"), int) else 0
    text = ngettext(
        "%(count)s claim could not be tied to a passage", "%(count)s claims could not be tied to a passage", count
    ) % {"count": count} if count else gettext("The answer could not be tied to a passage")
    missing = [str(m) for m in reason.get("missing") or []]
    if missing:
        said = {"claims": text, "missing": ", ".join(missing)}
        return gettext("%(claims)s; the passages do not mention: %(missing)s.") % said
    return text + "."

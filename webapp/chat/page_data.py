"""What the chat page shows of messages, sources and settings, and everything its script says, translated."""

from django.db.models.functions import Substr
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from retrieval.contracts.payloads import Citation
from webapp.access import decide, owned
from webapp.chat.models import Feedback, Message, ModelProfile
from webapp.chat.outcomes import REFUSED, UNCONFIRMED, reasons_text
from webapp.chat.params import param_range, profile_defaults
from webapp.chat.rendering import answer_note, answer_settings, render_answer, weak_reason_for
from webapp.documents.models import Document

CONTEXT_CHARS = 280
ACTIVE = (Message.Status.QUEUED, Message.Status.RUNNING)


def message_row(message: Message, citations=None, feedback: Feedback | None = None, versions: list[int] | None = None) -> dict:
    """What a page shows of a message; `html` is sanitised (see rendering.render_answer). A finished answer also
    carries its outcome (see webapp.chat.outcomes): the verbatim quote, the reasons in words, the closest passages.
    `versions`: the ids of every version of a regenerated answer, oldest first (the page's ‹ 2/3 ›)."""
    citations = list(message.citations.all() if citations is None else citations)
    done = message.role == Message.Role.ASSISTANT and message.status not in ACTIVE
    versions = versions or [message.pk]
    return {
        "id": message.pk,
        "versions": versions,
        "version": versions.index(message.pk) + 1 if message.pk in versions else len(versions),
        "role": message.role,
        "text": message.text,
        "status": message.status,
        "finish_reason": message.finish_reason,
        "html": _answer_html(message, citations) if done else "",
        "note": answer_note(message.status, message.finish_reason),
        "settings": answer_settings(message.params, message.usage, profile=_profile_name(message)) if done else "",
        "feedback": {"thumbs_up": feedback.thumbs_up, "comment": feedback.comment} if feedback else None,
        **(_outcome(message, citations) if done else _outcome(Message(), [])),
    }


def _answer_html(message: Message, citations: list) -> str:
    """A refusal cites nothing as support; the text of an unconfirmed answer cites its passages as weak ones."""
    if message.outcome == REFUSED:
        return render_answer(message.text, [])
    if message.outcome == UNCONFIRMED:
        return render_answer(message.text, [{"n": c.n, "weak": True, "text": c.text} for c in citations])
    return render_answer(message.text, citations)


def _outcome(message: Message, citations: list) -> dict:
    titles = {c.n: c.title for c in citations}
    deleted = {c.n for c in citations if c.document_id is None}
    quote = message.quote if isinstance(message.quote, dict) and message.quote.get("text") else None
    closest = message.outcome in (REFUSED, UNCONFIRMED)
    return {
        "outcome": message.outcome,
        "reasons": message.reasons or [],
        "reasons_text": reasons_text(message.reasons),
        "answerability": message.answerability,
        "quote": {**quote, "title": titles.get(quote.get("n"), ""), "document_deleted": quote.get("n") in deleted}
        if quote else None,
        "closest": [
            {"n": c.n, "title": c.title, "page": c.page, "document_deleted": c.n in deleted} for c in citations
        ] if closest else [],
    }


def versions_by_answer(conversation_id: int) -> dict[int, list[int]]:
    """For each answer of the conversation that was regenerated, every version's id (oldest first), by any of them."""
    groups: dict[int, list[int]] = {}
    rows = Message.objects.filter(conversation_id=conversation_id, role=Message.Role.ASSISTANT).order_by("pk")
    for pk, first in rows.values_list("pk", "first_version_id"):
        groups.setdefault(first or pk, []).append(pk)
    return {pk: ids for ids in groups.values() if len(ids) > 1 for pk in ids}


def feedback_by_message(user, messages) -> dict[int, Feedback]:
    """The user's latest feedback on each of `messages`."""
    found = owned.feedback_for(user).filter(message__in=[m.pk for m in messages]).order_by("pk")
    return {f.message_id: f for f in found}


def source(citation) -> dict:
    """A passage as the page shows it: the stored citation (`retrieval.contracts.payloads.Citation`), its weak
    reason in the reader's language. The text is the snapshot taken when the answer was written;
    `document_deleted` says its document is gone (the row's link to it was cleared), so the page can say so
    instead of offering a document that no longer exists."""
    return {
        **Citation.of(citation).as_row_fields(), "weak_reason": _weak_reason(citation) if citation.weak else "",
        "document_deleted": citation.document_id is None,
    }


def _weak_reason(citation) -> str:
    return weak_reason_for(citation.n, citation.weak_code, citation.weak_params, citation.weak_reason)


def context(user, source: dict) -> dict:
    """The text around a passage in its document, when the user may still read it and it is unchanged
    since the answer (the same words at the same offsets); the link to the original when readable."""
    if not decide.citation_context_visible(user, source["document_id"]):
        return {"before": "", "after": "", "original_url": ""}
    start, end = source["char_start"], source["char_end"]
    first = max(0, start - CONTEXT_CHARS)
    window = (
        Document.objects.filter(pk=source["document_id"])
        .annotate(window=Substr("extracted_text", first + 1, end + CONTEXT_CHARS - first))
        .values_list("window", flat=True)
        .first()
    ) or ""
    found = {"before": "", "after": "", "original_url": original_url(source["document_id"], source["page"])}
    # Chunking may fold blank lines: compare the words, not the characters.
    if window[start - first:end - first].split() != source["text"].split():
        return found
    before, after = window[:start - first], window[end - first:]
    cut_after = len(after) == CONTEXT_CHARS
    return {**found, "before": _from_word(before) if first > 0 else before, "after": _to_word(after) if cut_after else after}


def profiles() -> list[dict]:
    """The model profiles a person may choose, the default one first ("" = the settings' defaults when no
    profile is marked default), each with its defaults and the ranges it allows for the page's knobs."""
    found = list(ModelProfile.objects.order_by("-is_default", "name"))
    choices = found if any(p.is_default for p in found) else [None, *found]
    return [{"name": p.name if p else "", "default": i == 0, "knobs": _knobs(p)} for i, p in enumerate(choices)]


def last_choices(history: list[Message], collections, profiles: list[dict]) -> dict:
    """The collection and profile the conversation's last answer used, so that the next question (or a
    regenerated answer) keeps the conversation's scope: {"collection": id or None, "profile": name or None}."""
    last = next((m for m in reversed(history) if m.role == Message.Role.ASSISTANT), None)
    if last is None:
        return {"collection": None, "profile": None}
    ids = last.collections or []
    single = ids[0] if len(ids) == 1 and collections.filter(pk=ids[0]).exists() else None
    all_readable = set(ids) == set(collections.values_list("pk", flat=True))
    named = _profile_name(last)
    return {
        "collection": single if single is not None and not all_readable else None,
        "profile": named if any(p["name"] == named for p in profiles) and named else None,
    }


def _knobs(profile) -> dict:
    defaults = profile_defaults(profile)
    knobs = {}
    for name in ("temperature", "max_tokens"):
        low, high = param_range(name, profile)  # as params_resolve checks: narrowed by the profile, never widened
        knobs[name] = {"default": getattr(defaults, name), "min": low, "max": high}
    return knobs


def _profile_name(message: Message) -> str:
    return message.profile.name if message.profile_id and message.profile else ""


def original_url(document_id: int, page: int | None) -> str:
    url = reverse("chat:document-original", args=[document_id])
    return f"{url}#page={page}" if page else url  # PDF viewers open at the page


def _from_word(text: str) -> str:
    """A window cut at its start, from its first whole word."""
    return "…" + text[text.find(" ") + 1:]


def _to_word(text: str) -> str:
    cut = text.rfind(" ")
    return (text[:cut] if cut > 0 else text) + "…"


def urls() -> dict[str, str]:
    """URL patterns for the script, with 0 standing for the id."""
    return {
        "ask": reverse("api-v1:chat_ask"),
        "stream": reverse("api-v1:message_stream", args=[0]),
        "cancel": reverse("api-v1:message_cancel", args=[0]),
        "message": reverse("chat:message-detail", args=[0]),
        "conversation": reverse("chat:conversation", args=[0]),
        "rename": reverse("chat:conversation-rename", args=[0]),
        "delete": reverse("chat:conversation-delete", args=[0]),
        "regenerate": reverse("chat:answer-regenerate", args=[0]),
        "edit": reverse("chat:question-edit", args=[0]),
        "feedback": reverse("chat:feedback", args=[0]),
        "home": reverse("chat:home"),
    }


def ui_strings() -> dict[str, str]:
    """Everything the page's script says, translated; `%(name)s` placeholders are filled in by the script."""
    return {
        "searching": _("Searching the documents…"),
        "queued": _("Waiting for the model: number %(position)s in the queue."),
        "writing": _("Writing the answer…"),
        "reconnecting": _("Connection lost. Reconnecting…"),
        "worker_unavailable": _("No answer worker is running, so questions cannot be answered right now. Ask an administrator to start it."),
        "redis_unavailable": _("The message broker (Redis) is not reachable, so questions cannot be answered right now."),
        "rate_limited": _("Too many questions in a minute. Wait a moment and try again."),
        "worker_lost": _("The worker stopped while writing this answer. Regenerate it to try again."),
        "stream_lost": _("This answer has ended, but its events are no longer kept. Reload the page to read it."),
        "answer_failed": _("The answer could not be generated because of an internal error. Try again; if it persists, tell an administrator."),
        "timeout": _("The answer took too long and was cut short."),
        "stopped": _("Stopped."),
        "invalid_temperature": _("Temperature must be a number from %(min)s to %(max)s."),
        "invalid_max_tokens": _("Max tokens must be a number from %(min)s to %(max)s."),
        "network": _("The server could not be reached. Check your connection and try again."),
        "not_found": _("Not found: the conversation or collection may have been removed."),
        "not_last": _("Only the last question and answer of a conversation can be redone."),
        "still_answering": _("The answer is still being written: stop it or wait for it to end."),
        "title_empty": _("The title cannot be empty."),
        "session": _("Your session has ended. Log in again."),
        "error": _("Something went wrong: %(message)s"),
        "answered": _("The answer is ready."),
        "sources": _("Sources"),
        "sources_count": _("Sources (%(count)s)"),
        "no_sources": _("No passages: the documents you can read do not cover this question."),
        "source": _("Source %(n)s"),
        "weak_source": _("Source %(n)s, weakly supported"),
        "weak": _("weakly supported"),
        "attributed": _("matched by Acervo"),
        "attributed_why": _("The model did not cite this passage; Acervo matched a sentence of the answer to it."),
        "weak_why": _("This passage may not say what the answer claims. %(reason)s"),
        # The support check's codes (`done` citations' weak_code/weak_params), said as `weak_reason_for` says them.
        # (`_many`: more than one item listed; the items come quoted, as `weak_reason_for` quotes them).
        "weak_number_missing": ngettext("Source %(n)s does not contain the number %(numbers)s given in the answer.",
                                        "Source %(n)s does not contain the numbers %(numbers)s given in the answer.", 1),
        "weak_number_missing_many": ngettext("Source %(n)s does not contain the number %(numbers)s given in the answer.",
                                             "Source %(n)s does not contain the numbers %(numbers)s given in the answer.", 2),
        "weak_name_missing": ngettext("Source %(n)s does not mention the name %(names)s used in the answer.",
                                      "Source %(n)s does not mention the names %(names)s used in the answer.", 1),
        "weak_name_missing_many": ngettext("Source %(n)s does not mention the name %(names)s used in the answer.",
                                           "Source %(n)s does not mention the names %(names)s used in the answer.", 2),
        "weak_few_words": ngettext("The answer's word %(words)s does not appear in source %(n)s.",
                                   "The answer's words %(words)s do not appear in source %(n)s.", 1),
        "weak_few_words_many": ngettext("The answer's word %(words)s does not appear in source %(n)s.",
                                        "The answer's words %(words)s do not appear in source %(n)s.", 2),
        "weak_low_similarity": _("Source %(n)s seems to be about something else than the sentence citing it "
                                 "(similarity %(similarity)s of 1)."),
        "page": _("page %(page)s"),
        "cited": _("cited"),
        "open_original": _("Open original"),
        "source_deleted": _("source deleted"),
        "source_deleted_why": _("The document this passage came from has been deleted. The passage is shown as it was when the answer was written."),
        "copy": _("Copy"),
        "copied": _("Copied"),
        "you": _("You"),
        "assistant": _("Acervo"),
        "confirm_delete": _("Delete the conversation “%(title)s”? Its questions and answers cannot be recovered."),
        "options_for": _("Options for “%(title)s”"),
        "rename_label": _("New title for “%(title)s”"),
        "deleted": _("Conversation deleted."),
        "feedback_thanks": _("Thank you: your feedback helps improve the answers."),
        "regenerating": _("Writing a new answer…"),
        "version": _("Version %(n)s of %(count)s"),
        "from_documents": _("From the documents"),
        "refused": _("Not in the documents"),
        "unconfirmed": _("Not confirmed by the documents"),
        "closest_sources": _("Closest, but not an answer (%(count)s)"),
    }

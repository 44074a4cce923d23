"""Chat pages. The page talks to API v1 with the session; these views render, guard files and give
the page what the event stream does not carry: an answer's sanitised HTML and its passages in context."""

from django.contrib.auth.decorators import login_required
from django.db.models.functions import Substr
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from webapp.accounts.selectors import collections_readable_by, document_readable_by
from webapp.chat.models import Conversation, Message, ModelProfile
from webapp.chat.params import RANGES, profile_defaults
from webapp.chat.rendering import answer_note, answer_settings, render_answer
from webapp.documents.models import Document

CONTEXT_CHARS = 280
ACTIVE = (Message.Status.QUEUED, Message.Status.RUNNING)


@login_required
def chat_page(request, conversation_id: int | None = None):
    conversation = None
    if conversation_id is not None:
        conversation = get_object_or_404(Conversation, pk=conversation_id, user=request.user)
    history = list(conversation.messages.select_related("profile").prefetch_related("citations")) if conversation else []
    profiles = _profiles()
    return render(request, "chat/chat.html", {
        "nav": "chat",
        "conversation": conversation,
        "conversations": Conversation.objects.filter(user=request.user)[:100],
        "collections": collections_readable_by(request.user),
        "chat_messages": [_message_row(m) for m in history],
        "profiles": profiles,
        "page_data": {
            "conversationId": conversation.pk if conversation else None,
            "sources": {m.pk: [_source(c) for c in m.citations.all()] for m in history if m.role == Message.Role.ASSISTANT},
            # Only the last answer can still be running: one stream per page.
            "resume": [m.pk for m in history[-1:] if m.role == Message.Role.ASSISTANT and m.status in ACTIVE],
            "urls": _urls(),
            "profiles": {p["name"]: p["knobs"] for p in profiles},
            "strings": ui_strings(),
        },
    })


@login_required
@require_GET
def message_detail(request, message_id: int):
    """An answer of the asker's as JSON: its sanitised HTML, how it ended, and its passages in context."""
    message = get_object_or_404(
        Message.objects.select_related("profile"), pk=message_id, conversation__user=request.user, role=Message.Role.ASSISTANT
    )
    citations = list(message.citations.all())
    sources = [_source(c) for c in citations]
    for source in sources:
        source.update(_context(request.user, source))
    return JsonResponse({**_message_row(message, citations), "sources": sources})


@login_required
def document_original(request, document_id: int):
    """The stored original, only for users who may read its collection (404 otherwise: no leak)."""
    document = document_readable_by(request.user, document_id)
    if document is None or not document.file:
        raise Http404
    return FileResponse(document.file.open("rb"), filename=document.original_name or None)


def _message_row(message: Message, citations=None) -> dict:
    """What a page shows of a message; `html` is sanitised (see rendering.render_answer)."""
    citations = message.citations.all() if citations is None else citations
    done = message.role == Message.Role.ASSISTANT and message.status not in ACTIVE
    return {
        "id": message.pk,
        "role": message.role,
        "text": message.text,
        "status": message.status,
        "finish_reason": message.finish_reason,
        "html": render_answer(message.text, citations) if done else "",
        "note": answer_note(message.status, message.finish_reason),
        "settings": answer_settings(message.params, message.usage, profile=_profile_name(message)) if done else "",
    }


def _profile_name(message: Message) -> str:
    return message.profile.name if message.profile_id and message.profile else ""


def _profiles() -> list[dict]:
    """The model profiles a person may choose, the default one first ("" = the settings' defaults when no
    profile is marked default), each with its defaults and the ranges it allows for the page's knobs."""
    profiles = list(ModelProfile.objects.order_by("-is_default", "name"))
    choices = profiles if any(p.is_default for p in profiles) else [None, *profiles]
    return [{"name": p.name if p else "", "default": i == 0, "knobs": _knobs(p)} for i, p in enumerate(choices)]


def _knobs(profile) -> dict:
    defaults, narrowed = profile_defaults(profile), (profile.limits if profile else None) or {}
    knobs = {}
    for name in ("temperature", "max_tokens"):
        low, high = RANGES[name][1:]
        if narrowed.get(name):  # as params_resolve does: a profile narrows the range, never widens it
            low, high = max(low, narrowed[name][0]), min(high, narrowed[name][1])
        knobs[name] = {"default": getattr(defaults, name), "min": low, "max": high}
    return knobs


def _source(citation) -> dict:
    return {
        "n": citation.n, "document_id": citation.document_id, "title": citation.title, "text": citation.text,
        "page": citation.page, "location": citation.location, "heading_path": citation.heading_path,
        "char_start": citation.char_start, "char_end": citation.char_end, "score": citation.score,
        "cited": citation.cited,
    }


def _context(user, source: dict) -> dict:
    """The text around a passage in its document, when the user may still read it and it is unchanged
    since the answer (the same words at the same offsets); the link to the original when readable."""
    if source["document_id"] is None or document_readable_by(user, source["document_id"]) is None:
        return {"before": "", "after": "", "original_url": ""}
    start, end = source["char_start"], source["char_end"]
    first = max(0, start - CONTEXT_CHARS)
    window = (
        Document.objects.filter(pk=source["document_id"])
        .annotate(window=Substr("extracted_text", first + 1, end + CONTEXT_CHARS - first))
        .values_list("window", flat=True)
        .first()
    ) or ""
    found = {"before": "", "after": "", "original_url": _original_url(source["document_id"], source["page"])}
    # Chunking may fold blank lines: compare the words, not the characters.
    if window[start - first:end - first].split() != source["text"].split():
        return found
    before, after = window[:start - first], window[end - first:]
    cut_after = len(after) == CONTEXT_CHARS
    return {**found, "before": _from_word(before) if first > 0 else before, "after": _to_word(after) if cut_after else after}


def _urls() -> dict[str, str]:
    """URL patterns for the script, with 0 standing for the id."""
    return {
        "ask": reverse("api-v1:chat_ask"),
        "stream": reverse("api-v1:message_stream", args=[0]),
        "cancel": reverse("api-v1:message_cancel", args=[0]),
        "message": reverse("chat:message-detail", args=[0]),
        "conversation": reverse("chat:conversation", args=[0]),
    }


def _original_url(document_id: int, page: int | None) -> str:
    url = reverse("chat:document-original", args=[document_id])
    return f"{url}#page={page}" if page else url  # PDF viewers open at the page


def _from_word(text: str) -> str:
    """A window cut at its start, from its first whole word."""
    return "…" + text[text.find(" ") + 1:]


def _to_word(text: str) -> str:
    cut = text.rfind(" ")
    return (text[:cut] if cut > 0 else text) + "…"


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
        "answer_failed": _("The answer could not be generated because of an internal error. Try again; if it persists, tell an administrator."),
        "timeout": _("The answer took too long and was cut short."),
        "stopped": _("Stopped."),
        "invalid_temperature": _("Temperature must be a number from %(min)s to %(max)s."),
        "invalid_max_tokens": _("Max tokens must be a number from %(min)s to %(max)s."),
        "network": _("The server could not be reached. Check your connection and try again."),
        "not_found": _("Not found: the conversation or collection may have been removed."),
        "session": _("Your session has ended. Log in again."),
        "error": _("Something went wrong: %(message)s"),
        "answered": _("The answer is ready."),
        "sources": _("Sources"),
        "sources_count": _("Sources (%(count)s)"),
        "no_sources": _("No passages: the documents you can read do not cover this question."),
        "source": _("Source %(n)s"),
        "page": _("page %(page)s"),
        "cited": _("cited"),
        "open_original": _("Open original"),
        "copy": _("Copy"),
        "copied": _("Copied"),
        "you": _("You"),
        "assistant": _("Acervo"),
    }

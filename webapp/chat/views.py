"""Chat pages. The page asks through API v1 with the session; these views render, guard files, give the page
what the event stream does not carry (an answer's sanitised HTML and its passages in context), and take the
page's actions on its own conversations (webapp.chat.actions) as small JSON requests."""

import json
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST

from webapp.access import decide, owned
from webapp.api.auth import check_rate
from webapp.chat import actions, page_data
from webapp.chat.models import Message
from webapp.documents.originals import original_response
from webapp.errors import AppError


@login_required
def chat_page(request, conversation_id: int | None = None):
    conversation = None
    if conversation_id is not None:
        conversation = owned.conversation_for(request.user, conversation_id)
    history = list(
        Message.current().filter(conversation=conversation).select_related("profile").prefetch_related("citations")
    ) if conversation else []
    feedback = page_data.feedback_by_message(request.user, history)
    versions = page_data.versions_by_answer(conversation.pk) if conversation else {}
    rows = [page_data.message_row(m, feedback=feedback.get(m.pk), versions=versions.get(m.pk)) for m in history]
    profiles = page_data.profiles()
    collections = decide.readable_collections(request.user)
    return render(request, "chat/chat.html", {
        "nav": "chat",
        "conversation": conversation,
        "conversations": owned.conversations_for(request.user)[:100],
        "collections": collections,
        "chosen": page_data.last_choices(history, collections, profiles),
        "chat_messages": rows,
        "profiles": profiles,
        "question_stub": {"role": Message.Role.USER, "text": ""},
        "page_data": {
            "conversationId": conversation.pk if conversation else None,
            "sources": {
                m.pk: [page_data.source(c) for c in m.citations.all()] for m in history if m.role == Message.Role.ASSISTANT
            },
            "quotes": {row["id"]: row["quote"] for row in rows if row["quote"]},
            # Only the last answer can still be running: one stream per page.
            "resume": [m.pk for m in history[-1:] if m.role == Message.Role.ASSISTANT and m.status in page_data.ACTIVE],
            "urls": page_data.urls(),
            "profiles": {p["name"]: p["knobs"] for p in profiles},
            "strings": page_data.ui_strings(),
        },
    })


@login_required
@require_GET
def message_detail(request, message_id: int):
    """An answer of the asker's as JSON: its sanitised HTML (`html` the answer's text, `body_html` the answer as its
    outcome shows it: quote, refusal or unconfirmed text), how it ended, and its passages in context."""
    message = owned.message_for(request.user, message_id, role=Message.Role.ASSISTANT)
    citations = list(message.citations.all())
    sources = [page_data.source(c) for c in citations]
    for source in sources:
        source.update(page_data.context(request.user, source))
    feedback = page_data.feedback_by_message(request.user, [message]).get(message.pk)
    row = page_data.message_row(message, citations, feedback, versions=actions.answer_versions(message))
    body_html = render_to_string("chat/answer_body.html", {"message": row}, request=request)
    return JsonResponse({**row, "body_html": body_html, "sources": sources})


@login_required
def document_original(request, document_id: int):
    """The stored original, only for users who may read its collection (404 otherwise: no leak), sent so that
    nothing in it can run script on this origin (webapp.documents.originals)."""
    return original_response(decide.original_for(request.user, document_id))


def json_action(view):
    """A logged-in POST with a JSON body (passed as `body`); an AppError becomes the API's error body."""

    @login_required
    @require_POST
    @wraps(view)
    def guarded(request, *args, **kwargs):
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return JsonResponse(AppError("invalid_request", "The body must be a JSON object.").as_dict(), status=400)
        try:
            return view(request, body, *args, **kwargs)
        except AppError as exc:
            return exc.apply_headers(JsonResponse(exc.as_dict(), status=exc.status))

    return guarded


@json_action
def conversation_rename(request, body: dict, conversation_id: int):
    conversation = actions.conversation_rename(user=request.user, conversation_id=conversation_id, title=body.get("title", ""))
    return JsonResponse({"id": conversation.pk, "title": conversation.title})


@json_action
def conversation_delete(request, body: dict, conversation_id: int):
    actions.conversation_delete(user=request.user, conversation_id=conversation_id)
    return JsonResponse({"id": conversation_id, "deleted": True})


@json_action
def answer_regenerate(request, body: dict, message_id: int):
    check_rate(request.user)  # as asking through the API is
    answer = actions.answer_regenerate(user=request.user, message_id=message_id, **_answer_settings(body))
    return JsonResponse({"message_id": answer.pk})


@json_action
def question_edit(request, body: dict, message_id: int):
    check_rate(request.user)
    answer = actions.question_edit(user=request.user, message_id=message_id, question=body.get("question", ""),
                                   **_answer_settings(body))
    return JsonResponse({"message_id": answer.pk})


@json_action
def feedback_give(request, body: dict, message_id: int):
    thumbs = {"up": True, "down": False}.get(body.get("thumbs"))
    feedback = actions.feedback_give(user=request.user, message_id=message_id, thumbs_up=thumbs,
                                     comment=str(body.get("comment") or ""))
    return JsonResponse({"thumbs_up": feedback.thumbs_up if feedback else None, "comment": feedback.comment if feedback else ""})


def _answer_settings(body: dict) -> dict:
    """The composer's choices, as a new question sends them to the API."""
    params = body.get("params")
    return {"collection": body.get("collection") or None, "profile": body.get("profile") or None,
            "params": params if isinstance(params, dict) else None}

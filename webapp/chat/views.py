"""Chat pages. The page talks to API v1 with the session; these views only render and guard files."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render

from webapp.accounts.selectors import collections_readable_by, document_readable_by
from webapp.chat.models import Conversation


@login_required
def chat_page(request, conversation_id: int | None = None):
    conversation = None
    if conversation_id is not None:
        conversation = get_object_or_404(Conversation, pk=conversation_id, user=request.user)
    return render(request, "chat/chat.html", {
        "conversation": conversation,
        "conversations": Conversation.objects.filter(user=request.user)[:50],
        "collections": collections_readable_by(request.user),
        "chat_messages": conversation.messages.prefetch_related("citations") if conversation else [],
    })


@login_required
def document_original(request, document_id: int):
    """The stored original, only for users who may read its collection (404 otherwise: no leak)."""
    document = document_readable_by(request.user, document_id)
    if document is None or not document.file:
        raise Http404
    return FileResponse(document.file.open("rb"), filename=document.original_name or None)

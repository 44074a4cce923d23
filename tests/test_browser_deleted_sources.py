"""An old answer whose source document was deleted, in a real browser: the passage is still shown as the answer
cited it, marked "source deleted" (in the reader's language) on its chip and its card, with no link to an original
that no longer exists; the source whose document remains keeps its link."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import browser, open_page  # noqa: F401 (fixtures)
from webapp.chat.models import Citation, Conversation, Message
from webapp.documents.models import Document
from webapp.documents.services import document_delete

pytestmark = pytest.mark.django_db(transaction=True)

POLICY = "Every employee has thirty days of paid vacation per year."
TRAVEL = "Trips abroad need the approval of a director."


def answer_citing_two_documents(user, handbook) -> tuple[Message, Document, Document]:
    policy, travel = (Document.objects.create(collection=handbook, title=title, sha256=title, status="indexed",
                                              file=f"originals/{title}.txt", extracted_text=text)
                      for title, text in (("vacation-policy", POLICY), ("travel-rules", TRAVEL)))
    conversation = Conversation.objects.create(user=user, title="Leave and travel")
    Message.objects.create(conversation=conversation, role="user", text="Vacation days and trips abroad?")
    answer = Message.objects.create(conversation=conversation, role="assistant", status="done", finish_reason="stop",
                                    outcome="answered", text="Thirty days [1]; trips need a director [2].")
    for n, document in ((1, policy), (2, travel)):
        Citation.objects.create(message=answer, n=n, document=document, title=document.title,
                                text=document.extracted_text, char_end=len(document.extracted_text), cited=True)
    return answer, policy, travel


def test_a_source_whose_document_was_deleted_is_marked_in_portuguese_and_offers_no_original(open_page, alice, handbook):
    answer, policy, travel = answer_citing_two_documents(alice, handbook)
    document_delete(user=alice, document=travel)
    page = open_page(alice, locale="pt-BR")
    page.goto(f"/c/{answer.conversation_id}/")
    article = page.locator(f".message[data-message-id='{answer.pk}']")
    expect(article.locator(".source-chips .chip.deleted")).to_have_count(1)
    expect(article.locator(".source-chips .chip.deleted")).to_have_attribute("data-n", "2")

    article.locator("button.cite[data-n='2']").click()
    gone = page.locator(f"#source-{answer.pk}-2")
    expect(gone).to_have_class(re.compile(r"\bactive\b"))
    expect(gone.locator(".badge.deleted")).to_have_text("fonte excluída")
    expect(gone.locator(".source-why.deleted")).to_contain_text("foi excluído")
    expect(gone.locator("mark")).to_have_text(TRAVEL)
    expect(gone.locator("a")).to_have_count(0)
    expect(gone).to_have_attribute("aria-label", re.compile(r"fonte excluída"))

    kept = page.locator(f"#source-{answer.pk}-1")
    expect(kept.locator(".badge.deleted")).to_have_count(0)
    expect(kept.locator("a")).to_have_attribute("href", f"/documents/{policy.pk}/original")

"""Doing more with an answer in a real browser: regenerate it, edit the question, rate it, see weak
citations for what they are; and the waits and failures a person meets: the queue, no worker."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests import services
from tests.browser import ask, browser, open_page, upload, wait_until_answered  # noqa: F401 (fixtures)
from tests.conftest import api_client, shared_with_team, wait_for_document
from webapp.chat.models import Citation, Feedback, Message
from webapp.documents.models import Collection

POLICY = (
    b"# Vacation policy\n\nEvery employee has thirty days of paid vacation per year. Vacation must be booked "
    b"in the HR portal at least two weeks ahead.\n\n# Interns\n\nInterns have fifteen days of paid vacation.\n"
)


@pytest.fixture
def policy(web, worker, alice, handbook):
    with api_client(web, alice) as api:
        document = wait_for_document(upload(api, "vacation-policy.md", POLICY))
    assert document.status == "indexed", document.error
    return document


@pytest.fixture
def answered(open_page, alice, policy):
    """Alice's page with one finished answer; returns (page, answer locator)."""
    page = open_page(alice)
    page.goto("/")
    answer = ask(page, "How many vacation days do employees get?", collection="handbook")
    assert wait_until_answered(answer) == "done"
    return page, answer


@pytest.mark.django_db(transaction=True)
def test_regenerate_writes_a_new_answer_and_keeps_the_old_one_as_a_version(answered):
    page, answer = answered
    old_id = int(answer.get_attribute("data-message-id"))
    old_text = Message.objects.get(pk=old_id).text
    expect(answer.locator(".versions")).to_be_hidden()
    expect(answer.get_by_role("button", name="Regenerate")).to_be_visible()
    answer.get_by_role("button", name="Regenerate").click()

    expect(answer).not_to_have_attribute("data-message-id", str(old_id))
    assert wait_until_answered(answer) == "done"
    new_id = int(answer.get_attribute("data-message-id"))
    old = Message.objects.get(pk=old_id)
    assert old.superseded and old.text == old_text
    new = Message.objects.get(pk=new_id)
    assert new.first_version_id == old_id and not new.superseded
    assert new.status == "done" and new.collections == [Citation.objects.filter(message=new).first().document.collection_id]
    expect(answer.locator(".answer")).to_contain_text(new.text[:30])
    expect(page.locator(".message")).to_have_count(2)
    expect(answer.locator(".source-chips button")).not_to_have_count(0)

    versions = answer.locator(".versions")
    expect(versions.locator(".version-count")).to_have_text("2/2")
    versions.get_by_role("button", name="Previous version").click()
    expect(answer).to_have_attribute("data-message-id", str(old_id))
    expect(versions.locator(".version-count")).to_have_text("1/2")
    expect(versions.get_by_role("button", name="Previous version")).to_be_disabled()

    page.reload()  # the versions are the server's, not the page's memory
    answer = page.locator(".message.assistant").last
    expect(page.locator(".message")).to_have_count(2)
    expect(answer).to_have_attribute("data-message-id", str(new_id))
    expect(answer.locator(".version-count")).to_have_text("2/2")
    answer.get_by_role("button", name="Previous version").click()
    expect(answer.locator(".version-count")).to_have_text("1/2")
    answer.get_by_role("button", name="Next version").click()
    expect(answer).to_have_attribute("data-message-id", str(new_id))


@pytest.mark.django_db(transaction=True)
def test_a_reopened_conversation_keeps_searching_the_collection_it_searched(answered, team, handbook):
    travel = Collection.objects.create(name="travel")
    shared_with_team(travel, team)
    page, answer = answered
    page.reload()
    expect(page.locator("#collection")).to_have_value(str(handbook.pk))
    answer = page.locator(".message.assistant").last
    old_id = answer.get_attribute("data-message-id")
    answer.get_by_role("button", name="Regenerate").click()
    expect(answer).not_to_have_attribute("data-message-id", old_id)
    assert wait_until_answered(answer) == "done"
    assert Message.current().get(role="assistant").collections == [handbook.pk]


@pytest.mark.django_db(transaction=True)
def test_the_last_question_is_edited_and_answered_again(answered):
    page, answer = answered
    question = page.locator(".message.user").last
    question.get_by_role("button", name="Edit").click()
    editor = page.get_by_role("textbox", name="Edit your question")
    expect(editor).to_be_focused()
    expect(editor).to_have_value("How many vacation days do employees get?")
    editor.fill("How many vacation days do interns get?")
    editor.press("Enter")

    expect(question.locator(".bubble")).to_have_text("How many vacation days do interns get?")
    expect(editor).to_have_count(0)
    assert wait_until_answered(answer) == "done"
    asked, answered_ = Message.objects.order_by("pk")
    assert asked.text == "How many vacation days do interns get?"
    assert answered_.pk == int(answer.get_attribute("data-message-id")) and answered_.status == "done"
    expect(question.get_by_role("button", name="Edit")).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_escape_leaves_the_question_as_it_was(answered):
    page, _ = answered
    question = page.locator(".message.user").last
    question.get_by_role("button", name="Edit").click()
    page.keyboard.type(" and interns?")
    page.keyboard.press("Escape")
    expect(question.locator(".bubble")).to_have_text("How many vacation days do employees get?")
    expect(question.get_by_role("button", name="Edit")).to_be_focused()
    assert Message.objects.filter(role="user").get().text == "How many vacation days do employees get?"


@pytest.mark.django_db(transaction=True)
def test_thumbs_down_with_a_comment_is_stored_and_shown_again_after_a_reload(answered, alice):
    page, answer = answered
    down = answer.get_by_role("button", name="Bad answer")
    down.click()
    expect(down).to_have_attribute("aria-pressed", "true")
    comment = answer.get_by_role("textbox", name="Anything to add? (optional)")
    comment.fill("It forgot the interns.")
    answer.get_by_role("button", name="Send feedback").click()
    expect(answer.locator(".feedback-thanks")).to_contain_text("Thank you")
    expect(comment).to_be_hidden()

    feedback = Feedback.objects.get()
    assert (feedback.message_id, feedback.user_id) == (int(answer.get_attribute("data-message-id")), alice.pk)
    assert (feedback.thumbs_up, feedback.comment) == (False, "It forgot the interns.")

    page.reload()
    down = page.locator(".message.assistant").last.get_by_role("button", name="Bad answer")
    expect(down).to_have_attribute("aria-pressed", "true")
    up = page.locator(".message.assistant").last.get_by_role("button", name="Good answer")
    up.click()
    expect(up).to_have_attribute("aria-pressed", "true")
    expect(down).to_have_attribute("aria-pressed", "false")
    up.click()  # pressed again: withdrawn
    expect(up).to_have_attribute("aria-pressed", "false")
    assert not Feedback.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_weakly_supported_citation_looks_different_and_says_why(answered):
    page, answer = answered
    message_id = int(answer.get_attribute("data-message-id"))
    n = Citation.objects.filter(message_id=message_id).order_by("n").first().n
    # an answered answer (the tiny model's own words would be unconfirmed, folded away) with one weak citation
    Message.objects.filter(pk=message_id).update(text=f"Employees get forty days of vacation [{n}].",
                                                 outcome="answered", reasons=[])
    Citation.objects.filter(message_id=message_id, n=n).update(
        cited=True, weak=True, support=0.21, weak_reason=f"[{n}] does not mention forty."
    )

    page.reload()
    marker = page.get_by_role("button", name=f"Source {n}, weakly supported", exact=True)
    expect(marker).to_have_class(re.compile(r"\bweak\b"))
    marker.click()
    card = page.locator(f"#source-{message_id}-{n}")
    expect(card).to_have_class(re.compile(r"\bweak\b"))
    expect(card.locator(".badge")).to_have_text("weakly supported")
    expect(card.locator(".source-why")).to_have_text(
        f"This passage may not say what the answer claims. The answer's word “forty” does not appear in source {n}."
    )
    expect(page.locator(".message.assistant .chip.weak")).to_have_count(1)


@pytest.mark.django_db(transaction=True)
def test_a_citation_acervo_added_says_the_model_did_not_write_it(answered):
    """Planted: the tiny test model writes no sentence a passage supports, so nothing is attributed by itself."""
    page, answer = answered
    message_id = int(answer.get_attribute("data-message-id"))
    n = Citation.objects.filter(message_id=message_id).order_by("n").first().n
    Message.objects.filter(pk=message_id).update(text=f"Employees get thirty days of paid vacation [{n}].")
    Citation.objects.filter(message_id=message_id, n=n).update(cited=True, support=0.8, attributed=True)

    page.reload()
    page.get_by_role("button", name=f"Source {n}", exact=True).click()
    card = page.locator(f"#source-{message_id}-{n}")
    expect(card.locator(".badge")).to_have_text("matched by Acervo")
    expect(card.locator(".source-why")).to_have_text(
        "The model did not cite this passage; Acervo matched a sentence of the answer to it."
    )


@pytest.mark.django_db(transaction=True)
def test_with_no_worker_running_the_page_says_so_and_keeps_the_question(open_page, stack_env, alice, handbook, tmp_path):
    """A web server whose key prefix no worker listens on stands in for a stopped worker."""
    env = dict(stack_env, REDIS_KEY_PREFIX=f"acervo-no-worker-{uuid.uuid4().hex[:8]}:")
    port = services.free_port()
    process = services.start_web(env, tmp_path / "web.log", port)
    try:
        base = f"http://127.0.0.1:{port}"
        services.wait_until(lambda: services.web_is_up(base), timeout=60, what="web", log_path=tmp_path / "web.log")
        page = open_page(alice, base_url=base)
        page.goto("/")
        answer = ask(page, "How many vacation days?", collection="handbook")
        assert wait_until_answered(answer) == "error"
        expect(answer.locator(".note")).to_have_text(
            "No answer worker is running, so questions cannot be answered right now. Ask an administrator to start it."
        )
        expect(page.locator("#question")).to_have_value("How many vacation days?")
        expect(page.locator("#send")).to_be_visible()
        assert not Message.objects.exists()
    finally:
        services.stop(process)

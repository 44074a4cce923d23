"""The chat page in a real browser: log in, ask, watch the answer stream, follow its citations."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import ask, browser, open_page, upload, wait_until_answered  # noqa: F401 (fixtures)
from tests.conftest import api_client, wait_for_document
from webapp.chat.models import Message, ModelProfile

POLICY = (
    b"# Vacation policy\n\nEvery employee has thirty days of paid vacation per year. Vacation must be booked "
    b"in the HR portal at least two weeks ahead.\n\n# Remote work\n\nRemote work is allowed two days per week "
    b"with the agreement of the team lead.\n"
)
# What a real model writes: the tiny test model's words are random, so it never writes a marker itself.
ANSWER_WITH_MARKERS = "Employees get **thirty days** of paid vacation per year [1].\n\n- Book it in the HR portal [1]"


@pytest.fixture
def policy(web, worker, alice, handbook):
    with api_client(web, alice) as api:
        document = wait_for_document(upload(api, "vacation-policy.md", POLICY))
    assert document.status == "indexed", document.error
    return document


@pytest.mark.django_db(transaction=True)
def test_alice_logs_in_with_the_form_and_lands_on_the_chat(open_page, alice):
    page = open_page()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.fill("#id_username", "alice")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_be_visible()
    page.fill("#id_password", "alice-password")
    page.click("button[type=submit]")
    expect(page.locator("#question")).to_be_focused()
    expect(page.get_by_role("link", name="New conversation")).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_the_answer_streams_then_shows_its_sources_and_a_click_on_a_source_highlights_it(open_page, alice, policy):
    page = open_page(alice)
    page.goto("/")
    record_answer_states(page)
    answer = ask(page, "How many vacation days do employees get?", collection="handbook")

    assert wait_until_answered(answer) == "done"
    states = page.evaluate("window.answerStates")
    streaming = [s for s in states if s["state"] == "streaming" and s["length"] > 0]
    assert streaming, states
    assert streaming[0]["t"] < next(s["t"] for s in states if s["state"] == "done")
    assert len({s["length"] for s in streaming}) > 1, "text should grow token by token"
    expect(page).to_have_url(re.compile(r"/c/\d+/$"))

    # the tiny model's random words are unconfirmed: its sources are then listed as the closest passages
    chip = answer.locator(".source-chips button[data-n='1'], .closest-source[data-n='1']").filter(visible=True)
    expect(chip).to_contain_text("Vacation policy")  # the document's own title, its first heading
    message_id = answer.get_attribute("data-message-id")
    chip.click()
    source = page.locator(f"#source-{message_id}-1")
    expect(source).to_have_class(re.compile(r"\bactive\b"))
    expect(source).to_be_in_viewport()
    expect(source.locator("mark")).to_contain_text("thirty days of paid vacation")
    expect(source.get_by_role("link", name="Open original")).to_have_attribute("href", f"/documents/{policy.pk}/original")
    expect(answer.locator(".answer-settings-used")).to_contain_text("temperature")


@pytest.mark.django_db(transaction=True)
def test_a_citation_marker_in_a_reloaded_answer_opens_its_passage_in_context(open_page, alice, policy):
    page = open_page(alice)
    page.goto("/")
    answer = ask(page, "How many vacation days do employees get?", collection="handbook")
    wait_until_answered(answer)
    message_id = int(answer.get_attribute("data-message-id"))
    Message.objects.filter(pk=message_id).update(text=ANSWER_WITH_MARKERS)

    page.reload()
    answer = page.locator(f".message[data-message-id='{message_id}']")
    expect(answer.locator(".answer strong")).to_have_text("thirty days")
    marker = answer.locator("button.cite[data-n='1']").first
    marker.click()
    expect(marker).to_have_attribute("aria-pressed", "true")
    source = page.locator(f"#source-{message_id}-1")
    expect(source).to_have_class(re.compile(r"\bactive\b"))
    expect(source).to_be_in_viewport()
    expect(source.locator("mark")).to_contain_text("thirty days of paid vacation")
    expect(source.locator(".context").last).to_contain_text("Remote work")
    expect(page.locator(".message.user .bubble")).to_have_text("How many vacation days do employees get?")


@pytest.mark.django_db(transaction=True)
def test_stop_ends_a_long_answer_early(open_page, alice, policy):
    page = open_page(alice)
    page.goto("/")
    page.click(".answer-settings summary")
    page.fill("#max-tokens", "1500")
    answer = ask(page, "How many vacation days do employees get?", collection="handbook")
    expect(answer).to_have_attribute("data-state", "streaming")
    page.click("#stop")

    assert wait_until_answered(answer) == "cancelled"
    expect(answer.locator(".note")).to_contain_text("Stopped")
    message = Message.objects.get(pk=answer.get_attribute("data-message-id"))
    assert message.finish_reason == "cancelled"
    assert message.usage["completion_tokens"] < 1500
    expect(page.locator("#send")).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_a_page_reloaded_mid_answer_resumes_the_stream(open_page, alice, policy):
    page = open_page(alice)
    page.goto("/")
    page.click(".answer-settings summary")
    page.fill("#max-tokens", "900")
    answer = ask(page, "Tell me about remote work", collection="handbook")
    expect(answer).to_have_attribute("data-state", "streaming")
    message_id = answer.get_attribute("data-message-id")
    page.reload()

    assert page.evaluate("JSON.parse(document.getElementById('page-data').textContent).resume") == [int(message_id)]
    answer = page.locator(f".message[data-message-id='{message_id}']")
    assert wait_until_answered(answer) == "done"
    message = Message.objects.get(pk=message_id)
    expect(answer.locator(".answer")).to_contain_text(message.text[:40])


@pytest.mark.django_db(transaction=True)
def test_the_conversation_is_listed_in_the_sidebar_and_keeps_its_messages(open_page, alice, policy):
    page = open_page(alice)
    page.goto("/")
    wait_until_answered(ask(page, "What about remote work?", collection="handbook"))
    wait_until_answered(ask(page, "And vacation?"))

    link = page.locator("#conversation-list a", has_text="What about remote work?")
    expect(link).to_have_attribute("aria-current", "page")
    page.goto("/")
    page.click("#conversation-list a >> text=What about remote work?")
    expect(page.locator(".message.user")).to_have_count(2)
    expect(page.locator(".message.assistant[data-state='done']")).to_have_count(2)
    expect(page.locator(".message.assistant").last.locator(".source-chips button")).not_to_have_count(0)


@pytest.mark.django_db(transaction=True)
def test_shift_enter_adds_a_line_and_an_empty_question_is_not_sent(open_page, alice, handbook):
    page = open_page(alice)
    page.goto("/")
    page.press("#question", "Enter")
    expect(page.locator(".message")).to_have_count(0)
    page.fill("#question", "first line")
    page.press("#question", "Shift+Enter")
    page.keyboard.type("second line")
    expect(page.locator("#question")).to_have_value("first line\nsecond line")
    expect(page.locator(".message")).to_have_count(0)


@pytest.mark.django_db(transaction=True)
def test_an_out_of_range_setting_is_explained_before_asking(open_page, alice, handbook):
    page = open_page(alice)
    page.goto("/")
    page.click(".answer-settings summary")
    page.fill("#temperature", "7")
    ask(page, "anything")
    expect(page.locator("#composer-error")).to_contain_text("Temperature must be a number from 0")
    expect(page.locator(".message")).to_have_count(0)


@pytest.mark.django_db(transaction=True)
def test_a_question_that_cannot_be_asked_says_why_and_is_kept(open_page, alice, handbook):
    page = open_page(alice)
    page.goto("/")
    page.select_option("#collection", label="handbook")
    handbook.delete()
    answer = ask(page, "Is this still here?")

    assert wait_until_answered(answer) == "error"
    expect(answer.locator(".note")).to_have_text("Not found: the conversation or collection may have been removed.")
    expect(page.locator("#question")).to_have_value("Is this still here?")
    expect(page.locator("#send")).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_a_chosen_model_profile_answers_within_its_limits_and_is_named_under_the_answer(open_page, alice, policy):
    ModelProfile.objects.create(name="precise", is_default=True, temperature=0.1, max_tokens=32, limits={"max_tokens": [1, 64]})
    ModelProfile.objects.create(name="roomy", temperature=0.7, max_tokens=48)
    page = open_page(alice)
    page.goto("/")
    page.click(".answer-settings summary")
    expect(page.locator("#max-tokens")).to_have_attribute("placeholder", "32")
    page.fill("#max-tokens", "100")
    ask(page, "How many vacation days?", collection="handbook")
    expect(page.locator("#composer-error")).to_contain_text("from 1 to 64")

    page.select_option("#profile", "roomy")
    expect(page.locator("#temperature")).to_have_attribute("placeholder", "0.7")
    answer = ask(page, "How many vacation days?")
    assert wait_until_answered(answer) == "done"
    expect(answer.locator(".answer-settings-used")).to_contain_text("roomy · temperature 0.70 · max 100 tokens")


def record_answer_states(page) -> None:
    """Record (state, text length, time) of the newest answer at every change of the message list."""
    page.evaluate("""() => {
        window.answerStates = [];
        new MutationObserver(() => {
            const answer = document.querySelector('.message.assistant:last-of-type');
            if (answer) window.answerStates.push({state: answer.dataset.state,
                length: answer.querySelector('.answer').textContent.length, t: performance.now()});
        }).observe(document.getElementById('messages'), {subtree: true, childList: true, characterData: true, attributes: true});
    }""")

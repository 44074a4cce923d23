"""The sidebar in a real browser: find, rename and delete conversations, with the keyboard too."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import PHONE, browser, open_page  # noqa: F401 (fixtures)
from webapp.chat.models import Conversation, Message


def conversation(user, title: str) -> Conversation:
    found = Conversation.objects.create(user=user, title=title)
    Message.objects.create(conversation=found, role="user", text=title)
    Message.objects.create(conversation=found, role="assistant", text="An answer.", status="done")
    return found


@pytest.mark.django_db(transaction=True)
def test_a_conversation_is_renamed_in_place_with_the_keyboard(open_page, alice):
    vacation = conversation(alice, "How many vacation days?")
    page = open_page(alice)
    page.goto(f"/c/{vacation.pk}/")

    page.get_by_role("button", name="Options for “How many vacation days?”").click()
    expect(page.get_by_role("button", name="Rename")).to_be_focused()
    page.keyboard.press("Enter")
    title = page.get_by_role("textbox", name="New title for “How many vacation days?”")
    expect(title).to_be_focused()
    page.keyboard.type("Vacation 2027")
    page.keyboard.press("Enter")

    item = page.locator("#conversation-list li").first
    expect(item.locator(".conversation-title")).to_have_text("Vacation 2027")
    expect(item.get_by_role("button", name="Options for “Vacation 2027”")).to_be_focused()
    expect(page).to_have_title("Vacation 2027 · Acervo")
    assert Conversation.objects.get(pk=vacation.pk).title == "Vacation 2027"


@pytest.mark.django_db(transaction=True)
def test_escape_cancels_a_rename_and_closes_the_menu(open_page, alice):
    vacation = conversation(alice, "How many vacation days?")
    page = open_page(alice)
    page.goto(f"/c/{vacation.pk}/")
    toggle = page.get_by_role("button", name="Options for “How many vacation days?”")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Rename")).to_be_hidden()
    expect(toggle).to_be_focused()

    toggle.click()
    page.get_by_role("button", name="Rename").click()
    page.keyboard.type("Something else")
    page.keyboard.press("Escape")
    expect(page.locator("#conversation-list .conversation-title")).to_have_text(["How many vacation days?"])
    assert Conversation.objects.get(pk=vacation.pk).title == "How many vacation days?"


@pytest.mark.django_db(transaction=True)
def test_deleting_another_conversation_keeps_the_page_and_deleting_the_open_one_starts_anew(open_page, alice):
    older = conversation(alice, "Remote work rules")
    current = conversation(alice, "How many vacation days?")
    page = open_page(alice)
    page.goto(f"/c/{current.pk}/")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Options for “Remote work rules”").click()
    page.get_by_role("button", name="Delete").click()
    expect(page.locator("#conversation-list li")).to_have_count(1)
    expect(page.locator("#announcer")).to_have_text("Conversation deleted.")
    expect(page).to_have_url(re.compile(rf"/c/{current.pk}/$"))
    assert not Conversation.objects.filter(pk=older.pk).exists()

    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Options for “How many vacation days?”").click()
    page.get_by_role("button", name="Delete").click()
    assert Conversation.objects.filter(pk=current.pk).exists()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Options for “How many vacation days?”").click()
    page.get_by_role("button", name="Delete").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_text("No conversations yet.")).to_be_visible()
    assert not Conversation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_sidebar_finds_conversations_by_title_on_a_phone(open_page, alice):
    conversation(alice, "Remote work rules")
    conversation(alice, "How many vacation days?")
    page = open_page(alice, viewport=PHONE)
    page.goto("/")
    page.get_by_role("button", name="Conversations").click()
    expect(page.locator("#conversation-search")).to_be_focused()
    page.keyboard.type("remote")
    expect(page.locator("#conversation-list li:visible")).to_have_count(1)
    expect(page.locator("#conversation-list li:visible")).to_contain_text("Remote work rules")
    page.get_by_role("button", name="Options for “Remote work rules”").click()
    expect(page.get_by_role("button", name="Rename")).to_be_in_viewport()

"""What a new user meets in the first minutes of the browser UI: the language menu, dates, model profiles."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import browser, open_page  # noqa: F401 (fixtures)
from webapp.chat.models import Conversation


@pytest.mark.django_db(transaction=True)
def test_the_language_menu_names_each_language_in_its_own_words(open_page, alice):
    page = open_page(alice, locale="pt-BR")
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "pt-br")
    expect(page.locator("#language-select option")).to_have_text(["English", "Português (Brasil)"])


@pytest.mark.django_db(transaction=True)
def test_dates_follow_the_readers_locale_and_say_the_time_zone(open_page, alice):
    Conversation.objects.create(user=alice, title="Holidays")
    page = open_page(alice, locale="en-GB", timezone_id="Europe/London")
    page.goto("/")
    when = page.locator(".conversation-list time, nav time").first
    # en-GB: day before month, and the zone named (no US "12/6/26, 9:20 AM" with no zone)
    expect(when).to_have_text(re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} (GMT|BST)$"))
    assert "Greenwich Mean Time" in when.get_attribute("title")

    page = open_page(alice, locale="pt-BR", timezone_id="America/Sao_Paulo")
    page.goto("/")
    expect(page.locator(".conversation-list time, nav time").first).to_have_text(
        re.compile(r"^\d{1,2} de [a-z]{3}\.? de \d{4}, \d{2}:\d{2} (BRT|GMT-3)$"))


@pytest.mark.django_db(transaction=True)
def test_a_fresh_install_shows_the_model_profile_in_use_and_how_to_add_a_better_one(open_page, admin_user):
    from django.core.management import call_command

    from webapp.chat.models import ModelProfile

    page = open_page(admin_user)
    page.goto("/admin/chat/modelprofile/")
    expect(page.locator("#profile-help")).to_contain_text("No profile is marked default")
    expect(page.locator("#profile-help")).to_contain_text("model path")

    call_command("ensure_profile")  # what make run does after migrating
    call_command("ensure_profile")  # twice: still one
    assert list(ModelProfile.objects.values_list("name", "is_default")) == [("default", True)]
    page.reload()
    expect(page.locator("#result_list")).to_contain_text("default")
    expect(page.locator("#profile-help")).to_contain_text("Questions are answered with the default profile, “default”")

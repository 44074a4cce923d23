"""The collections page in a real browser: staff create collections, managers rename them and choose which role
each group holds."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from playwright.sync_api import expect

from tests.browser import browser, open_page, upload  # noqa: F401 (fixtures)
from tests.conftest import api_client, wait_for_document
from webapp.access.models import Grant
from webapp.documents.models import Collection


def group_roles(collection) -> dict[str, str]:
    return dict(Grant.objects.filter(collection=collection, group__isnull=False).values_list("group__name", "role"))


@pytest.fixture
def hr(transactional_db):
    return Group.objects.create(name="hr")


@pytest.mark.django_db(transaction=True)
def test_staff_create_a_collection_giving_each_group_the_role_they_choose(open_page, alice, hr, handbook):
    page = open_page(alice)
    page.goto("/documents/collections/")
    form = page.get_by_role("region", name="New collection")
    expect(form.get_by_label("team", exact=True)).to_have_value("reader")
    form.get_by_label("Name").fill("Finance")
    form.get_by_label("Description").fill("Budgets and expense rules")
    form.get_by_label("hr", exact=True).select_option("editor")
    form.get_by_label("leads", exact=True).select_option("")
    form.get_by_role("button", name="Create collection").click()

    expect(page.get_by_role("status")).to_have_text("Collection “Finance” created.")
    card = page.locator(".collection-card", has_text="Finance")
    expect(card.locator(".group-pill")).to_have_text(["team (reader)", "hr (editor)"])
    expect(card).to_contain_text("Budgets and expense rules")
    finance = Collection.objects.get(name="Finance")
    assert group_roles(finance) == {"hr": "editor", "team": "reader"}
    assert Grant.objects.get(collection=finance, user=alice).role == "manager"  # the creator manages it


@pytest.mark.django_db(transaction=True)
def test_a_collection_is_renamed_and_given_to_another_group_and_shows_what_it_holds(open_page, web, worker, alice, hr, handbook):
    with api_client(web, alice) as api:
        document = wait_for_document(upload(api, "faq.txt", b"The office opens at eight.\n\nIt closes at six.\n"))
    page = open_page(alice)
    page.goto("/documents/collections/")
    card = page.locator(".collection-card", has_text="handbook")
    expect(card.locator("dd")).to_have_text(["1", str(document.chunk_count)])

    card.locator("summary", has_text="Edit").click()
    card.get_by_label("Name").fill("Handbook 2027")
    card.get_by_label("hr", exact=True).select_option("reader")
    card.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_have_text("Collection “Handbook 2027” saved.")
    handbook.refresh_from_db()
    assert handbook.name == "Handbook 2027"
    assert group_roles(handbook) == {"hr": "reader", "leads": "manager", "team": "reader"}


@pytest.mark.django_db(transaction=True)
def test_a_manager_cannot_take_away_their_own_management(open_page, alice, hr, handbook):
    page = open_page(alice)
    page.goto("/documents/collections/")
    card = page.locator(".collection-card", has_text="handbook")
    card.locator("summary", has_text="Edit").click()
    card.get_by_label("leads", exact=True).select_option("editor")
    card.get_by_label("hr", exact=True).select_option("manager")
    card.get_by_role("button", name="Save").click()

    card = page.locator(".collection-card", has_text="handbook")
    expect(card.get_by_role("alert")).to_have_text(
        "Keep the manager role for one of your groups, or you would no longer manage the collection.")
    expect(card.get_by_label("hr", exact=True)).to_have_value("manager")
    assert group_roles(handbook) == {"leads": "manager", "team": "reader"}


@pytest.mark.django_db(transaction=True)
def test_a_name_already_taken_is_refused_and_what_was_typed_is_kept(open_page, alice, handbook):
    page = open_page(alice)
    page.goto("/documents/collections/")
    form = page.get_by_role("region", name="New collection")
    form.get_by_label("Name").fill("handbook")
    form.get_by_label("Description").fill("A second one")
    form.get_by_role("button", name="Create collection").click()
    form = page.get_by_role("region", name="New collection")
    expect(form.get_by_role("alert")).to_have_text("Another collection already has this name.")
    expect(form.get_by_label("Description")).to_have_value("A second one")
    assert Collection.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_staff_pages_are_not_for_other_users(open_page, bob, handbook):
    page = open_page(bob)
    for path in ("/documents/collections/", "/documents/search/", "/documents/dashboard/", "/documents/1/"):
        assert page.goto(path).status == 403, path
    client = Client()
    client.force_login(bob)
    assert client.post("/documents/collections/new", {"new-name": "Mine"}).status_code == 403
    assert not Collection.objects.filter(name="Mine").exists()

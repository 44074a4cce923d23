"""A collection's sources in a real browser: staff add a watched folder on the collections page, its first sync's
log appears on the card, and "Sync now" logs a change made since; in Portuguese too."""

import pytest
from playwright.sync_api import expect

from tests.browser import REVIEW_SCREENSHOTS, browser, open_page  # noqa: F401 (fixtures)
from tests.sync import finished_runs, wait_for_run, watched_folder
from webapp.sources.models import Source

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_add_a_watched_folder_and_read_its_sync_log(open_page, alice, handbook):
    folder = watched_folder()
    (folder / "vacation.txt").write_text("Every employee has thirty days of paid vacation per year.")
    (folder / "noise.bin").write_bytes(bytes(range(256)) * 16)
    page = open_page(alice)
    page.goto("/documents/collections/")
    card = page.locator(".collection-card", has_text="handbook")
    card.get_by_text("Add a folder or website").click()
    card.get_by_label("Kind").select_option("folder")
    card.get_by_label("Folder path, start page or sitemap.xml").fill(str(folder))
    card.get_by_label("Sync every (minutes, 0 = only on demand)").fill("0")
    card.get_by_role("button", name="Add source").click()
    expect(page.get_by_role("status")).to_have_text("Source saved; its first sync is queued.")

    source = Source.objects.get()
    wait_for_run(source, 1)
    (folder / "travel.txt").write_text("Travel expenses are reimbursed within ten business days.")
    page.reload()
    log = page.locator(".collection-card", has_text="handbook").locator("table.sync-log")
    expect(log.locator("tr.sync-entry")).to_have_count(2)
    expect(log).to_contain_text("added vacation.txt")
    expect(log.locator("tr.sync-entry[data-action=failed]")).to_contain_text("noise.bin — Not a format Acervo reads")

    page.locator(f"#source-{source.pk}").get_by_role("button", name="Sync now").click()
    expect(page.get_by_role("status")).to_have_text("Sync queued: the log below shows it when it ends.")
    wait_for_run(source, 2)
    assert finished_runs(source)[-1].added == 1
    page.reload()
    expect(page.locator(f"#source-{source.pk} tr.sync-run")).to_have_count(2)
    # every run lists what it could not index, so the bad file is there again
    expect(page.locator(f"#source-{source.pk} tr.sync-entry", has_text="travel.txt")).to_have_text(
        "added travel.txt")
    page.locator(f"#source-{source.pk}").screenshot(path=REVIEW_SCREENSHOTS / "sources-log.png")


def test_the_sources_read_in_portuguese(open_page, alice, handbook):
    folder = watched_folder()
    (folder / "ferias.txt").write_text("Todo funcionário tem trinta dias de férias por ano.")
    page = open_page(alice, locale="pt-BR")
    page.goto("/documents/collections/")
    card = page.locator(".collection-card", has_text="handbook")
    card.get_by_text("Adicionar uma pasta ou site").click()
    card.get_by_label("Caminho da pasta, página inicial ou sitemap.xml").fill(str(folder))
    card.get_by_role("button", name="Adicionar fonte").click()
    expect(page.get_by_role("status")).to_have_text("Fonte salva; a primeira sincronização está na fila.")
    wait_for_run(Source.objects.get(), 1)
    page.reload()
    card = page.locator(".collection-card", has_text="handbook")
    expect(card.get_by_role("heading", name="Fontes sincronizadas")).to_be_visible()
    expect(card.locator("tr.sync-entry")).to_contain_text("adicionado ferias.txt")
    expect(card.get_by_role("button", name="Sincronizar agora")).to_be_visible()

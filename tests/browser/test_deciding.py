"""Merken → vergleichen → Beschlussvorlage herunterladen in a real Chromium, 1280 and 360 px."""

import io
import re
from pathlib import Path

import pytest
from docx import Document

from tests.browser.conftest import DESKTOP, PHONE, format_violations, run_axe

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": DESKTOP, "phone": PHONE}
MAYORS_TOWN = "Markt Steinachried"


def overflow(page) -> int:
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def check_page(page, name: str, problems: list[str]) -> None:
    violations = run_axe(page)
    if violations:
        problems.append(f"{name}:\n{format_violations(violations)}")
    if overflow(page) > 1:
        problems.append(f"{name}: {overflow(page)}px waagrecht zu breit")


def remember_three(page, site) -> list[str]:
    """Press Merken on the first three result cards (no JavaScript needed: full reloads)."""
    page.goto(site.url + "/suche?topic=energie")
    titles = []
    for index in range(3):
        card = page.locator(".hits > li").nth(index)
        titles.append(card.locator("h3 a").inner_text())
        card.get_by_role("button", name=re.compile(r"^Merken")).click()
        page.wait_for_load_state()
        card = page.locator(".hits > li").nth(index)
        assert card.get_by_text("Gemerkt").count() == 1
    return titles


@pytest.mark.parametrize("width", WIDTHS)
def test_remember_compare_and_download_the_council_draft(open_page, live_server, width):
    page = open_page(WIDTHS[width], accept_downloads=True)
    problems: list[str] = []
    page.goto(live_server.url + "/merkliste")
    assert page.get_by_text("Ihre Merkliste ist leer").count() == 1
    check_page(page, "Merkliste leer", problems)

    titles = remember_three(page, live_server)
    check_page(page, "Suche mit gemerkten Einträgen", problems)

    page.get_by_role("link", name="Merkliste (3)").click()
    page.wait_for_url(re.compile(r"/merkliste$"))
    assert page.locator(".merk-item").count() == 3
    check_page(page, "Merkliste", problems)

    page.get_by_role("button", name="Ausgewählte vergleichen").click()
    page.wait_for_url(re.compile(r"/vergleich\?"))
    assert page.locator("h1").inner_text() == "Lösungsansätze im Vergleich"
    for title in titles:
        assert page.get_by_role("link", name=title).first.is_visible()
    if width == "phone":
        assert page.locator(".compare-narrow").is_visible()
        assert not page.locator(".compare-wide").is_visible()
        assert page.locator(".compare-card").count() == 3
        labels = page.locator(".compare-card").first.locator("dt").all_inner_texts()
        assert labels[0].startswith("Kommune") and labels[-1].startswith("Besprochen bei")
    else:
        assert page.locator(".compare-table").is_visible()
        assert page.locator(".compare-table > thead > tr > th").count() == 4
    check_page(page, f"Vergleich ({width})", problems)

    # Paper: the table on landscape A4, never the phone cards.
    page.emulate_media(media="print")
    assert page.locator(".compare-table").is_visible()
    assert not page.locator(".compare-narrow").is_visible()
    page.emulate_media(media="screen")

    page.get_by_label("Ihre Kommune (für die Beschlussvorlage)").select_option(label=MAYORS_TOWN)
    page.get_by_role("button", name="Übernehmen").click()
    page.wait_for_url(re.compile(r"fuer=markt-steinachried"))
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile(r"^Beschlussvorlage \(Word\)")).first.click()
    download = info.value
    assert download.suggested_filename.startswith("beschlussvorlage-")
    document = Document(io.BytesIO(Path(download.path()).read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    titles = [title.replace("„", "‚").replace("“", "‘") for title in titles]  # inner quotes
    assert MAYORS_TOWN in text and titles[0] in text
    assert "Geprüfte Alternativen" in text and titles[1] in text
    assert not problems, "\n\n".join(problems)


def test_comparison_with_too_many_entries_passes_axe(open_page, live_server):
    page = open_page(PHONE)
    response = page.goto(live_server.url + "/vergleich?slug=" + live_server.practice)
    assert response.status == 400
    assert page.get_by_role("alert").inner_text().startswith("Bitte wählen Sie mindestens zwei")
    violations = run_axe(page)
    assert not violations, format_violations(violations)

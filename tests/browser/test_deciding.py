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


MID_WORD_BREAKS = """() => {
    // Words of the comparison table that the browser split across two lines without a
    // hyphen (a hyphenated break leaves its first part ending in „-“ on the first line).
    const broken = [];
    for (const cell of document.querySelectorAll(".compare-table th, .compare-table td")) {
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (const match of node.textContent.matchAll(/[\\p{L}\\p{N}]{2,}/gu)) {
                const range = document.createRange();
                range.setStart(node, match.index);
                range.setEnd(node, match.index + match[0].length);
                const rows = new Set([...range.getClientRects()]
                    .filter(r => r.width > 0).map(r => Math.round(r.top)));
                if (rows.size > 1) broken.push(match[0]);
            }
        }
    }
    return broken;
}"""


def test_comparison_of_four_breaks_no_word_in_the_middle(open_page, live_server):
    """At 1280 px four entries side by side (two with tables in their results): no
    „Handlungsfelde|r“ or „Verän|derun|g“; a table too wide for its column scrolls in its
    own keyboard-reachable box; the page itself does not scroll sideways."""
    page = open_page(DESKTOP)
    slugs = ["energiemanagement-liegenschaften-espenhofen", "energiesparwettbewerb-kitas-rosenach",
             "beschaffungsrichtlinie-quellenstein", "bluehwiesen-bauhof-holunderzell"]
    page.goto(live_server.url + "/vergleich?" + "&".join(f"slug={slug}" for slug in slugs))
    assert page.locator(".compare-table > thead > tr > th").count() == 5
    assert page.evaluate(MID_WORD_BREAKS) == []
    widths = page.locator(".compare-table > thead > tr > th").evaluate_all(
        "cells => cells.map(c => c.getBoundingClientRect().width)")
    assert min(widths[1:]) > 0.8 * max(widths[1:]), widths  # entries share the width
    assert page.get_by_role("region", name=re.compile(r"^Ergebnisse und Wirkung: ")).count() >= 2
    assert overflow(page) <= 1
    problems: list[str] = []
    check_page(page, "Vergleich von vier", problems)
    assert not problems, "\n\n".join(problems)

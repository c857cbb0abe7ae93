"""A representative writes an entry in Chromium: every kind of field, preview, save,
submit, two edits, the diff; axe-core and no sideways scrolling on every page."""

import io
import re

import pytest
from PIL import Image

from tests.browser.conftest import WIDTHS, check_page

pytestmark = pytest.mark.browser


def photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (900, 600), (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def sign_in(page, site) -> None:
    page.goto(f"{site.url}/praxis/neu")  # sends anonymous visitors to sign in first
    page.get_by_label("E-Mail-Adresse", exact=True).fill(site.representative_email)
    page.get_by_label("Passwort", exact=True).fill(site.member_password)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("width", WIDTHS)
def test_write_preview_save_submit_edit_twice_and_see_the_diff(open_page, live_server, width):
    page = open_page(WIDTHS[width])
    problems: list[str] = []
    sign_in(page, live_server)
    assert page.locator("h1").inner_text() == "Neuen Lösungsansatz eintragen"
    check_page(page, f"neu {width}", problems)

    # Nothing typed yet: the „Gibt es schon …?“ box takes no room (was a yellow strip).
    assert page.locator("#gibt-es-schon").evaluate("e => e.getBoundingClientRect().height") == 0
    assert page.locator("#gibt-es-schon").get_attribute("aria-live") == "polite"

    title = f"Repair-Café im Pfarrsaal ({width})"
    page.locator("#feld-title").fill(title)
    page.locator("#feld-summary").fill("Einmal im Monat reparieren Ehrenamtliche Geräte.")
    page.get_by_label("Ausgangslage", exact=True).fill("Viele Geräte landeten im Müll.")
    page.get_by_label("Vorgehen", exact=True).fill("Wir haben **zwölf** Ehrenamtliche gefunden.")
    page.get_by_label("Ergebnisse und Wirkung", exact=True).fill(
        "| Jahr | Geräte |\n|---|---|\n| 2023 | 310 |")
    page.locator("select#feld-levers").select_option("beteiligen-kooperieren")
    page.get_by_label("Beraten und Motivieren", exact=True).check()
    page.get_by_label("Abfall und Ressourcen", exact=True).check()
    page.get_by_label("Modul 3: Bündnispartner und Akzeptanz", exact=True).check()
    page.get_by_label("12 – Nachhaltige/r Konsum und Produktion", exact=True).check()
    page.locator("#feld-status").select_option("verstetigt")
    page.get_by_label("Beginn (Jahr)", exact=True).fill("20x2")  # refused, nothing lost
    page.get_by_label("Kosten in Euro", exact=True).fill("1.200")
    page.get_by_label("Finanzierung", exact=True).fill("Spenden")
    page.get_by_label("Aufwand für die Verwaltung", exact=True).select_option("gering")
    page.get_by_label("Funktion", exact=True).fill("Klimaschutzbeauftragte")
    page.get_by_label("Telefon", exact=True).fill("09241 4711")
    page.locator("#feld-links").fill("https://example.org/repair")
    page.locator("input[name=workshops]").first.check()
    page.locator("#feld-adopted_from").fill("Energie")  # 'Übernommen von': look it up
    page.locator("#feld-adopted_from").press("Enter")  # searches (not the preview)
    page.wait_for_load_state()
    assert page.url.endswith("/praxis/neu#feld-adopted_from")
    assert page.locator("#feld-summary").input_value().startswith("Einmal im Monat")
    check_page(page, f"uebernahme {width}", problems)
    page.locator("input[name=adopted_from]").first.check()
    page.get_by_label("Nur angemeldete Mitglieder", exact=True).check()
    page.get_by_role("button", name="Vorschau").first.click()
    page.wait_for_load_state()
    assert page.locator("#vorschau strong").inner_text() == "zwölf"
    assert page.locator("#vorschau table").count() == 1
    # The browser lands at the preview (not at the top), which shows title, summary, facts.
    assert page.url.endswith("/praxis/neu#vorschau")
    heading = page.locator("#vorschau-titel").bounding_box()
    assert 0 <= heading["y"] < WIDTHS[width]["height"], heading
    preview = page.locator("#vorschau")
    assert preview.locator(".preview-title").inner_text().endswith(title)
    assert "Ehrenamtliche Geräte" in preview.locator(".preview-summary").inner_text()
    assert "1.200\u00a0€" in preview.locator(".preview-facts").inner_text()
    assert page.locator(".preview-notice a[href='#vorschau']").count() == 1
    check_page(page, f"vorschau {width}", problems)

    page.get_by_role("button", name="Speichern").click()
    page.wait_for_load_state()
    assert page.locator(".form-errors").count() >= 1  # the year
    assert page.get_by_label("Vorgehen", exact=True).input_value() == (
        "Wir haben **zwölf** Ehrenamtliche gefunden.")
    assert page.get_by_label("Nur angemeldete Mitglieder", exact=True).is_checked()
    check_page(page, f"fehler {width}", problems)
    page.get_by_label("Beginn (Jahr)", exact=True).fill("2022")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == title
    entry_url = page.url
    assert "Entwurf" in page.locator(".editor-panel").inner_text()
    check_page(page, f"entwurf {width}", problems)

    page.get_by_role("link", name="Bilder und Dokumente", exact=True).click()  # a photo
    page.wait_for_load_state()
    page.get_by_label("Datei", exact=True).set_input_files(
        {"name": "cafe.jpg", "mimeType": "image/jpeg", "buffer": photo()})
    page.get_by_label("Bildbeschreibung").fill("Ehrenamtliche reparieren einen Toaster")
    page.get_by_role("button", name="Hochladen").click()
    page.wait_for_load_state()
    page.goto(entry_url)
    assert page.get_by_alt_text("Ehrenamtliche reparieren einen Toaster").count() >= 1
    page.get_by_role("button", name="Zur Prüfung einreichen").click()
    page.wait_for_load_state()
    assert "Eingereicht" in page.locator(".editor-panel").inner_text()

    for number, text in ((1, "Wir haben vierzehn Ehrenamtliche gefunden."),
                         (2, "Wir haben vierzehn Ehrenamtliche und ein Café gefunden.")):
        page.get_by_role("link", name="Bearbeiten").first.click()
        page.wait_for_load_state()
        if number == 1:
            check_page(page, f"bearbeiten {width}", problems)
        page.get_by_label("Vorgehen", exact=True).fill(text)
        page.get_by_label("Was wurde geändert? (optional)", exact=True).fill(f"Änderung {number}")
        page.get_by_role("button", name="Speichern").click()
        page.wait_for_load_state()

    page.get_by_role("link", name="Versionen").first.click()
    page.wait_for_load_state()
    assert page.locator("table.revisions tbody tr").count() == 3
    assert "ein Café" in page.locator(".word-diff ins").first.inner_text()
    # Three versions of one day differ by their time; von/bis are on screen, no guessing.
    times = page.locator("table.revisions time").all_inner_texts()
    assert all(re.fullmatch(r"\d{1,2}\. \w+ \d{4}, \d\d:\d\d\sUhr", t) for t in times), times
    viewport = WIDTHS[width]["width"]
    for choice in ("von", "bis"):
        box = page.locator(f"#{choice}-2").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= viewport, (choice, box)
    caption = page.locator("table.revisions caption").bounding_box()
    assert caption["x"] >= 0 and caption["x"] + caption["width"] <= viewport, caption
    page.get_by_label(re.compile(r"Version 1 als ältere")).check()
    page.get_by_label(re.compile(r"Version 3 als neuere")).check()
    page.get_by_role("button", name="Vergleichen").click()
    page.wait_for_load_state()
    assert "von=1" in page.url and "bis=3" in page.url
    assert page.locator("#unterschiede").inner_text() == (
        "Unterschiede von Version 1 zu Version 3")
    check_page(page, f"versionen {width}", problems)
    page.goto(f"{live_server.url}/meine")
    assert title in page.content()
    check_page(page, f"meine {width}", problems)
    assert not problems, "\n".join(problems)


def test_typing_a_title_lists_similar_published_entries_with_translated_texts(
        open_page, live_server):
    page = open_page(WIDTHS["360"])
    sign_in(page, live_server)
    page.locator("#feld-title").press_sequentially("Straßenbeleuchtung LED", delay=20)
    box = page.locator("#gibt-es-schon")
    box.locator("h2").wait_for()
    assert box.locator("h2").inner_text() == "Gibt es schon …?"  # from the template's data-
    assert "Erfahrungsbericht" in box.locator("p").inner_text()
    assert box.locator("a[href^='/praxis/']").count() >= 1

"""Writing an experience report in Chromium: axe-core and 360 px on every report page."""

import pytest

from tests.browser.conftest import WIDTHS, check_page

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", WIDTHS)
def test_write_edit_and_delete_a_report(open_page, live_server, width):
    page = open_page(WIDTHS[width])
    problems: list[str] = []
    entry = f"{live_server.url}/praxis/{live_server.practice}"
    page.goto(entry)
    page.get_by_role("link", name="Melden Sie sich an, um Ihre Erfahrung zu berichten.").click()
    page.get_by_label("E-Mail-Adresse").fill(live_server.member_email)
    page.get_by_label("Passwort", exact=True).fill(live_server.member_password)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Erfahrung berichten"  # back on the form
    check_page(page, f"bericht-neu {width}", problems)

    page.get_by_label("angepasst übernommen").check()
    page.get_by_role("button", name="Bericht speichern").click()  # empty text
    page.wait_for_load_state()
    assert page.locator(".form-errors").count() == 1
    assert page.get_by_label("angepasst übernommen").is_checked()
    check_page(page, f"bericht-neu mit Fehler {width}", problems)

    text = f"Bei uns im Test mit {width} Pixel Breite gut gelaufen."
    page.get_by_label("Ihr Erfahrungsbericht").fill(text)
    page.get_by_role("button", name="Bericht speichern").click()
    page.wait_for_load_state()
    assert text in page.content()
    check_page(page, f"eintrag mit bericht {width}", problems)

    report = page.locator("article.report", has_text=text)
    report.get_by_role("link", name="Bericht bearbeiten").click()
    page.wait_for_load_state()
    check_page(page, f"bericht-bearbeiten {width}", problems)
    page.get_by_role("link", name="Diesen Bericht löschen …").click()
    page.wait_for_load_state()
    check_page(page, f"bericht-loeschen {width}", problems)
    page.get_by_role("button", name="Ja, endgültig löschen").click()
    page.wait_for_load_state()
    assert text not in page.content()
    assert not problems, "\n\n".join(problems)

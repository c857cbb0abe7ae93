"""The self-service account pages in Chromium: axe-core and 360 px, also with errors shown."""

import pytest

from tests.browser.conftest import WIDTHS, check_page

pytestmark = pytest.mark.browser


def sign_in(page, site) -> None:
    page.goto(f"{site.url}/konto/anmelden")
    page.get_by_label("E-Mail-Adresse").fill(site.member_email)
    page.get_by_label("Passwort", exact=True).fill(site.member_password)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("width", WIDTHS)
def test_forgot_password_page_with_and_without_errors(open_page, live_server, width):
    page = open_page(WIDTHS[width])
    problems: list[str] = []
    page.goto(f"{live_server.url}/konto/anmelden")
    page.get_by_role("link", name="Passwort vergessen?").click()
    page.wait_for_load_state()
    check_page(page, f"passwort-vergessen {width}", problems)
    page.get_by_label("E-Mail-Adresse").fill("kein-at-zeichen")
    page.get_by_role("button", name="Link anfordern").click()
    page.wait_for_load_state()
    assert page.get_by_label("E-Mail-Adresse").input_value() == "kein-at-zeichen"
    check_page(page, f"passwort-vergessen mit Fehler {width}", problems)
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("width", WIDTHS)
def test_profile_data_and_delete_pages(open_page, live_server, width):
    page = open_page(WIDTHS[width])
    problems: list[str] = []
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/konto")
    check_page(page, f"konto {width}", problems)
    page.get_by_role("link", name="Profil bearbeiten").click()
    page.wait_for_load_state()
    check_page(page, f"profil {width}", problems)
    page.get_by_label("Telefon").fill("ruf mich an")
    page.get_by_role("button", name="Profil speichern").click()
    page.wait_for_load_state()
    assert page.get_by_label("Telefon").input_value() == "ruf mich an"
    check_page(page, f"profil mit Fehler {width}", problems)
    page.goto(f"{live_server.url}/konto/loeschen")
    check_page(page, f"konto-loeschen {width}", problems)
    page.get_by_role("button", name="Konto endgültig löschen").click()  # empty password
    page.wait_for_load_state()
    assert page.locator(".form-errors").count() == 1
    check_page(page, f"konto-loeschen mit Fehler {width}", problems)
    assert not problems, "\n\n".join(problems)

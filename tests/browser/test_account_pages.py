"""The self-service account pages in Chromium: axe-core and 360 px, also with errors shown."""

import pytest

from tests.browser.conftest import DESKTOP, PHONE, format_violations, run_axe

pytestmark = pytest.mark.browser
WIDTHS = {"1280": DESKTOP, "360": PHONE}


def check(page, name: str, problems: list[str]) -> None:
    """Collect axe violations and horizontal overflow; exactly one h1."""
    violations = run_axe(page)
    if violations:
        problems.append(f"{name}:\n{format_violations(violations)}")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 1:
        problems.append(f"{name}: {overflow}px waagrecht zu breit")
    if page.locator("h1").count() != 1:
        problems.append(f"{name}: nicht genau eine h1")


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
    check(page, f"passwort-vergessen {width}", problems)
    page.get_by_label("E-Mail-Adresse").fill("kein-at-zeichen")
    page.get_by_role("button", name="Link anfordern").click()
    page.wait_for_load_state()
    assert page.get_by_label("E-Mail-Adresse").input_value() == "kein-at-zeichen"
    check(page, f"passwort-vergessen mit Fehler {width}", problems)
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("width", WIDTHS)
def test_profile_data_and_delete_pages(open_page, live_server, width):
    page = open_page(WIDTHS[width])
    problems: list[str] = []
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/konto")
    check(page, f"konto {width}", problems)
    page.get_by_role("link", name="Profil bearbeiten").click()
    page.wait_for_load_state()
    check(page, f"profil {width}", problems)
    page.get_by_label("Telefon").fill("ruf mich an")
    page.get_by_role("button", name="Profil speichern").click()
    page.wait_for_load_state()
    assert page.get_by_label("Telefon").input_value() == "ruf mich an"
    check(page, f"profil mit Fehler {width}", problems)
    page.goto(f"{live_server.url}/konto/loeschen")
    check(page, f"konto-loeschen {width}", problems)
    page.get_by_role("button", name="Konto endgültig löschen").click()  # empty password
    page.wait_for_load_state()
    assert page.locator(".form-errors").count() == 1
    check(page, f"konto-loeschen mit Fehler {width}", problems)
    assert not problems, "\n\n".join(problems)

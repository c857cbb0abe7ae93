"""People, vocabulary, municipalities and activity of the organisers' area in Chromium: an
organiser invites a representative, who accepts by the mailed link and is signed in with the
role; axe-core (WCAG 2.1 A/AA), one h1 and no sideways scrolling on every page, with and
without error messages, at 1280 and 360 px. Nothing shared is changed (the server is shared
by all browser tests): no rename, no merge."""

import logging
import re

import pytest

from tests.browser.conftest import WIDTHS, check_page

pytestmark = pytest.mark.browser
LINK = re.compile(r"https?://\S+(/konto/einladung/[A-Za-z0-9_-]+)")


def sign_in(page, site) -> None:
    page.goto(f"{site.url}/redaktion")
    page.get_by_label("E-Mail-Adresse", exact=True).fill(site.organiser_email)
    page.get_by_label("Passwort", exact=True).fill(site.member_password)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_load_state()
    assert page.url.endswith("/redaktion")


def mailed_link(caplog, email: str) -> str:
    for record in reversed(caplog.records):
        message = record.getMessage()
        if email in message and LINK.search(message):
            return LINK.search(message).group(1)
    raise AssertionError(f"no invitation mail to {email} in the log")


@pytest.mark.parametrize("width", WIDTHS)
def test_an_invited_representative_accepts_and_is_signed_in(open_page, live_server, width,
                                                           caplog):
    caplog.set_level(logging.INFO, logger="app.mail")
    email = f"eingeladen-{width}@example.org"
    page = open_page(WIDTHS[width])
    problems: list[str] = []
    sign_in(page, live_server)
    page.get_by_role("navigation", name="Redaktion").get_by_role("link", name="Personen").click()
    page.wait_for_load_state()
    check_page(page, f"personen {width}", problems)

    page.get_by_role("link", name="Person einladen").click()
    page.wait_for_load_state()
    check_page(page, f"einladen {width}", problems)
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Name (freiwillig)").fill("Vera Vertreterin")
    page.get_by_label("Rolle").select_option("representative")
    page.get_by_role("button", name="Einladung senden").click()  # no municipality chosen
    page.wait_for_load_state()
    assert "Vertreter*innen brauchen eine Kommune." in page.content()
    assert page.get_by_label("Name (freiwillig)").input_value() == "Vera Vertreterin"
    check_page(page, f"einladen mit Fehler {width}", problems)
    page.get_by_label("Kommune").select_option(live_server.municipality)
    page.get_by_role("button", name="Einladung senden").click()
    page.wait_for_load_state()
    assert email in page.content()
    check_page(page, f"personen mit Einladung {width}", problems)

    path = mailed_link(caplog, email)
    invitee = open_page(WIDTHS[width])
    invitee.goto(f"{live_server.url}{path}")
    check_page(invitee, f"einladung annehmen {width}", problems)
    invitee.get_by_label("Neues Passwort", exact=True).fill("zu kurz")
    invitee.get_by_label("Neues Passwort wiederholen").fill("zu kurz")
    invitee.get_by_role("button", name="Speichern und anmelden").click()
    invitee.wait_for_load_state()
    assert "mindestens 12 Zeichen" in invitee.content()
    check_page(invitee, f"einladung mit Fehler {width}", problems)
    invitee.get_by_label("Neues Passwort", exact=True).fill("Hopfen wächst an der Pegnitz")
    invitee.get_by_label("Neues Passwort wiederholen").fill("Hopfen wächst an der Pegnitz")
    invitee.get_by_role("button", name="Speichern und anmelden").click()
    invitee.wait_for_load_state()
    assert invitee.url.endswith("/konto")
    assert "Vertreter*in" in invitee.content() and "Vera Vertreterin" in invitee.content()

    page.goto(f"{live_server.url}/redaktion/personen")
    page.get_by_role("link", name="Vera Vertreterin").first.click()
    page.wait_for_load_state()
    check_page(page, f"person {width}", problems)
    page.get_by_label("Rolle").select_option("representative")
    page.get_by_label("Kommune").select_option("")
    page.evaluate("document.querySelector('#feld-role').value = 'chef'")  # a forged value
    page.get_by_role("button", name="Rolle speichern").click()
    page.wait_for_load_state()
    assert "Bitte wählen Sie eine der Rollen" in page.content()
    check_page(page, f"person mit Fehler {width}", problems)
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("width", WIDTHS)
def test_vocabulary_municipality_and_activity_pages(open_page, live_server, width):
    page = open_page(WIDTHS[width])
    problems: list[str] = []
    sign_in(page, live_server)
    area = page.get_by_role("navigation", name="Redaktion")
    area.get_by_role("link", name="Vokabular").click()
    page.wait_for_load_state()
    check_page(page, f"vokabular {width}", problems)
    page.get_by_role("link", name="„Vorbild sein“ umbenennen").click()
    page.wait_for_load_state()
    check_page(page, f"hebel umbenennen {width}", problems)
    page.get_by_label("Name").fill("")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_load_state()
    assert "Bitte geben Sie einen Namen an." in page.content()
    check_page(page, f"hebel umbenennen mit Fehler {width}", problems)
    page.goto(f"{live_server.url}/redaktion/vokabular/handlungsfeld/neu")
    check_page(page, f"handlungsfeld neu {width}", problems)

    page.goto(f"{live_server.url}/redaktion/synonyme")
    check_page(page, f"synonyme {width}", problems)
    page.get_by_label("Neue Synonymgruppe").fill("nur ein Ausdruck")
    page.get_by_role("button", name="Gruppe hinzufügen").click()
    page.wait_for_load_state()
    assert "mindestens zwei Ausdrücke" in page.content()
    check_page(page, f"synonyme mit Fehler {width}", problems)

    page.get_by_role("navigation", name="Redaktion").get_by_role("link", name="Kommunen").click()
    page.wait_for_load_state()
    check_page(page, f"kommunen {width}", problems)
    page.goto(f"{live_server.url}/redaktion/kommunen/{live_server.municipality}")
    check_page(page, f"kommune bearbeiten {width}", problems)
    page.get_by_label("Einwohnerzahl").fill("sehr viele")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_load_state()
    assert page.get_by_label("Einwohnerzahl").input_value() == "sehr viele"
    check_page(page, f"kommune mit Fehler {width}", problems)
    page.goto(f"{live_server.url}/redaktion/kommunen-zusammenfuehren")
    check_page(page, f"zusammenführen {width}", problems)
    page.get_by_role("button", name="Zusammenführen").click()  # nothing chosen, no consent
    page.wait_for_load_state()
    assert "Bitte bestätigen Sie das Zusammenführen." in page.content()
    check_page(page, f"zusammenführen mit Fehler {width}", problems)

    page.get_by_role("navigation", name="Redaktion").get_by_role("link", name="Aktivität").click()
    page.wait_for_load_state()
    check_page(page, f"aktivität {width}", problems)
    page.get_by_label("Art").select_option("neu")
    page.get_by_role("button", name="Anzeigen").click()
    page.wait_for_load_state()
    assert "art=neu" in page.url
    check_page(page, f"aktivität gefiltert {width}", problems)
    assert not problems, "\n\n".join(problems)

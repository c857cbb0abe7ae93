"""An organiser curates module 2 in Chromium: adds an entry, moves it to the top with the
buttons, and finds it first on the module page and on the home page; axe-core and no
sideways scrolling on every organiser page of modules, workshops and freshness."""

import re

import pytest

from tests.browser.conftest import WIDTHS, check_page

pytestmark = pytest.mark.browser


def sign_in(page, site) -> None:
    page.goto(f"{site.url}/redaktion")  # anonymous visitors are sent to sign in first
    page.get_by_label("E-Mail-Adresse", exact=True).fill(site.organiser_email)
    page.get_by_label("Passwort", exact=True).fill(site.member_password)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_load_state()
    assert page.url.endswith("/redaktion")


def first_pick(page, section: str) -> str:
    return page.locator(f"section:has(> #{section}) .card-title a").first.inner_text()


@pytest.mark.parametrize("width", WIDTHS)
def test_organiser_puts_an_entry_first_in_module_2(open_page, live_server, width):
    page = open_page(WIDTHS[width])
    problems: list[str] = []
    sign_in(page, live_server)
    check_page(page, f"prüfen {width}", problems)

    page.get_by_role("link", name="Module kuratieren").click()
    page.wait_for_load_state()
    check_page(page, f"module {width}", problems)
    page.get_by_role("link", name=re.compile(r"^Modul 2:")).click()
    page.wait_for_load_state()
    check_page(page, f"modul 2 {width}", problems)

    add = page.get_by_role("button", name=re.compile(r"^Zur Auswahl hinzufügen: ")).first
    title = add.get_attribute("aria-label").removeprefix("Zur Auswahl hinzufügen: ")
    add.click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name=title, exact=True).count() >= 1
    for _step in range(30):  # up until it is first (earlier runs may have added others)
        up = page.get_by_role("button", name=f"Nach oben: {title}", exact=True)
        if up.count() == 0:
            break
        up.click()
        page.wait_for_load_state()
    note = page.locator("ol.pick-order li").first.get_by_label(
        "Warum wichtig für dieses Modul? (freiwillig)")
    note.fill("Zeigt, welche Hebel eine kleine Gemeinde selbst in der Hand hat.")
    page.get_by_role("button", name=f"Notiz speichern: {title}", exact=True).click()
    page.wait_for_load_state()
    check_page(page, f"modul 2 mit Auswahl {width}", problems)

    page.goto(f"{live_server.url}/module/2")
    assert first_pick(page, "auswahl") == title
    assert "Zeigt, welche Hebel" in page.locator("section:has(> #auswahl)").inner_text()
    page.goto(f"{live_server.url}/")
    assert first_pick(page, "auswahl-2") == title

    page.goto(f"{live_server.url}/redaktion/arbeitstreffen")
    check_page(page, f"arbeitstreffen {width}", problems)
    page.get_by_role("link", name="Neues Arbeitstreffen anlegen").click()
    page.wait_for_load_state()
    check_page(page, f"neues arbeitstreffen {width}", problems)
    page.get_by_label("Ort", exact=True).fill("Rathaus")
    page.get_by_role("button", name="Arbeitstreffen anlegen").click()
    page.wait_for_load_state()
    assert page.locator("#fehler-title").count() == 1
    assert page.get_by_label("Ort", exact=True).input_value() == "Rathaus"
    check_page(page, f"arbeitstreffen fehler {width}", problems)
    page.goto(f"{live_server.url}/redaktion/arbeitstreffen/2019-11-07-modul-2/bearbeiten")
    check_page(page, f"arbeitstreffen bearbeiten {width}", problems)

    page.goto(f"{live_server.url}/redaktion/pruefung")
    check_page(page, f"prüfung fällig {width}", problems)
    page.goto(f"{live_server.url}/praxis/{live_server.practice}")
    assert page.get_by_role("button", name="Als heute geprüft vermerken").count() == 1
    check_page(page, f"eintrag mit prüfknopf {width}", problems)
    assert not problems, "\n".join(problems)


def test_drag_and_drop_reorders_module_3(open_page, live_server):
    page = open_page(WIDTHS["1280"])
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/redaktion/module/3")
    for _ in range(2):
        page.get_by_role("button", name=re.compile(r"^Zur Auswahl hinzufügen: ")).first.click()
        page.wait_for_load_state()
    items = page.locator("ol.pick-order > li")
    titles = [items.nth(i).locator("a").first.inner_text() for i in range(items.count())]
    assert len(titles) >= 2
    assert page.get_by_text("mit der Maus an eine andere Stelle ziehen").count() == 1
    with page.expect_navigation():  # the script saves and reloads
        items.nth(len(titles) - 1).drag_to(items.nth(0), target_position={"x": 20, "y": 5})
    page.wait_for_load_state()
    items = page.locator("ol.pick-order > li")
    assert items.nth(0).locator("a").first.inner_text() == titles[-1]
    page.goto(f"{live_server.url}/module/3")
    assert first_pick(page, "auswahl") == titles[-1]


def test_the_synonyms_are_in_the_organisers_navigation(open_page, live_server):
    page = open_page(WIDTHS["360"])
    sign_in(page, live_server)
    navigation = page.get_by_role("navigation", name="Redaktion")
    navigation.get_by_role("link", name="Synonyme", exact=True).click()
    page.wait_for_url(re.compile(r"/redaktion/synonyme$"))
    assert page.locator("h1").inner_text() == "Synonyme der Suche"
    current = page.get_by_role("navigation", name="Redaktion").locator("[aria-current=page]")
    assert current.inner_text() == "Synonyme"
    problems: list[str] = []
    check_page(page, "synonyme 360", problems)
    assert not problems, "\n".join(problems)

"""The mayor's journey in a real Chromium: search, filter, open, print; keyboard; axe-core."""

import re

import pytest

from tests.browser.conftest import DESKTOP, PHONE, format_violations, run_axe

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": DESKTOP, "phone": PHONE}


def page_types(site) -> dict[str, tuple[str, int]]:
    """(path, expected status) of every page type."""
    return {
        "home": ("/", 200),
        "search-results": (f"/suche?q={site.query}", 200),
        "search-empty": ("/suche?q=Quxwyzblorf", 200),
        "search-filtered-like": (f"/suche?lever=vorbild&like={site.municipality}", 200),
        "practice": (f"/praxis/{site.practice}", 200),
        "print": (f"/praxis/{site.practice}/druck", 200),
        "municipalities": ("/kommunen", 200),
        "municipality": (f"/kommunen/{site.municipality}", 200),
        "modules": ("/module", 200),
        "module": (f"/module/{site.module}", 200),
        "workshop": (f"/arbeitstreffen/{site.workshop}", 200),
        "error-404": ("/gibt-es-nicht", 404),
        "login": ("/konto/anmelden", 200),
    }


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_type_passes_axe_and_fits_the_screen(open_page, live_server, width):
    page = open_page(WIDTHS[width])
    problems = []
    for name, (path, status) in page_types(live_server).items():
        response = page.goto(live_server.url + path)
        if name == "login" and response.status == 404:
            continue  # accounts not built into this tree
        assert response.status == status, f"{path}: HTTP {response.status}"
        violations = run_axe(page)
        if violations:
            problems.append(f"{name} ({path}) bei {width}:\n{format_violations(violations)}")
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 1:
            problems.append(f"{name} ({path}) bei {width}: {overflow}px waagrecht zu breit")
        assert page.title() and page.locator("h1").count() == 1, path
    assert not problems, "\n\n".join(problems)


def test_journey_search_filter_open_print(open_page, live_server):
    page = open_page(DESKTOP)
    page.goto(live_server.url + "/")
    page.get_by_role("searchbox", name="Welchen Lösungsansatz suchen Sie?").fill(
        live_server.query)
    page.get_by_role("button", name="Suchen").click()
    page.wait_for_url(re.compile(r"/suche\?q="))
    assert page.locator(".hits > li").count() >= 1
    before = int(re.search(r"\d+", page.locator("#suchstatus").inner_text()).group())

    # Filter: the first lever facet.
    page.locator(".facet").first.locator("a.facet-link").first.click()
    page.wait_for_url(re.compile(r"lever="))
    after = int(re.search(r"\d+", page.locator("#suchstatus").inner_text()).group())
    assert 1 <= after <= before
    assert page.locator(".active-filters .chip").count() == 1

    # Open the first hit.
    first = page.locator(".hits > li h3 a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/praxis/"))
    assert page.locator("h1").inner_text() == title
    assert page.get_by_text("Eckdaten").count() >= 1

    # Print view: fits on paper, navigation hidden when printing.
    page.get_by_role("link", name="Druckansicht").click()
    page.wait_for_url(re.compile(r"/druck$"))
    assert page.locator("h1").inner_text() == title
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".site-footer").is_visible()
    assert page.locator(".facts").first.is_visible()


def test_keyboard_skip_link_search_field_enter_and_visible_focus(open_page, live_server):
    page = open_page(DESKTOP)
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    outline = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }""")
    assert outline[0] != "none" and outline[1] != "0px", outline
    assert page.locator(".skip-link").bounding_box()["y"] >= 0  # shown when focused

    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "start-suche"
    style = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle, s.outlineWidth]; }""")
    assert style[0] != "none" and style[1] != "0px", style
    page.keyboard.type(live_server.query)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/suche\?q="))

    # The skip link moves focus into the content; Tab then reaches the search field there.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "inhalt"
    for _ in range(8):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "suchbegriff":
            break
    assert page.evaluate("() => document.activeElement.id") == "suchbegriff"


def test_results_follow_typing_with_javascript(open_page, live_server):
    page = open_page(DESKTOP)
    page.goto(live_server.url + "/suche?q=Quxwyzblorf")
    assert page.locator(".hits > li").count() == 0
    page.locator("#suchbegriff").fill(live_server.query)
    page.locator(".hits > li").first.wait_for()
    assert live_server.query in page.url


def test_print_view_fits_on_a_few_a4_pages(open_page, live_server):
    page = open_page(DESKTOP)
    page.goto(f"{live_server.url}/praxis/{live_server.practice}/druck")
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 4, pages


def test_signed_in_member_sees_contact_details_and_like_mine(open_page, live_server):
    page = open_page(PHONE)
    page.goto(f"{live_server.url}/konto/anmelden")
    page.get_by_label("E-Mail-Adresse").fill(live_server.member_email)
    page.get_by_label("Passwort").fill(live_server.member_password)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_load_state()
    assert page.get_by_role("button", name="Abmelden").count() == 1

    page.goto(f"{live_server.url}/praxis/{live_server.practice}")
    assert page.get_by_text("Kontaktdaten sehen angemeldete Mitglieder").count() == 0
    assert page.locator(".contact-details a[href^='mailto:']").count() == 1
    violations = run_axe(page)
    assert not violations, format_violations(violations)

    page.goto(f"{live_server.url}/suche?q={live_server.query}")
    assert page.locator("#wie-meine option:checked").get_attribute("value") == (
        live_server.municipality)
    assert page.locator(".similarity").count() >= 1
    violations = run_axe(page)
    assert not violations, format_violations(violations)


def test_home_matrix_and_like_mine_on_a_phone(open_page, live_server):
    """At 360 px every module column of the matrix is on screen and its caption wraps;
    „Kommunen wie meine“ starts with no municipality chosen, as the search page does."""
    page = open_page(PHONE)
    page.goto(live_server.url + "/")
    box = page.locator(".table-scroll:has(table.matrix)")
    sizes = box.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert sizes[0] <= sizes[1], f"the matrix should fit without scrolling: {sizes}"
    for header in page.locator("table.matrix thead th").all():
        right = header.evaluate("el => el.getBoundingClientRect().right")
        assert right <= PHONE["width"], (header.inner_text(), right)
    caption = page.locator("table.matrix caption")
    assert caption.inner_text() == "Anzahl der Lösungsansätze je Hebel und Modul"
    assert caption.evaluate("el => el.getBoundingClientRect().right") <= PHONE["width"]

    chosen = page.locator("#start-wie-meine option:checked")
    assert chosen.get_attribute("value") == "" and chosen.inner_text() == (
        "– keine Kommune gewählt –")
    page.get_by_role("button", name="Ähnliche Kommunen zuerst zeigen").click()
    page.wait_for_url(re.compile(r"/suche\?like=$"))
    assert page.locator(".hits > li").count() >= 1 and page.locator(".similarity").count() == 0


def test_a_caption_stays_readable_while_its_table_scrolls_sideways(open_page, live_server):
    """The municipality table is wider than a phone: it scrolls in its box with the caption
    wrapped inside the screen, before and after scrolling (was cut: „Alle Kommunen mit …“)."""
    page = open_page(PHONE)
    page.goto(live_server.url + "/kommunen")
    box = page.get_by_role("region", name=re.compile("^Alle Kommunen"))
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")
    caption = box.locator("caption")
    for scroll in (0, 10_000):
        box.evaluate(f"el => {{ el.scrollLeft = {scroll}; }}")
        left, right = caption.evaluate(
            "el => [el.getBoundingClientRect().left, el.getBoundingClientRect().right]")
        assert left >= 0 and right <= PHONE["width"], (scroll, left, right)


def test_a_page_past_the_end_says_so_and_leads_to_the_last_one(open_page, live_server):
    page = open_page(PHONE)
    response = page.goto(f"{live_server.url}/suche?q={live_server.query}&page=99")
    assert response.status == 404
    assert "Diese Seite gibt es nicht" in page.title()
    assert page.locator("#suchstatus").inner_text().startswith("Seite 99 gibt es nicht – ")
    violations = run_axe(page)
    assert not violations, format_violations(violations)
    page.get_by_role("link", name=re.compile(r"^Zur letzten Seite")).click()
    page.wait_for_load_state()
    assert page.locator(".hits > li").count() >= 1

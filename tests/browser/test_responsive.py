"""A 360 px phone in a real Chromium: every demo entry, its print view, every municipality
and workshop page is no wider than the screen, logs no console error, and a sample passes
axe-core. One extra entry is built to be too wide (six-column table, long address, code)."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from tests.browser.conftest import (
    PHONE,
    ClosedResponses,
    _create_member,
    format_violations,
    make_page,
    run_axe,
)
from tests.conftest import DEMO_PRACTICES, make_config

pytestmark = pytest.mark.browser

WIDE_SLUG = "breite-tabelle-teststadt"
WIDE_ENTRY = """---
title: Förderbausteine im Überblick
municipality: Stadt Teststadt
population: 9000
summary: >-
  Sechs Förderbausteine mit Quote, Kosten und Zeitraum in einer Tabelle.
levers: [finanzieren-foerdern]
topics: [energie]
modules: [2]
status: umgesetzt
links: [https://example.org/ein/sehr/langer/pfad/zum/bericht/foerdermittel-und-zuschuesse-2019-endfassung.pdf]
---
## Kosten und Finanzierung

| Maßnahme | Förderprogramm | Förderquote | Gesamtkosten | Eigenanteil | Bewilligungszeitraum |
|---|---|---|---|---|---|
| PV-Anlage | Klimaschutzinvestitionsförderprogramm | 40 % | 120.000 € | 72.000 € | 2019–2021 |
| Straßenbeleuchtung | Kommunalrichtlinie des Bundes | 25 % | 380.000 € | 285.000 € | 2018–2020 |

Bericht: https://example.org/ein/sehr/langer/pfad/zum/bericht/foerdermittel-und-zuschuesse-2019-endfassung.pdf

Ein langes Wort: Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft.

```
flask --app wsgi practices import practices/breite-tabelle-teststadt.md --eine-sehr-lange-option
```

Inline `eine_sehr_lange_konfigurationsvariable_ohne_leerzeichen_die_nicht_umbricht` im Text.
"""
MEMBER = ("handy@example.org", "ein sehr langes Testpasswort")
SCROLL_WIDTH = "() => document.documentElement.scrollWidth"


class PhoneSite:
    """The served app, and which entries are members-only (read from their files)."""

    def __init__(self, url: str, folder):
        self.url = url
        files = sorted(DEMO_PRACTICES.glob("*.md")) + [folder / f"{WIDE_SLUG}.md"]
        self.members_only = {path.stem for path in files
                             if "\nvisibility: members" in path.read_text(encoding="utf-8")}
        self.public = [path.stem for path in files if path.stem not in self.members_only]


@pytest.fixture(scope="module")
def phone_site(tmp_path_factory, databases):
    """A server with the demo entries and the wide test entry, and a member account."""
    from app import create_app, search
    from app.extensions import db
    from app.practices.services import collect_practice_files, import_practices

    folder = tmp_path_factory.mktemp("phone")
    (folder / f"{WIDE_SLUG}.md").write_text(WIDE_ENTRY, encoding="utf-8")
    config = make_config(folder, databases.migrated(folder))
    config["TESTING"] = False
    app = create_app(config)
    with app.app_context():
        files = collect_practice_files(DEMO_PRACTICES) + collect_practice_files(folder)
        report = import_practices(files)
        assert report.ok, [str(error) for error in report.errors]
        search.apply_pending_changes()
        _create_member(*MEMBER, municipality_slug="stadt-teststadt")
        db.session.remove()
    server = make_server("127.0.0.1", 0, ClosedResponses(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield PhoneSite(f"http://127.0.0.1:{server.server_port}", folder)
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class Phone:
    """One browser context at 360 px that records console errors by page."""

    def __init__(self, browser, axe_source, site: PhoneSite):
        self.site = site
        self.context, self.page, self.watcher = make_page(browser, axe_source, PHONE)
        self.console: list[str] = []
        self.expected_404: set[str] = set()
        self.page.on("console", self._console)

    def _console(self, message):
        # Chromium reports a page's own 404 status as a console error; only that is expected.
        own_status = (message.text.startswith("Failed to load resource")
                      and message.location.get("url") in self.expected_404)
        if message.type == "error" and not own_status:
            self.console.append(f"{self.page.url}: {message.text}")

    def open(self, path: str, status: int = 200):
        if status == 404:
            self.expected_404.add(self.site.url + path)
        response = self.page.goto(self.site.url + path)
        assert response.status == status, f"{path}: HTTP {response.status}"
        self.page.wait_for_load_state("load")
        return self.page

    def width(self) -> int:
        return self.page.evaluate(SCROLL_WIDTH)

    def sign_in(self):
        self.open("/konto/anmelden")
        self.page.get_by_label("E-Mail-Adresse").fill(MEMBER[0])
        self.page.get_by_label("Passwort").fill(MEMBER[1])
        self.page.get_by_role("button", name="Anmelden").click()
        self.page.wait_for_load_state()
        assert self.page.get_by_role("button", name="Abmelden").count() == 1


@pytest.fixture
def phones(browser, axe_source, phone_site):
    """Factory of phones; after the test, no foreign request, script or console error."""
    made: list[Phone] = []

    def make() -> Phone:
        made.append(Phone(browser, axe_source, phone_site))
        return made[-1]

    yield make
    problems = [line for phone in made
                for line in [*phone.watcher.foreign, *phone.watcher.errors, *phone.console]]
    for phone in made:
        phone.context.close()
    assert not problems, "Fehler im Browser:\n" + "\n".join(problems)


def linked_paths(phone: Phone, path: str, prefix: str) -> list[str]:
    """The distinct links under `prefix` on the page at `path`."""
    phone.open(path)
    hrefs = phone.page.eval_on_selector_all(
        f'main a[href^="{prefix}"]', "links => links.map(a => a.getAttribute('href'))")
    return sorted({href.split("#")[0] for href in hrefs})


def reading_pages(phone: Phone) -> list[str]:
    """Every public entry and print view, every municipality and workshop page, the lists."""
    site = phone.site
    municipalities = linked_paths(phone, "/kommunen", "/kommunen/")
    modules = linked_paths(phone, "/module", "/module/")
    workshops = sorted({href for module in ["/module", *modules]
                        for href in linked_paths(phone, module, "/arbeitstreffen/")})
    assert len(municipalities) >= 5 and workshops, (municipalities, workshops)
    entries = [f"/praxis/{slug}{suffix}" for slug in site.public for suffix in ("", "/druck")]
    return ["/", "/suche", "/kommunen", *municipalities, "/module", *modules, *workshops,
            *entries]


def test_every_reading_page_fits_a_360px_phone(phones, phone_site):
    phone = phones()
    widths = {}
    for path in reading_pages(phone):
        phone.open(path)
        widths[path] = phone.width()
    # Anonymous readers of a members-only entry get the explanation page; members the entry.
    for slug in sorted(phone_site.members_only):
        for path in (f"/praxis/{slug}", f"/praxis/{slug}/druck"):
            phone.open(path, 404)
            widths[f"{path} (anonym)"] = phone.width()
    member = phones()
    member.sign_in()
    for slug in sorted(phone_site.members_only):
        for path in (f"/praxis/{slug}", f"/praxis/{slug}/druck"):
            member.open(path)
            widths[f"{path} (Mitglied)"] = member.width()
    too_wide = {path: width for path, width in widths.items() if width > PHONE["width"]}
    print(f"\n{len(widths)} Seiten bei 360 px, die breiteste: {max(widths.values())} px")
    assert not too_wide, "Breiter als 360 px:\n" + "\n".join(
        f"{phone_site.url}{path}: {width} px" for path, width in sorted(too_wide.items()))
    assert len([path for path in widths if path.startswith("/praxis/")]) >= 2 * len(
        phone_site.public) + 4 * len(phone_site.members_only)


def test_a_wide_table_scrolls_in_its_own_box_by_keyboard(phones):
    phone = phones()
    page = phone.open(f"/praxis/{WIDE_SLUG}")
    box = page.get_by_role("region", name="Tabelle 1")
    assert box.locator("table th").first.inner_text() == "Maßnahme"
    sizes = box.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert sizes[0] > sizes[1], f"the table should be wider than its box: {sizes}"
    assert phone.width() <= PHONE["width"]
    box.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => document.querySelector('.prose .table-scroll').scrollLeft > 0")


def test_axe_on_a_sample_of_phone_pages(phones, phone_site):
    phone = phones()
    members_only = sorted(phone_site.members_only)
    sample = [(f"/praxis/{WIDE_SLUG}", 200), (f"/praxis/{WIDE_SLUG}/druck", 200),
              (f"/praxis/{phone_site.public[0]}", 200), ("/kommunen/stadt-teststadt", 200),
              ("/suche", 200), ("/praxis/gibt-es-nicht", 404)]
    sample += [(f"/praxis/{slug}", 404) for slug in members_only[:1]]
    workshops = linked_paths(phone, "/module/2", "/arbeitstreffen/")
    sample += [(path, 200) for path in workshops[:1]]
    problems = []
    for path, status in sample:
        phone.open(path, status)
        violations = run_axe(phone.page)
        if violations:
            problems.append(f"{path}:\n{format_violations(violations)}")
    assert not problems, "\n\n".join(problems)


def test_members_only_page_and_hint_for_anonymous_readers(phones, phone_site):
    slug = sorted(phone_site.members_only)[0]
    phone = phones()
    page = phone.open(f"/praxis/{slug}", 404)
    assert page.locator("h1").inner_text() == "Dieser Lösungsansatz ist nicht öffentlich"
    page.locator("main").get_by_role("link", name="Anmelden").click()
    page.get_by_label("E-Mail-Adresse").fill(MEMBER[0])
    page.get_by_label("Passwort").fill(MEMBER[1])
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"**/praxis/{slug}")
    assert page.locator(".practice-byline .badge-members").inner_text() == "Nur für Mitglieder"

    anonymous = phones()
    search = anonymous.open("/suche")
    assert search.locator(".members-hint").count() == 1


def test_favicon_is_served_and_linked(phones, phone_site):
    phone = phones()
    page = phone.open("/")
    icons = page.eval_on_selector_all(
        'link[rel="icon"]', "links => links.map(l => [l.getAttribute('href'), l.type])")
    assert {kind for _href, kind in icons} == {"image/svg+xml", "image/png"}
    for href in [href for href, _kind in icons] + ["/favicon.ico"]:
        response = page.request.get(phone_site.url + href)
        assert response.status == 200, href
        assert response.headers["content-type"].startswith("image/"), href

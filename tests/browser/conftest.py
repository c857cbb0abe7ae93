"""A real server on 127.0.0.1 with the demo content, and Chromium driven by Playwright.

Every page a test opens is watched: a request to any host other than 127.0.0.1 is blocked
and fails the test. axe-core comes from node_modules (npm install) and is served to the page
from the app's own origin by a route, so the page's Content-Security-Policy stays intact.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from tests.conftest import DEMO_PRACTICES, PROJECT_ROOT, make_config

CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_PATH = "/__test__/axe.min.js"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}


@dataclass
class LiveSite:
    """The served app's address and real examples of each page type from the demo content."""

    url: str
    practice: str
    municipality: str
    module: int
    workshop: str
    query: str
    member_email: str = "mitglied@example.org"
    member_password: str = "ein sehr langes Testpasswort"
    representative_email: str = "vertretung@example.org"
    organiser_email: str = "organisation@example.org"


def _examples() -> dict:
    """Pick a public entry with workshop and contact, and a word of its title to search for."""
    from sqlalchemy import select

    from app.extensions import db
    from app.practices.models import Practice

    practices = db.session.scalars(
        select(Practice).where(Practice.visibility == "public").order_by(Practice.slug)).all()
    assert practices, "no public demo entries in practices/"
    practice = next((p for p in practices if p.workshops and p.modules and p.contact_email),
                    practices[0])
    word = max(practice.title.split(), key=len).strip(",.:;–")
    return {
        "practice": practice.slug, "municipality": practice.municipality.slug,
        "module": practice.modules[0].number if practice.modules else 1,
        "workshop": practice.workshops[0].slug if practice.workshops else "2019-08-18-auftakt",
        "query": word,
    }


def _create_member(email: str, password: str, municipality_slug: str,
                   role: str = "member") -> None:
    """A signed-in reader (or representative) from the example entry's municipality."""
    from sqlalchemy import select
    from werkzeug.security import generate_password_hash

    from app.accounts.models import User
    from app.extensions import db
    from app.municipalities.models import Municipality

    municipality = db.session.scalar(
        select(Municipality).where(Municipality.slug == municipality_slug))
    db.session.add(User(email=email, name="Maria Mitglied", role=role,
                        password_hash=generate_password_hash(password, method="scrypt"),
                        municipality=municipality))
    db.session.commit()


class ClosedResponses:
    """The app with every response read and closed before werkzeug's development server
    sends it. That server does not close a response whose client went away (Chromium
    often drops its favicon request), and the file left open then fails whichever test
    runs when it is collected (ResourceWarning is an error here)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        iterable = self.app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            if hasattr(iterable, "close"):
                iterable.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, databases):
    """The app served by werkzeug in a background thread, with the demo entries imported."""
    from app import create_app, search
    from app.extensions import db
    from app.practices.services import collect_practice_files, import_practices

    folder = tmp_path_factory.mktemp("live")
    config = make_config(folder, databases.migrated(folder))
    config["TESTING"] = False  # behave like production: plain German 500 pages
    app = create_app(config)
    with app.app_context():
        report = import_practices(collect_practice_files(DEMO_PRACTICES))
        assert report.ok, [str(error) for error in report.errors]
        search.apply_pending_changes()
        examples = _examples()
        _create_member(LiveSite.member_email, LiveSite.member_password, examples["municipality"])
        _create_member(LiveSite.representative_email, LiveSite.member_password,
                       examples["municipality"], role="representative")
        _create_member(LiveSite.organiser_email, LiveSite.member_password,
                       examples["municipality"], role="organiser")
        db.session.remove()
    server = make_server("127.0.0.1", 0, ClosedResponses(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveSite(url=f"http://127.0.0.1:{server.server_port}", **examples)
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's package) for the whole session."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} fehlt: `apt-get install chromium` (macht .ci/run) – "
                    "nie `playwright install`.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} fehlt: im Projektordner `npm install` ausführen "
                    "(package.json nennt axe-core).")
    return AXE_JS.read_text(encoding="utf-8")


class PageWatcher:
    """Blocks and records requests that would leave 127.0.0.1, script errors, CSP reports."""

    def __init__(self, page, axe_source: str):
        self.page = page
        self.axe_source = axe_source
        self.foreign: list[str] = []
        self.errors: list[str] = []
        page.route("**/*", self._route)
        page.on("pageerror", lambda error: self.errors.append(f"JavaScript: {error}"))
        page.on("console", self._console)

    def _console(self, message):
        if message.type == "error" and "Content Security Policy" in message.text:
            self.errors.append(f"CSP: {message.text}")

    def _route(self, route):
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            route.continue_()
        elif parts.hostname != "127.0.0.1":
            self.foreign.append(url)
            route.abort("blockedbyclient")
        elif parts.path == AXE_PATH:
            route.fulfill(status=200, content_type="text/javascript", body=self.axe_source)
        else:
            route.continue_()


def make_page(browser, axe_source, viewport, **options):
    context = browser.new_context(viewport=viewport, locale="de-DE",
                                  service_workers="block", **options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page, PageWatcher(page, axe_source)


@pytest.fixture
def open_page(browser, axe_source, live_server):
    """Factory: open_page(viewport=DESKTOP) -> a page; fails the test on foreign requests."""
    made = []

    def open_(viewport=DESKTOP, **options):
        context, page, watcher = make_page(browser, axe_source, viewport, **options)
        made.append((context, watcher))
        return page

    yield open_
    foreign = [url for _context, watcher in made for url in watcher.foreign]
    errors = [error for _context, watcher in made for error in watcher.errors]
    for context, _watcher in made:
        context.close()
    assert not foreign, f"Anfragen an fremde Hosts: {foreign}"
    assert not errors, "Fehler im Browser:\n" + "\n".join(errors)


def run_axe(page) -> list[dict]:
    """Inject axe-core (same origin) and return WCAG 2.1 A/AA violations."""
    page.add_script_tag(url=AXE_PATH)
    result = page.evaluate("""async () => {
        const result = await axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            resultTypes: ["violations"],
        });
        return result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
        }));
    }""")
    return result


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['summary']}".replace("\n", " / "))
    return "\n".join(lines)


WIDTHS = {"1280": DESKTOP, "360": PHONE}


def check_page(page, name: str, problems: list[str]) -> None:
    """Collect axe violations, horizontal overflow (naming what sticks out) and h1 count."""
    violations = run_axe(page)
    if violations:
        problems.append(f"{name}:\n{format_violations(violations)}")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 1:
        wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth
                    && !(e.parentElement && e.parentElement.closest('.table-scroll')))
            .slice(0, 5).map(e => e.tagName + '.' + e.className)""")
        problems.append(f"{name}: {overflow}px waagrecht zu breit ({', '.join(wide)})")
    if page.locator("h1").count() != 1:
        problems.append(f"{name}: nicht genau eine h1")

"""The security checklist of the project (SECURITY.md beside the checkout), item by item (1–25).

Each test is named after its item and fails if that protection is removed. Items with
deeper tests elsewhere name them in the docstring; the test here is an independent probe,
often of the write side (SPEC §6), which came after the first security tests.
"""

from __future__ import annotations

import re
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app.accounts.models import SecurityEvent, User
from app.extensions import csrf, db
from app.practices import states
from app.practices.models import Practice
from tests.conftest import PROJECT_ROOT, TEST_PASSWORD, csrf_token_from
from tests.test_writing import ENTRY, post_entry

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>"><svg onload=alert(2)>'
XSS_LINK = "[klick](javascript:alert(3))"


@pytest.fixture
def representative(create_user):
    return create_user(role="representative", municipality="Markt Beispiel",
                       email="vertretung@example.org")


@pytest.fixture
def organiser(create_user):
    return create_user(role="organiser", email="orga@example.org")


def _signed_in(app, user):
    client = app.test_client()
    token = csrf_token_from(client, "/konto/anmelden")
    response = client.post("/konto/anmelden", data={"email": user.email,
                                                    "password": TEST_PASSWORD,
                                                    "csrf_token": token})
    assert response.status_code == 302
    return client


def _draft(client) -> Practice:
    assert post_entry(client).status_code == 302
    return db.session.scalars(select(Practice).order_by(Practice.id.desc())).first()


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_inert(html: str) -> None:
    """No script element, no event handler, no script link in the page."""
    parser = _Tags()
    parser.feed(html)
    for tag, attrs in parser.tags:
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/"), attrs  # self-hosted JS only
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            if name in ("href", "src", "action", "formaction"):
                assert not re.sub(r"\s", "", value or "").lower().startswith(
                    ("javascript:", "vbscript:", "data:text")), (tag, name, value)
    assert 'alert("x")</script>' not in html and "<svg" not in html


# --- Accounts and sessions ----------------------------------------------------------------

def test_item_01_password_reset_is_throttled_per_account(client):
    """1: "Passwort vergessen?" is throttled too (sign-in: tests/test_accounts.py,
    simultaneous sign-ins: tests/test_hardening.py)."""
    statuses = []
    for _ in range(4):
        token = csrf_token_from(client, "/konto/passwort-vergessen")
        statuses.append(client.post("/konto/passwort-vergessen", data={
            "email": "jemand@example.org", "csrf_token": token}).status_code)
    assert statuses[:3] == [302, 302, 302] and statuses[3] == 429


def test_item_01_the_throttle_lives_in_the_database(app, create_user, login):
    """1: counts are rows every worker sees, and a lock-out ends with its window."""
    user = create_user()
    for _ in range(6):
        login(user, "ein falsches Passwort!!")
    from app.accounts.models import AuthFailure
    assert db.session.scalar(select(func.count(AuthFailure.id))) >= 5


@pytest.mark.parametrize("password,ok", [
    ("a" * 11, False), ("zwölf Zeichen", True), ("x" * 40 + "y" * 24, True),
    ("Im Sommer blühen an der Kreisstraße 17 Kornblumen, Mohn und wilde Möhren", True),
    ("passwort1234", False), ("123456789012", False),
])
def test_item_02_length_not_composition_and_no_common_passwords(password, ok):
    """2: 12 to at least 64 characters, no composition rules, common passwords refused."""
    from app.accounts.passwords import password_problem

    assert (password_problem(password) is None) is ok, password_problem(password)


def test_item_03_changing_the_password_needs_the_current_one(app, create_user):
    """3 (also tests/test_accounts.py)."""
    user = create_user()
    client = _signed_in(app, user)
    token = csrf_token_from(client, "/konto/passwort-aendern")
    response = client.post("/konto/passwort-aendern", data={
        "current_password": "", "password": "ein ganz neues Passwort", "confirm":
        "ein ganz neues Passwort", "csrf_token": token})
    assert response.status_code in (200, 422)
    db.session.expire_all()
    from app.accounts.passwords import verify_password
    assert verify_password(db.session.get(User, user.id).password_hash, TEST_PASSWORD)


def test_item_04_no_account_after_installation(runner, app):
    """4: `init` creates reference data, never an account."""
    assert runner.invoke(args=["init"]).exit_code == 0
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_item_05_hashes_are_scrypt(runner, app):
    """5: the command that creates accounts stores an scrypt hash."""
    result = runner.invoke(args=["users", "create", "neu@example.org", "--name", "Neu",
                                 "--role", "organiser"],
                           input="ein sehr langes Passwort\nein sehr langes Passwort\n")
    assert result.exit_code == 0, result.output
    stored = db.session.scalar(select(User.password_hash))
    assert stored.startswith("scrypt:")


def test_item_06_session_changes_at_sign_in_and_dies_with_deactivation(app, create_user,
                                                                       runner):
    """6: a new session at sign-in; after deactivation the old cookie is worthless."""
    user = create_user()
    client = app.test_client()
    csrf_token_from(client, "/konto/anmelden")
    before = client.get_cookie("session")
    client = _signed_in(app, user)
    after = client.get_cookie("session").value
    assert before is None or before.value != after
    assert client.get("/konto").status_code == 200
    assert runner.invoke(args=["users", "deactivate", user.email]).exit_code == 0
    assert client.get("/konto").status_code == 302


def test_item_07_sessions_have_idle_and_absolute_lifetimes(app):
    """7 (behaviour: tests/test_security.py)."""
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() <= 24 * 3600
    assert 0 < app.config["SESSION_ABSOLUTE_HOURS"] <= 24


def test_item_08_cookie_flags_at_sign_in(app, create_user):
    """8: HttpOnly and SameSite=Lax on the session cookie set at sign-in."""
    user = create_user()
    client = app.test_client()
    token = csrf_token_from(client, "/konto/anmelden")
    response = client.post("/konto/anmelden", data={"email": user.email,
                                                    "password": TEST_PASSWORD,
                                                    "csrf_token": token})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


# --- Requests and output ------------------------------------------------------------------

def test_item_09_every_post_route_refuses_a_missing_csrf_token(app, organiser):
    """9: each POST rule of the app, called by a signed-in organiser without token: 400.

    The Merkliste view is exempt from Flask-WTF's hook only because it checks the token
    itself (app/deciding/guard.py); the loop shows that it refuses too.
    """
    client = _signed_in(app, organiser)
    assert not csrf._exempt_blueprints
    assert csrf._exempt_views <= {"app.deciding.views.update"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        values = {name: 1 if "int" in type(rule._converters[name]).__name__.lower()
                  else "irgendwas" for name in rule.arguments}
        path = rule.build(values, append_unknown=False)[1]
        response = client.post(path, data={"title": "x"})
        assert response.status_code == 400, (rule.rule, response.status_code)
        checked += 1
    assert checked >= 25


def test_item_10_headers_on_pages_api_and_signed_in_pages(app, client, organiser):
    """10: CSP without unsafe-inline for scripts, object-src, base-uri, frame-ancestors."""
    signed_in = _signed_in(app, organiser)
    for response in (client.get("/"), client.get("/api/v1/practices"),
                     signed_in.get("/redaktion"), client.get("/gibt-es-nicht")):
        policy = response.headers["Content-Security-Policy"]
        script = re.search(r"script-src ([^;]*)", policy).group(1)
        assert "unsafe-inline" not in script and "object-src 'none'" in policy
        assert "base-uri 'self'" in policy and "frame-ancestors 'none'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]


def test_item_11_xss_in_every_field_of_a_web_written_entry_is_inert(app, representative,
                                                                     organiser):
    """11: payloads in every text field, through the form, on every page that shows them."""
    client = _signed_in(app, representative)
    fields = {name: f"{value} {XSS}" if isinstance(value, str) and name not in (
        "status", "effort", "visibility", "aktion", "started", "costs_eur", "contact_email",
        "links") else value for name, value in ENTRY.items()}
    fields["section_vorgehen"] += f"\n\n{XSS_LINK}\n\n<a href='javascript:alert(4)'>a</a>"
    fields["note"] = XSS
    fields["contact_phone"] = "09241 <script>alert(5)</script>"  # the column holds 60
    response = client.post("/praxis/neu", data={**fields, "csrf_token": csrf_token_from(
        client, "/praxis/neu")})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    practice = db.session.scalars(select(Practice)).first()
    preview = client.post(f"/praxis/{practice.slug}/bearbeiten", data={
        **fields, "aktion": "vorschau", "base_revision": "1",
        "csrf_token": csrf_token_from(client, f"/praxis/{practice.slug}/bearbeiten")})
    pages = [client.get(f"/praxis/{practice.slug}"), preview,
             client.get(f"/praxis/{practice.slug}/bearbeiten"),
             client.get(f"/praxis/{practice.slug}/versionen"), client.get("/meine")]
    token = csrf_token_from(client, f"/praxis/{practice.slug}")
    client.post(f"/praxis/{practice.slug}/einreichen", data={"csrf_token": token})
    reviewer = _signed_in(app, organiser)
    pages.append(reviewer.get("/redaktion"))
    reviewer.post(f"/redaktion/praxis/{practice.slug}/entscheidung", data={
        "aktion": "veroeffentlichen", "csrf_token": csrf_token_from(reviewer, "/redaktion")})
    from app import search
    search.wait_for_background_drains()
    anonymous = app.test_client()
    pages += [anonymous.get(f"/praxis/{practice.slug}"), anonymous.get("/"),
              anonymous.get("/suche?q=Bauhof"), anonymous.get("/feeds/neu.atom")]
    for page in pages:
        assert page.status_code < 500
        assert_inert(page.get_data(as_text=True))
    api = anonymous.get(f"/api/v1/practices/{practice.slug}").get_json()
    assert_inert(api["html"])
    assert "<script" not in api["html"] and 'href="javascript' not in api["html"]


@pytest.mark.parametrize("path", [
    "/suche?q=%27%20OR%201%3D1%20--", "/suche?q=%22%3B%20DROP%20TABLE%20practice%3B%20--",
    "/api/v1/practices?q=%27%2F*", "/praxis/x%27%20OR%20%271%27%3D%271",
    "/api/v1/practices/x%27--", "/kommunen/x%22%3B--", "/suche?municipality=a%27--",
])
def test_item_12_quotes_and_comment_markers_give_normal_answers(client, path):
    """12: bound parameters everywhere: hostile quoting is a 200, 400 or 404, never 500."""
    assert client.get(path).status_code in (200, 400, 404)
    assert db.session.scalar(text("SELECT count(*) FROM practice")) is not None


def test_item_13_another_municipalitys_draft_by_slug_and_id(app, representative,
                                                            create_user):
    """13: guessing slugs and ids of another municipality's draft finds nothing."""
    practice = _draft(_signed_in(app, representative))
    stranger = _signed_in(app, create_user(role="representative", municipality="Anderswo"))
    member = _signed_in(app, create_user(role="member"))
    for client in (stranger, member, app.test_client()):
        for path in (f"/praxis/{practice.slug}", f"/praxis/{practice.slug}/bearbeiten",
                     f"/praxis/{practice.slug}/versionen", f"/api/v1/practices/{practice.slug}",
                     f"/praxis/{practice.slug}/erfahrung"):
            assert client.get(path).status_code in (302, 403, 404), path
        assert practice.slug not in client.get("/suche?q=Bl%C3%BChwiesen").get_data(
            as_text=True)
    token = csrf_token_from(stranger, "/praxis/neu")
    for path in (f"/praxis/{practice.slug}/versionen/1/wiederherstellen",
                 f"/praxis/{practice.slug}/einreichen",
                 f"/praxis/{practice.slug}/dateien/1/loeschen"):
        assert stranger.post(path, data={"csrf_token": token}).status_code in (403, 404), path
    db.session.expire_all()
    assert db.session.get(Practice, practice.id).publication == states.DRAFT


def test_item_14_entry_form_ignores_role_state_author_and_municipality(app, representative,
                                                                       create_user):
    """14: no mass assignment through the entry form."""
    other = create_user(role="representative", municipality="Fremdstadt")
    client = _signed_in(app, representative)
    response = post_entry(client, publication="published", author_id=str(other.id),
                          role="organiser", municipality="fremdstadt", slug="gekapert",
                          municipality_id=str(other.municipality_id), published_at="2020-01-01")
    assert response.status_code == 302
    practice = db.session.scalars(select(Practice)).first()
    assert practice.publication == states.DRAFT and practice.slug != "gekapert"
    assert practice.author_id == representative.id
    assert practice.municipality.name == "Markt Beispiel"
    assert db.session.get(User, representative.id).role == "representative"


def test_item_15_oversized_request_bodies_get_413(app, representative):
    """15 (uploads in detail: tests/test_uploads.py): any form, body beyond the limit."""
    app.config["MAX_CONTENT_LENGTH"] = 200_000
    client = _signed_in(app, representative)
    token = csrf_token_from(client, "/praxis/neu")
    response = client.post("/praxis/neu", data={**ENTRY, "csrf_token": token,
                                                "section_vorgehen": "x" * 300_000})
    assert response.status_code == 413
    assert "zu groß" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Practice.id))) == 0


def test_item_16_api_errors_are_json(client):
    """16: JSON content type and JSON errors for 400, 404 and 405."""
    for response, status in ((client.get("/api/v1/practices?page=0"), 400),
                             (client.get("/api/v1/practices/gibt-es-nicht"), 404),
                             (client.get("/api/v1/gibt-es-nicht"), 404),
                             (client.post("/api/v1/practices"), 405)):
        assert response.status_code == status
        assert response.mimetype == "application/json" and response.get_json()["error"]


def test_item_17_debug_is_off_and_errors_are_plain(make_app):
    """17: a production app is not in debug mode; a 500 shows no internals."""
    app = make_app(TESTING=False)
    assert not app.debug

    def broken():
        raise RuntimeError("geheimes Detail /srv/pfad")

    app.add_url_rule("/__broken", "broken", broken)
    response = app.test_client().get("/__broken")
    body = response.get_data(as_text=True)
    assert response.status_code == 500 and "Fehler" in body
    assert "geheimes Detail" not in body and "Traceback" not in body


def test_item_18_publication_decisions_are_logged_with_actor_and_address(app, representative,
                                                                          organiser):
    """18: a publication decision leaves an audit row: time, actor, action, address."""
    client = _signed_in(app, representative)
    practice = _draft(client)
    client.post(f"/praxis/{practice.slug}/einreichen",
                data={"csrf_token": csrf_token_from(client, f"/praxis/{practice.slug}")})
    reviewer = _signed_in(app, organiser)
    reviewer.post(f"/redaktion/praxis/{practice.slug}/entscheidung", data={
        "aktion": "veroeffentlichen", "csrf_token": csrf_token_from(reviewer, "/redaktion")})
    event = db.session.scalar(select(SecurityEvent).where(
        SecurityEvent.action == "publication_decision"))
    assert event is not None and event.actor_id == organiser.id
    assert event.ip_address and event.created_at
    assert TEST_PASSWORD not in str(event.details)


def test_item_19_a_100_kb_query_is_refused_quickly(client):
    """19: the search refuses a 100 KB query at once, with a German message."""
    started = time.perf_counter()
    response = client.get("/suche?q=" + "Energie " * 12_500)
    assert response.status_code == 400 and time.perf_counter() - started < 2
    assert "zu lang" in response.get_data(as_text=True)


def test_item_19_a_1_mb_entry_through_the_web_form_is_refused_quickly(app, representative):
    """19: a 1 MB entry is refused with a clear message, fast, and nothing is stored."""
    client = _signed_in(app, representative)
    token = csrf_token_from(client, "/praxis/neu")
    started = time.perf_counter()
    response = client.post("/praxis/neu", data={**ENTRY, "csrf_token": token,
                                                "section_vorgehen": "Wort " * 210_000})
    assert response.status_code in (413, 422)
    assert time.perf_counter() - started < 5
    html = response.get_data(as_text=True)
    assert "zu groß" in html or "höchstens" in html or "zu lang" in html
    assert db.session.scalar(select(func.count(Practice.id))) == 0


def test_item_20_signed_in_pages_are_not_stored_and_urls_carry_no_tokens(app, representative):
    """20: Cache-Control: no-store on every page of a signed-in person; no token in URLs."""
    client = _signed_in(app, representative)
    practice = _draft(client)
    for path in ("/", "/meine", "/praxis/neu", f"/praxis/{practice.slug}",
                 f"/praxis/{practice.slug}/bearbeiten", f"/praxis/{practice.slug}/versionen",
                 "/konto", "/suche?q=Energie", "/api/v1/practices"):
        response = client.get(path)
        assert "no-store" in response.headers.get("Cache-Control", ""), path
        links = re.findall(r'(?:href|action)="([^"]*)"', response.get_data(as_text=True))
        assert not [link for link in links if "csrf" in link or "token=" in link], path


# --- Reliability --------------------------------------------------------------------------

def test_item_21_a_refused_save_changes_nothing(app, representative):
    """21: a save refused by the rules (422) or as stale (409) leaves the entry as it was."""
    client = _signed_in(app, representative)
    practice = _draft(client)
    path = f"/praxis/{practice.slug}/bearbeiten"
    assert post_entry(client, path, base_revision="1", title="").status_code == 422
    assert post_entry(client, path, base_revision="0", title="Veraltet").status_code == 409
    db.session.expire_all()
    stored = db.session.get(Practice, practice.id)
    assert stored.title == ENTRY["title"] and len(stored.revisions) == 1


def test_item_21_an_import_with_one_bad_file_imports_nothing(runner, write_practice, tmp_path):
    """21: imports are all or nothing."""
    write_practice("gut")
    write_practice("schlecht", status="unbekannt")
    result = runner.invoke(args=["practices", "import", str(tmp_path / "files")])
    assert result.exit_code == 1
    assert db.session.scalar(select(func.count(Practice.id))) == 0


def test_item_22_a_mismatch_is_detected_and_a_rebuild_fixes_it(app, runner, demo_content):
    """22 (more: tests/test_search_sync.py): a change behind the outbox's back is found."""
    db.session.execute(text("UPDATE practice SET title = 'Heimlich geändert' WHERE id = "
                            "(SELECT min(id) FROM practice)"))
    db.session.commit()
    assert runner.invoke(args=["search", "check", "--no-repair"]).exit_code == 1
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    assert runner.invoke(args=["search", "check", "--no-repair"]).exit_code == 0


def test_item_23_backup_round_trip_onto_an_empty_installation(app, runner, demo_content,
                                                              make_app, tmp_path):
    """23 (more: tests/test_backup.py): same entries and same search after a restore."""
    archive = tmp_path / "sicherung.zip"
    assert runner.invoke(args=["backup", "create", str(archive)]).exit_code == 0
    assert archive.stat().st_mode & 0o777 == 0o600
    before = sorted(db.session.scalars(select(Practice.slug)))
    found = app.test_client().get("/api/v1/practices?q=Energie").get_json()["total"]
    other = make_app()
    with other.app_context():
        assert other.test_cli_runner().invoke(args=["backup", "restore", str(archive)]
                                              ).exit_code == 0
        assert sorted(db.session.scalars(select(Practice.slug))) == before
        assert other.test_client().get("/api/v1/practices?q=Energie").get_json()[
            "total"] == found


def test_item_24_make_test_runs_sqlite_and_postgresql():
    """24: `make test` runs the suite on SQLite and again on a throw-away PostgreSQL."""
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "with-postgres" in makefile
    assert Path(PROJECT_ROOT / "scripts" / "with-postgres").exists()


def test_item_25_simultaneous_stale_edits_keep_exactly_one(app, representative):
    """25 (processes: tests/test_concurrency.py): eight saves on one base, one wins."""
    practice = _draft(_signed_in(app, representative))
    clients = [_signed_in(app, representative) for _ in range(8)]
    path = f"/praxis/{practice.slug}/bearbeiten"
    tokens = [csrf_token_from(c, path) for c in clients]
    barrier, statuses = threading.Barrier(len(clients)), []

    def save(client, token, number):
        barrier.wait()
        statuses.append(client.post(path, data={**ENTRY, "csrf_token": token,
                                                "base_revision": "1",
                                                "title": f"Fassung {number}"}).status_code)

    threads = [threading.Thread(target=save, args=(c, t, n))
               for n, (c, t) in enumerate(zip(clients, tokens, strict=True))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302] + [409] * 7, statuses
    db.session.expire_all()
    assert len(db.session.get(Practice, practice.id).revisions) == 2

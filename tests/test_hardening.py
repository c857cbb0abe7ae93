"""Defects found by an outside probe (issue 10): user input never answers 500."""

from pathlib import Path

import pytest
from cachetools import LRUCache
from sqlalchemy import select, text

from app.extensions import db
from tests.conftest import sqlite_only


@pytest.mark.parametrize("path", [
    "/module/9223372036854775808", "/feeds/modul/9223372036854775808.atom",
    "/module/99999999999999999999999", "/redaktion/module/9223372036854775808",
])
def test_numbers_too_large_for_a_database_column_are_not_found(client, path):
    response = client.get(path)
    assert response.status_code in (302, 404), response.status_code


def test_ordinary_numbers_still_route(client):
    assert client.get("/module/2").status_code == 200
    assert client.get("/module/2147483647").status_code == 404


def test_a_500_is_logged_with_traceback_and_request_id(make_app, caplog):
    app = make_app(TESTING=False)

    def broken():
        raise RuntimeError("kaputt im Test")

    app.add_url_rule("/__kaputt", "kaputt", broken)
    with caplog.at_level("ERROR"):
        response = app.test_client().get("/__kaputt", headers={"X-Request-ID": "probe-1234"})
    assert response.status_code == 500
    assert "kaputt im Test" not in response.get_data(as_text=True)  # no internals shown
    assert response.headers["X-Request-ID"] == "probe-1234"
    record = next(r for r in caplog.records if "probe-1234" in r.getMessage())
    assert record.exc_info and "kaputt im Test" in str(record.exc_info[1])


def test_an_odd_request_id_is_replaced(client):
    response = client.get("/", headers={"X-Request-ID": "<script>"})
    assert response.headers["X-Request-ID"] != "<script>"
    assert len(response.headers["X-Request-ID"]) == 32


def test_backup_archive_is_owner_only(runner, tmp_path):
    archive = tmp_path / "sicherung.zip"
    assert runner.invoke(args=["backup", "create", str(archive)]).exit_code == 0
    assert archive.stat().st_mode & 0o777 == 0o600


@sqlite_only
def test_sqlite_database_file_is_owner_only(app):
    db.session.execute(text("SELECT 1"))
    assert Path(db.engine.url.database).stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("query", [
    "page=&page=abc", "page=1&page=abc", "per_page=20&per_page=0", "q=a&q=b",
    "sort=title&sort=evil", "population_min=1&population_min=x", "page=%C2%B2",
    "page=" + "9" * 5000, "like=a&like=b",
])
def test_every_value_of_a_single_value_parameter_is_checked(client, query):
    response = client.get(f"/api/v1/practices?{query}")
    assert response.status_code == 400
    assert response.is_json and response.json["error"]


def test_the_html_search_checks_every_value_too(client):
    assert client.get("/suche?page=1&page=abc").status_code == 400
    assert client.get("/suche?page=%C2%B2").status_code == 400


def test_repeating_the_same_value_is_harmless(client):
    assert client.get("/api/v1/practices?page=1&page=1").status_code == 200


def test_schema_lists_exactly_the_levers_the_search_accepts(client):
    document = client.get("/api/v1/openapi.json").json
    parameters = {p["name"]: p["schema"] for p in
                  document["paths"]["/api/v1/practices"]["get"]["parameters"]}
    levers = parameters["lever"]["items"]["enum"]
    assert "0" not in levers and levers
    for lever in levers:
        assert client.get(f"/api/v1/practices?lever={lever}").status_code == 200
    assert client.get("/api/v1/practices?lever=0").status_code == 400
    modules = parameters["module"]["items"]["enum"]
    assert client.get(f"/api/v1/practices?module={modules[0]}").status_code == 200
    assert client.get(f"/api/v1/practices?module={max(modules) + 1}").status_code == 400


@pytest.mark.parametrize("path", ["/api/v1/practices", "/", "/konto/anmelden"])
def test_method_not_allowed_names_the_allowed_methods(client, path):
    response = client.delete(path)
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_repeated_values_are_refused_shortly(client):
    for repeats in (1000, 100):
        html = client.get("/suche?" + "&".join(["q=Energie"] * repeats))
        assert html.status_code == 400 and len(html.data) < 20_000
    api = client.get("/api/v1/practices?" + "&".join(["lever=vorbild"] * 100))
    assert api.status_code == 400 and len(api.data) < 1000


@pytest.mark.parametrize("path", ["/suche", "/api/v1/practices"])
def test_a_100_kb_query_is_refused_with_a_short_message(client, path):
    response = client.get(f"{path}?q=" + "Energie " * 12_500)
    assert response.status_code == 400
    assert len(response.data) < 20_000


@pytest.mark.parametrize("path", ["/suche", "/api/v1/practices", "/"])
def test_a_query_string_beyond_128_kb_is_refused_before_parsing(client, path):
    response = client.get(f"{path}?q=" + "Energie%20" * 20_000)
    assert response.status_code == 414
    assert len(response.data) < 20_000


@pytest.mark.parametrize("path", [
    "/suche?q=Energie%00", "/suche?lever%00=vorbild", "/api/v1/practices?q=%00",
    "/praxis/abc%00def", "/api/v1/practices/abc%00", "/kommunen/x%00",
])
def test_a_nul_character_in_the_address_is_a_400(client, path):
    """PostgreSQL refuses NUL in text: every query with one would have been a 500 there."""
    response = client.get(path)
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert "Steuerzeichen" in response.get_json()["error"]
    else:
        assert "Steuerzeichen" in response.get_data(as_text=True)


def test_a_nul_character_in_a_form_field_is_a_400_and_changes_nothing(client, login,
                                                                        create_user):
    from tests.conftest import csrf_token_from

    user = create_user("member")
    login(user)
    token = csrf_token_from(client, "/konto/profil")
    response = client.post("/konto/profil", data={"csrf_token": token, "name": "Erika\x00",
                                                  "contact_role": "", "phone": ""})
    assert response.status_code == 400
    db.session.expire_all()
    assert "\x00" not in user.name


def _simultaneous_sign_ins(app, emails: list[str], password: str) -> list[int]:
    """Post every sign-in at the same moment, each from its own client (and thread)."""
    import threading

    from tests.conftest import csrf_token_from

    clients = [app.test_client() for _ in emails]
    tokens = [csrf_token_from(c, "/konto/anmelden") for c in clients]
    barrier, statuses = threading.Barrier(len(emails)), []

    def post(client, token, email):
        barrier.wait()
        statuses.append(client.post("/konto/anmelden", data={
            "email": email, "password": password, "csrf_token": token}).status_code)

    threads = [threading.Thread(target=post, args=args)
               for args in zip(clients, tokens, emails, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_simultaneous_wrong_passwords_for_one_account_get_exactly_the_limit(app, create_user):
    """Issue 10 defect 5: 40 at once used to get 8 checks against a limit of 5."""
    user = create_user()
    statuses = _simultaneous_sign_ins(app, [user.email] * 40, "ein falsches Passwort!!")
    assert statuses.count(200) == 5 and statuses.count(429) == 35


def test_simultaneous_sign_ins_from_one_address_get_exactly_the_limit(app):
    statuses = _simultaneous_sign_ins(app, [f"probe{i}@example.org" for i in range(80)],
                                      "irgendein Passwort")
    assert statuses.count(200) == 30 and statuses.count(429) == 50


def _cli_env(app) -> dict:
    import os

    return {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"], "SECRET_KEY": "test-secret-key",
            "UPLOAD_DIR": app.config["UPLOAD_DIR"], "SEARCH_SYNC": "inline"}


def _counts(output: str) -> tuple[int, int, int]:
    import re

    match = re.search(r"(\d+) neu, (\d+) geändert, (\d+) unverändert", output)
    assert match, output
    return tuple(int(n) for n in match.groups())


def test_two_simultaneous_imports_give_the_result_of_some_order(app, write_practice, tmp_path,
                                                                 import_folder):
    """Issue 10 defect 3: two real `practices import` processes at the same moment."""
    import subprocess
    import sys

    from app.practices.models import Practice
    from tests.conftest import PROJECT_ROOT

    n = 60
    base, first, second = (tmp_path / name for name in ("base", "quokka", "wombat"))
    for folder in (base, first, second):
        folder.mkdir()
    for i in range(n):
        write_practice(f"tier-{i}", folder=base, title=f"Koala {i}")
        write_practice(f"tier-{i}", folder=first, title=f"Quokka {i}")
        # The second import agrees with the first on half of the entries.
        write_practice(f"tier-{i}", folder=second, title=f"{'Quokka' if i % 2 else 'Wombat'} {i}")
    import_folder(base)
    db.session.commit()
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "practices", "import"]
    runs = [subprocess.Popen([*command, str(folder)], cwd=PROJECT_ROOT, env=_cli_env(app),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for folder in (first, second)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    quokka, wombat = (_counts(out) for out, _err in outputs)
    db.session.expire_all()
    titles = [db.session.scalar(select(Practice.title).where(Practice.slug == f"tier-{i}"))
              for i in range(n)]
    if all(title.startswith("Quokka") for title in titles):  # wombat first, then quokka
        assert wombat == (0, n, 0) and quokka == (0, n // 2, n // 2)
    else:  # quokka first, then wombat
        assert titles == [f"{'Quokka' if i % 2 else 'Wombat'} {i}" for i in range(n)]
        assert quokka == (0, n, 0) and wombat == (0, n // 2, n // 2)


# --- production serving -------------------------------------------------------------------

def test_healthz_reports_database_index_and_outbox(client):
    response = client.get("/healthz")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "ok"
    assert response.json["checks"]["outbox"]["pending"] == 0
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_healthz_is_503_with_a_reason_when_the_outbox_lags(make_app):
    from datetime import timedelta

    from app.search.models import SearchChange
    from app.timeutil import utcnow

    app = make_app(SEARCH_SYNC="off", HEALTH_MAX_OUTBOX_LAG=60)
    with app.app_context():
        db.session.add(SearchChange(practice_slug="x", created_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "fail" and "outbox" in response.json["reason"]


def test_healthz_is_503_when_the_index_is_gone(make_app):
    import shutil

    app = make_app()
    assert app.test_client().get("/healthz").status_code == 200
    for generation in Path(app.config["SEARCH_INDEX_DIR"]).glob("gen-*"):
        shutil.rmtree(generation)  # the pointer names a generation that is gone
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["reason"].startswith("index")


def test_healthz_is_503_when_the_database_is_unreachable(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/nothing.sqlite3")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["reason"].startswith("database")


def test_json_logs_one_line_per_request(make_app, create_user, capsys):
    import json

    app = make_app(LOG_FORMAT="json")
    client = app.test_client()
    client.get("/suche?q=Energie", headers={"X-Request-ID": "abcdefgh-1"})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()
             if line.startswith("{")]
    request_line = next(line for line in lines if line.get("request_id") == "abcdefgh-1"
                        and "status" in line)
    assert request_line["status"] == 200 and request_line["route"] == "/suche"
    assert request_line["endpoint"] == "search_ui.search"
    assert isinstance(request_line["duration_ms"], float) and "user_id" in request_line
    # the CPU time of the request's thread: more than nothing, never more than its duration
    assert 0 < request_line["cpu_ms"] <= request_line["duration_ms"] + 0.1


def test_json_logs_name_the_signed_in_user_and_never_a_token(make_app, capsys):
    import json

    from werkzeug.security import generate_password_hash

    from tests.conftest import TEST_PASSWORD, csrf_token_from

    app = make_app(LOG_FORMAT="json")
    with app.app_context():
        from app.accounts.models import User
        user = User(email="log@example.org", name="Log", role="member",
                    password_hash=generate_password_hash(TEST_PASSWORD, method="scrypt"))
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    client = app.test_client()
    client.get("/konto/passwort-setzen/geheimer-einmal-token-123")
    client.post("/konto/anmelden", data={"email": "log@example.org", "password": TEST_PASSWORD,
                                         "csrf_token": csrf_token_from(client, "/konto/anmelden")})
    client.get("/konto/")
    err = capsys.readouterr().err
    assert "geheimer-einmal-token-123" not in err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert any(line.get("route") == "/konto/passwort-setzen/<token>" for line in lines)
    assert any(line.get("user_id") == user_id and line.get("status") for line in lines)


def test_proxy_fix_is_off_by_default_and_on_with_hops(make_app):
    headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    app = make_app()
    app.add_url_rule("/__addr", "addr", lambda: __import__("flask").request.remote_addr)
    assert app.test_client().get("/__addr", headers=headers).text == "127.0.0.1"
    behind = make_app(PROXY_FIX_HOPS=1)
    behind.add_url_rule("/__addr", "addr", lambda: __import__("flask").request.remote_addr)
    response = behind.test_client().get("/__addr", headers=headers)
    assert response.text == "203.0.113.9"
    assert "Strict-Transport-Security" in response.headers  # https as the proxy said


# --- the anonymous page cache (benchmarks/load.py) ----------------------------------------

def test_anonymous_pages_are_cached_until_any_write(make_app):
    from app import search
    from app.practices.models import Practice
    from app.practices.services import collect_practice_files, import_practices
    from tests.conftest import DEMO_PRACTICES

    app = make_app(TESTING=False, PAGE_CACHE_SECONDS=30)
    with app.app_context():
        import_practices(collect_practice_files(DEMO_PRACTICES))
        search.apply_pending_changes()
        slug = db.session.scalar(select(Practice.slug).where(Practice.visibility == "public"))
    client = app.test_client()
    first = client.get(f"/praxis/{slug}")
    again = client.get(f"/praxis/{slug}")
    assert "X-Page-Cache" not in first.headers and again.headers["X-Page-Cache"] == "hit"
    assert again.data == first.data and again.headers["Content-Security-Policy"]
    assert again.headers["X-Request-ID"] != first.headers["X-Request-ID"]
    with app.app_context():  # any commit, from any process, makes cached pages stale
        practice = db.session.scalar(select(Practice).where(Practice.slug == slug))
        practice.title = "Ein ganz neuer Titel für den Cache-Test"
        db.session.commit()
    fresh = client.get(f"/praxis/{slug}")
    assert "X-Page-Cache" not in fresh.headers
    assert "Ein ganz neuer Titel für den Cache-Test" in fresh.get_data(as_text=True)


@pytest.fixture
def cached_site(make_app):
    """An installation with the page cache on and two public entries' addresses."""
    from app import search
    from app.practices.models import Practice
    from app.practices.services import collect_practice_files, import_practices
    from tests.conftest import DEMO_PRACTICES

    app = make_app(TESTING=False, PAGE_CACHE_SECONDS=30)
    with app.app_context():
        import_practices(collect_practice_files(DEMO_PRACTICES))
        search.apply_pending_changes()
        first, second = db.session.scalars(select(Practice.slug).where(
            Practice.visibility == "public").order_by(Practice.slug).limit(2))
    return app, first, second


def _hit(client, path: str) -> bool:
    response = client.get(path)
    assert response.status_code == 200
    return response.headers.get("X-Page-Cache") == "hit"


def _change(app, slug: str, change) -> None:
    from app.practices.models import Practice

    with app.app_context():
        change(db.session.scalar(select(Practice).where(Practice.slug == slug)))
        db.session.commit()


def test_an_entry_edit_makes_only_that_entry_stale_at_once(cached_site):
    from app.practices.models import PracticeSdg

    app, edited, other = cached_site
    client = app.test_client()
    pages = ["/", f"/praxis/{edited}", f"/praxis/{other}", f"/api/v1/practices/{edited}",
             "/module/2"]
    for path in pages:
        client.get(path)
    assert all(_hit(client, path) for path in pages)

    _change(app, edited, lambda p: setattr(p, "title", "Ein neuer Titel für den Cache"))
    assert not _hit(client, f"/praxis/{edited}")
    assert "Ein neuer Titel für den Cache" in client.get(f"/praxis/{edited}").get_data(
        as_text=True)
    assert client.get(f"/api/v1/practices/{edited}").json["title"] == (
        "Ein neuer Titel für den Cache")
    # Lists show the old version for at most PAGE_CACHE_SECONDS; other entries stay cached.
    assert _hit(client, "/") and _hit(client, f"/praxis/{other}") and _hit(client, "/module/2")

    # A new link row of the entry (not yet keyed to it before the flush) is the entry's too.
    _change(app, edited, lambda p: p.sdg_links.append(PracticeSdg(sdg=17, position=9)))
    assert not _hit(client, f"/praxis/{edited}")
    assert _hit(client, f"/praxis/{other}")


@pytest.mark.parametrize("change", [
    lambda p: setattr(p, "visibility", "members"),
    lambda p: setattr(p, "publication", "archived"),
])
def test_a_visibility_or_publication_change_makes_every_page_stale(cached_site, change):
    app, changed, other = cached_site
    client = app.test_client()
    # Search results are kept for 1 s from when rendering began: the process's first search
    # (index and dictionaries opened) can take that long on a busy machine.
    client.get("/suche?q=Wasser")
    for path in ("/", f"/praxis/{other}", "/suche?q=Energie"):
        client.get(path)
        assert _hit(client, path)
    _change(app, changed, change)
    assert not _hit(client, "/") and not _hit(client, f"/praxis/{other}")
    assert not _hit(client, "/suche?q=Energie")
    assert client.get(f"/praxis/{changed}").status_code in (403, 404)  # no stale copy


def test_bulk_statements_count_unless_on_a_table_no_page_shows(cached_site):
    from sqlalchemy import delete, update

    from app.accounts.models import AuthFailure
    from app.municipalities.models import Municipality

    app, _first, _second = cached_site
    client = app.test_client()
    client.get("/")
    with app.app_context():  # the sign-in failure log: no public page shows it
        db.session.execute(delete(AuthFailure))
        db.session.commit()
    assert _hit(client, "/")
    with app.app_context():
        db.session.execute(update(Municipality).values(name=Municipality.name + " (neu)"))
        db.session.commit()
    assert not _hit(client, "/")
    assert "(neu)" in client.get("/kommunen").get_data(as_text=True)


def test_a_page_one_worker_rendered_serves_the_others_until_it_is_stale(cached_site):
    """Two apps on one database and index folder stand for two gunicorn workers."""
    from app import create_app

    app, edited, _other = cached_site
    worker = create_app({**app.config})
    first, second = app.test_client(), worker.test_client()
    rendered = first.get(f"/praxis/{edited}")
    shared = second.get(f"/praxis/{edited}")
    assert shared.headers.get("X-Page-Cache") == "hit" and shared.data == rendered.data
    _change(app, edited, lambda p: setattr(p, "title", "Neuer Titel aus dem ersten Worker"))
    fresh = second.get(f"/praxis/{edited}")
    assert "X-Page-Cache" not in fresh.headers
    assert "Neuer Titel aus dem ersten Worker" in fresh.get_data(as_text=True)
    assert first.get(f"/praxis/{edited}").headers.get("X-Page-Cache") == "hit"  # its copy
    with worker.app_context():
        db.session.remove()
        db.engine.dispose()


def test_requests_with_a_cookie_are_never_served_from_the_cache(make_app, tmp_path):
    app = make_app(TESTING=False, PAGE_CACHE_SECONDS=30)
    client = app.test_client()
    client.get("/")
    assert client.get("/").headers.get("X-Page-Cache") == "hit"
    client.set_cookie("session", "irgendwas")
    assert "X-Page-Cache" not in client.get("/").headers
    assert "X-Page-Cache" not in app.test_client().get("/konto/anmelden").headers


def test_anonymous_reads_set_no_cookie(client, demo_content):
    """Issue 10 defect 10 (fixed in app/accounts/loader.py): public pages can be cached."""
    slug = db.session.scalar(select(text("slug FROM practice WHERE visibility = 'public'")))
    for path in ("/", "/suche?q=Energie", f"/praxis/{slug}", "/module/2", "/kommunen",
                 "/api/v1/practices?q=Energie", f"/api/v1/practices/{slug}", "/feeds/neu.atom",
                 "/gibt-es-nicht"):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert "Set-Cookie" not in response.headers, (path, response.headers["Set-Cookie"])
    # A page with a form needs its CSRF token in the session, and is never cached.
    form = client.get("/konto/anmelden")
    assert "Set-Cookie" in form.headers and form.headers["Cache-Control"] == "no-store"


def test_unicode_digits_in_number_fields_are_refused_not_crashed(app, client, create_user,
                                                                 login):
    """'²'.isdigit() is True but int('²') raises: every number parameter and field."""
    from tests.conftest import csrf_token_from
    from tests.test_writing import ENTRY

    login(create_user(role="representative", municipality="Markt Zahl"))
    token = csrf_token_from(client, "/praxis/neu")
    for field in ("population", "started", "costs_eur"):
        response = client.post("/praxis/neu", data={**ENTRY, field: "²", "csrf_token": token})
        assert response.status_code in (302, 422), (field, response.status_code)
    assert client.post("/praxis/neu", data={**ENTRY, "csrf_token": token}).status_code == 302
    slug = db.session.scalar(select(text("slug FROM practice")))
    response = client.post(f"/praxis/{slug}/bearbeiten", data={
        **ENTRY, "base_revision": "²", "csrf_token": token})
    assert response.status_code in (302, 409, 422), response.status_code
    assert client.get(f"/praxis/{slug}/versionen?von=²&bis=³").status_code in (200, 400, 404)
    organiser = create_user(role="organiser")
    client = app.test_client()
    client.post("/konto/anmelden", data={"email": organiser.email,
                                         "password": "ein sehr langes Testpasswort",
                                         "csrf_token": csrf_token_from(client, "/konto/anmelden")})
    for path in (f"/praxis/{slug}/versionen?von=²&bis=³", "/redaktion/aktivitaet?seite=²",
                 "/suche?module=²", "/suche?population_min=²", "/api/v1/practices?sdg=²"):
        assert client.get(path).status_code in (200, 400, 404), path


def test_simultaneous_decisions_on_one_entry_apply_once(app, create_user):
    """Six organisers publish the same submitted entry at once: one decision, no 500."""
    import threading

    from app.practices.models import StateChange
    from tests.conftest import TEST_PASSWORD, csrf_token_from
    from tests.test_writing import post_entry

    writer = app.test_client()
    author = create_user(role="representative", municipality="Markt Gleichzeitig")
    writer.post("/konto/anmelden", data={"email": author.email, "password": TEST_PASSWORD,
                                         "csrf_token": csrf_token_from(writer, "/konto/anmelden")})
    assert post_entry(writer).status_code == 302
    slug = db.session.scalar(select(text("slug FROM practice")))
    writer.post(f"/praxis/{slug}/einreichen",
                data={"csrf_token": csrf_token_from(writer, f"/praxis/{slug}")})
    clients = []
    for _ in range(6):
        client, organiser = app.test_client(), create_user(role="organiser")
        client.post("/konto/anmelden", data={
            "email": organiser.email, "password": TEST_PASSWORD,
            "csrf_token": csrf_token_from(client, "/konto/anmelden")})
        clients.append((client, csrf_token_from(client, "/redaktion")))
    barrier, statuses = threading.Barrier(len(clients)), []

    def publish(client, token):
        barrier.wait()
        statuses.append(client.post(f"/redaktion/praxis/{slug}/entscheidung", data={
            "aktion": "veroeffentlichen", "csrf_token": token}).status_code)

    threads = [threading.Thread(target=publish, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302] + [409] * 5, statuses
    published = db.session.scalars(select(StateChange).where(
        StateChange.to_state == "published")).all()
    assert len(published) == 1


def test_home_counts_are_kept_while_the_data_stays_the_same(cached_site):
    """Signed-in pages are never cached: their home page keeps its counts instead of
    recounting every entry per request, and a change of what lists show counts at once."""
    from sqlalchemy import event

    from app.home.queries import home_counts

    app, first, _second = cached_site
    statements = []

    def count(*_args):
        statements.append(1)

    with app.test_request_context("/"):
        before = home_counts()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert home_counts() == before
            assert not statements  # not one query for the second home page
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    _change(app, first, lambda practice: setattr(practice, "visibility", "members"))
    with app.test_request_context("/"):
        assert home_counts()["total"] == before["total"] - 1  # anonymous: one fewer at once


def test_a_process_keeps_page_bodies_within_its_byte_budget(cached_site, monkeypatch):
    """Each worker's own copies stay small; the shared copies still answer the rest."""
    from app import pagecache

    app, first, second = cached_site
    client = app.test_client()
    pages = [f"/praxis/{first}", f"/praxis/{second}", "/"]
    sizes = [len(client.get(path).data) for path in pages]
    budget = max(sizes) + pagecache.PAGE_OVERHEAD + 1  # room for one page at a time
    monkeypatch.setattr(pagecache, "_pages", LRUCache(budget, getsizeof=pagecache._page_bytes))
    for path in pages:
        client.get(path)
        assert pagecache._pages.currsize <= budget
        assert len(pagecache._pages) == 1
    assert all(_hit(client, path) for path in pages)  # from the shared files

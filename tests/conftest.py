"""Shared fixtures: a real database and a real Whoosh index in a temporary folder.

The schema is built once per test session by running the Alembic migrations into a
template database, which each test then copies: real migrations, fast tests. SQLite by
default; with TEST_DATABASE_URL set to a PostgreSQL server (scripts/with-postgres starts a
throw-away cluster) every test gets its own database created from the template.
"""

import os
import shutil
import uuid
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app import create_app
from app.extensions import db
from app.seed import seed_reference_data

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_PRACTICES = PROJECT_ROOT / "practices"
# German entries and judged queries kept in the repository (written blind to the search code).
BLIND_SET = PROJECT_ROOT / "benchmarks" / "search-blind"
HOLDOUT_QUERIES = PROJECT_ROOT / "benchmarks" / "search-holdout" / "queries.tsv"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="checks an SQLite-specific behaviour")


def make_config(tmp_path: Path, database: Path | str) -> dict:
    """Test configuration; `database` is an SQLite file path or a database URL."""
    url = database if isinstance(database, str) else f"sqlite:///{database}"
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": url,
        "SEARCH_INDEX_DIR": str(tmp_path / "search_index"),
        "SEARCH_SYNC": "inline",  # apply the outbox right after each commit, in-process
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "WTF_CSRF_ENABLED": True,
    }


class FreshContextClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    The `app` fixture keeps an app context pushed for the whole test, and Flask reuses a
    pushed context for requests: then `g` (flask-login's current user, Flask-WTF's cached
    CSRF token) and the database session would carry over from one request to the next.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


class Databases:
    """Creates empty or migrated test databases, on SQLite files or on PostgreSQL."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.created: list[str] = []
        if ON_POSTGRES:
            # No pool: each administrative connection is closed as soon as it is released.
            self.admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT",
                                       poolclass=NullPool)

    def empty(self, tmp_path: Path) -> str:
        if not ON_POSTGRES:
            return f"sqlite:///{tmp_path / f'db-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return self._create(f"kff_{uuid.uuid4().hex[:12]}")

    def _create(self, name: str, template: str | None = None) -> str:
        clause = f" TEMPLATE {template}" if template else ""
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        self.created.append(name)
        return make_url(TEST_DATABASE_URL).set(database=name).render_as_string(
            hide_password=False)

    def build_template(self) -> None:
        """Migrate and seed the template database once."""
        from flask_migrate import upgrade

        if ON_POSTGRES:
            self.template_url = self._create("kff_template")
        else:
            self.template_url = f"sqlite:///{self.folder / 'template.sqlite3'}"
        app = create_app(make_config(self.folder, self.template_url))
        with app.app_context():
            upgrade(directory=str(PROJECT_ROOT / "app" / "migrations"), revision="heads")
            seed_reference_data()
            db.session.remove()
            db.engine.dispose()

    def migrated(self, tmp_path: Path) -> str:
        """A new database with the migrated schema and reference data."""
        if ON_POSTGRES:
            return self._create(f"kff_{uuid.uuid4().hex[:12]}", template="kff_template")
        target = tmp_path / f"test-{uuid.uuid4().hex[:8]}.sqlite3"
        shutil.copy(self.template_url.removeprefix("sqlite:///"), target)
        return f"sqlite:///{target}"

    def drop_all(self) -> None:
        if ON_POSTGRES:
            with self.admin.connect() as connection:
                for name in reversed(self.created):
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            self.admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    databases = Databases(tmp_path_factory.mktemp("template"))
    databases.build_template()
    yield databases
    databases.drop_all()


@pytest.fixture
def make_app(tmp_path, databases):
    """Factory: a new app on its own migrated database and index folder."""
    apps = []

    def make(**overrides):
        folder = tmp_path / f"app{len(apps)}"
        folder.mkdir()
        app = create_app({**make_config(folder, databases.migrated(tmp_path)), **overrides})
        app.test_client_class = FreshContextClient
        apps.append(app)
        return app

    yield make
    from app.search import wait_for_background_drains

    wait_for_background_drains()  # a drain thread must not outlive its app's engine
    for made in apps:
        with made.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    """A fresh app on a copy of the template database and an empty index folder."""
    app = make_app()
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def import_folder(app):
    """Import a folder of practice files through the real import service."""
    from app import search
    from app.practices.services import collect_practice_files, import_practices

    def run(folder: Path):
        report = import_practices(collect_practice_files(folder))
        assert report.ok, [str(e) for e in report.errors]
        search.apply_pending_changes()
        return report

    return run


@pytest.fixture
def demo_content(import_folder):
    """The demo entries of practices/, imported."""
    return import_folder(DEMO_PRACTICES)


PRACTICE_TEMPLATE = """---
title: {title}
municipality: {municipality}
population: {population}
summary: >-
  {summary}
levers: [{levers}]
topics: [{topics}]
modules: [{modules}]
status: {status}
visibility: {visibility}
---
## Vorgehen

{body}
"""


@pytest.fixture
def write_practice(tmp_path):
    """Write a valid practice file (fields overridable) and return its path."""
    folder = tmp_path / "files"
    folder.mkdir(exist_ok=True)

    def write(slug: str = "testeintrag", folder: Path = folder, **fields) -> Path:
        values = {
            "title": "Testeintrag", "municipality": "Gemeinde Testdorf", "population": 3000,
            "summary": "Eine kurze Zusammenfassung.", "levers": "vorbild",
            "topics": "energie", "modules": "2", "status": "umgesetzt",
            "visibility": "public", "body": "Wir haben es einfach gemacht.",
        }
        values.update(fields)
        path = folder / f"{slug}.md"
        path.write_text(PRACTICE_TEMPLATE.format(**values), encoding="utf-8")
        return path

    return write


@pytest.fixture
def create_user(app):
    """Factory: create_user(role='member', municipality=None, password=...) -> User."""
    from app.accounts.models import User
    from app.municipalities.services import get_or_create_municipality

    counter = {"n": 0}

    def create(role: str = "member", municipality: str | None = None,
               password: str = "ein sehr langes Testpasswort", email: str | None = None,
               name: str = "Test Person"):
        from werkzeug.security import generate_password_hash

        counter["n"] += 1
        user = User(
            email=email or f"person{counter['n']}@example.org", name=name, role=role,
            password_hash=generate_password_hash(password, method="scrypt"),
            municipality=get_or_create_municipality(municipality) if municipality else None,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return create


def count(model) -> int:
    return len(db.session.scalars(select(model)).all())


def csrf_token_from(client, path: str) -> str:
    """The CSRF token of the form on the page at `path`."""
    import re

    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


TEST_PASSWORD = "ein sehr langes Testpasswort"


@pytest.fixture
def login(client):
    """Sign in through the real form: login(user_or_email, password=...) -> response."""

    def sign_in(user_or_email, password: str = TEST_PASSWORD, next_url: str | None = None):
        email = getattr(user_or_email, "email", user_or_email)
        path = "/konto/anmelden" + (f"?next={next_url}" if next_url else "")
        token = csrf_token_from(client, "/konto/anmelden")
        return client.post(path, data={"email": email, "password": password,
                                       "csrf_token": token})

    return sign_in




@pytest.fixture
def fresh_request_contexts(app):
    """Every app of make_app already uses FreshContextClient; kept for explicit requests."""
    app.test_client_class = FreshContextClient
    return app


class SmtpSink:
    """The mails that arrived at the local SMTP server, parsed (email.message.EmailMessage)."""

    def __init__(self):
        self.messages = []
        self.recipients = []  # the envelope's RCPT TO addresses, one list per mail
        self.port = 0

    async def handle_DATA(self, server, session, envelope):
        import email
        import email.policy

        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def wait(self) -> "SmtpSink":
        """Wait until mails sent in the background have been handed over (or failed)."""
        from app.mail import wait_for_pending_mail

        wait_for_pending_mail()
        return self


@pytest.fixture
def smtp_server(app):
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port; `app` sends its mail there."""
    import socket

    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        sink.port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port, MAIL_USE_TLS=False,
                      MAIL_USE_SSL=False, MAIL_USERNAME="", MAIL_TIMEOUT=5)
    try:
        yield sink
    finally:
        sink.wait()
        controller.stop()


# --- invented search entries (issue 11 tests) ---------------------------------------

ENTRY = """---
title: {title}
municipality: {municipality}
district: {district}
population: {population}
summary: >-
  {summary}
levers: [{levers}]
topics: [{topics}]
status: umgesetzt
{extra}---
## Ausgangslage

{body}

## Kosten und Finanzierung

{costs}
"""


def write_entry(folder, slug, title, summary, body="Das Vorhaben läuft gut.",
                municipality="Gemeinde Testdorf", district="Bayreuth", population=3000,
                levers="vorbild", topics="energie", costs_eur=None, effort=None,
                costs="Die Kosten trug der Haushalt."):
    extra = "".join(f"{key}: {value}\n" for key, value in (("costs_eur", costs_eur),
                                                          ("effort", effort)) if value)
    (folder / f"{slug}.md").write_text(ENTRY.format(
        title=title, municipality=municipality, district=district, population=population,
        summary=summary, levers=levers, topics=topics, extra=extra, body=body, costs=costs),
        encoding="utf-8")


@pytest.fixture
def towns(import_folder, tmp_path):
    """Entries from towns of different sizes and districts (invented texts)."""
    folder = tmp_path / "towns"
    folder.mkdir()
    write_entry(folder, "streuobst", "Streuobstwiesen retten mit Baumpatenschaften",
                "Bürger pflegen alte Obstbäume und ernten dafür.", topics="natur",
                costs_eur=9800, effort="gering", municipality="Gemeinde Obstdorf",
                district="Bamberg", population=1800)
    write_entry(folder, "hallenbad", "Hallenbad mit Solarthermie beheizt",
                "Das Hallenbad spart Gas durch Solarthermie auf dem Dach.",
                costs_eur=180000, effort="mittel", municipality="Stadt Badeort",
                district="Passau", population=14000)
    write_entry(folder, "gruendach", "Gründach auf dem Bauhof",
                "Ein Gründach hält Regenwasser zurück und kühlt die Halle.",
                topics="klimaanpassung", costs_eur=42000, effort="mittel",
                municipality="Gemeinde Obstdorf", district="Bamberg", population=1800)
    write_entry(folder, "brunnen", "Trinkwasserbrunnen am Marktplatz",
                "Ein Brunnen mit frischem Wasser hilft an heißen Tagen.",
                topics="klimaanpassung", costs_eur=None, municipality="Markt Brunnfeld",
                district="Bayreuth", population=4200)
    write_entry(folder, "wasserleitung", "Wasserleitungen saniert",
                "Lecks im Wassernetz wurden gefunden und geschlossen; Wasser sparen lohnt.",
                topics="klimaanpassung", costs_eur=300000, effort="hoch",
                municipality="Stadt Lechtal", district="Augsburg", population=22000)
    write_entry(folder, "nahwaerme-klein", "Nahwärme für das Dorf",
                "Ein kleines Nahwärmenetz versorgt Schule und Rathaus mit Wärme aus Holz.",
                costs_eur=650000, effort="hoch", municipality="Gemeinde Obstdorf",
                district="Bamberg", population=1800,
                costs="Finanziert über eine Genossenschaft und Förderung.")
    write_entry(folder, "nahwaerme-gross", "Nahwärmenetz der Stadtwerke",
                "Die Stadtwerke bauen ein großes Nahwärmenetz mit Wärme aus Holz.",
                costs_eur=4000000, effort="hoch", municipality="Stadt Lechtal",
                district="Augsburg", population=22000)
    return import_folder(folder)


def api(client, **params):
    return client.get("/api/v1/practices", query_string=params)

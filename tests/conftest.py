"""Shared fixtures: a real SQLite database and a real Whoosh index in a temporary folder.

The schema is built once per test session by running the Alembic migrations into a
template database file, which each test then copies: real migrations, fast tests.
"""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.seed import seed_reference_data

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_PRACTICES = PROJECT_ROOT / "practices"
SEARCH_DEV = PROJECT_ROOT.parent / "shared" / "search-dev"


def make_config(tmp_path: Path, database_file: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database_file}",
        "SEARCH_INDEX_DIR": str(tmp_path / "search_index"),
        "SEARCH_SYNC": "inline",  # apply the outbox right after each commit, in-process
        "WTF_CSRF_ENABLED": True,
    }


@pytest.fixture(scope="session")
def template_database(tmp_path_factory) -> Path:
    """An SQLite file with the migrated schema and the seeded reference data."""
    from flask_migrate import upgrade

    folder = tmp_path_factory.mktemp("template")
    database_file = folder / "template.sqlite3"
    app = create_app(make_config(folder, database_file))
    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "app" / "migrations"))
        seed_reference_data()
        db.engine.dispose()
    return database_file


@pytest.fixture
def app(tmp_path, template_database):
    """A fresh app on a copy of the template database and an empty index folder."""
    database_file = tmp_path / "test.sqlite3"
    shutil.copy(template_database, database_file)
    app = create_app(make_config(tmp_path, database_file))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


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

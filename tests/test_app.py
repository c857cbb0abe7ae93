"""The application factory, configuration and error pages."""

import os
import stat

from app import create_app
from app.extensions import db
from tests.conftest import sqlite_only


def test_secret_key_is_created_once_with_owner_only_permissions(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    first = create_app({"TESTING": True})
    key_file = os.path.join(first.instance_path, "secret_key")
    second = create_app({"TESTING": True})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_environment_configures_database_index_and_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    monkeypatch.setenv("SEARCH_INDEX_DIR", str(tmp_path / "idx"))
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("x.sqlite3")
    assert app.config["SEARCH_INDEX_DIR"] == str(tmp_path / "idx")
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert not app.debug


@sqlite_only
def test_sqlite_runs_in_wal_mode_with_foreign_keys(app):
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_unknown_page_gets_a_german_error_page(client):
    response = client.get("/gibt-es-nicht")
    assert response.status_code == 404
    assert "Diese Seite gibt es nicht" in response.get_data(as_text=True)
    assert response.mimetype == "text/html"


def test_unknown_api_path_answers_json(client):
    response = client.get("/api/v1/gibt-es-nicht")
    assert response.status_code == 404
    assert response.is_json
    assert "error" in response.get_json()


def test_home_page_is_german_and_lists_demo_entries(client, demo_content):
    from sqlalchemy import select

    from app.practices.models import Practice

    assert demo_content.created >= 24
    newest = db.session.scalars(
        select(Practice).where(Practice.visibility == "public")
        .order_by(Practice.published_at.desc(), Practice.title)).first()
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="de">' in page
    assert newest.title in page

"""Defects found by an outside probe (issue 10): user input never answers 500."""

from pathlib import Path

import pytest
from sqlalchemy import text

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

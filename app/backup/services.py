"""Write every table into a zip archive of JSON lines, and read it back.

The archive is independent of the database engine (SQLite or PostgreSQL): one file per
table in dependency order, plus a manifest with the schema revision, so a backup of one
installation restores onto an empty one of either kind.
"""

from __future__ import annotations

import base64
import json
import os
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Date, DateTime, LargeBinary, func, insert, select, text

from app.accounts.models import User
from app.extensions import db
from app.practices.models import Practice
from app.uploads.services import archive_files, remove_restored, restore_files

FORMAT_VERSION = 1
SKIPPED_TABLES = {"alembic_version"}


class BackupError(Exception):
    """The archive cannot be restored here (message in German)."""


def _encode(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _decode(column, value):
    if value is None:
        return None
    if isinstance(column.type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    if isinstance(column.type, LargeBinary):
        return base64.b64decode(value)
    return value


def _tables():
    return [t for t in db.metadata.sorted_tables if t.name not in SKIPPED_TABLES]


def _schema_revision() -> str | None:
    return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()


def create_backup(target: Path, progress: Callable[[int, int], None] | None = None) -> int:
    """Write the whole database to target (a .zip); return the number of rows written."""
    tables = _tables()
    rows_written = 0
    temporary = target.with_name(target.name + ".tmp")
    # Owner-only from the first byte: the archive holds password hashes and the audit log.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "wb") as handle, zipfile.ZipFile(
            handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for number, table in enumerate(tables, 1):
            lines = []
            for row in db.session.execute(select(table).order_by(*table.primary_key.columns)):
                lines.append(json.dumps({k: _encode(v) for k, v in row._mapping.items()},
                                        ensure_ascii=False))
            archive.writestr(f"tables/{table.name}.jsonl", "\n".join(lines))
            rows_written += len(lines)
            if progress:
                progress(number, len(tables))
        archive_files(archive)  # uploaded pictures and documents, under uploads/
        manifest = {"format": FORMAT_VERSION, "schema_revision": _schema_revision(),
                    "tables": [t.name for t in tables], "created_at": datetime.now().isoformat()}
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    temporary.replace(target)
    return rows_written


def _is_empty() -> bool:
    return not (db.session.scalar(select(func.count()).select_from(Practice))
                or db.session.scalar(select(func.count()).select_from(User)))


def restore_backup(source: Path, progress: Callable[[int, int], None] | None = None) -> int:
    """Load an archive into an empty, migrated database in one transaction; return rows."""
    try:
        archive = zipfile.ZipFile(source)
        manifest = json.loads(archive.read("manifest.json"))
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise BackupError(f"{source} ist keine Sicherung dieser Anwendung.") from error
    if manifest.get("schema_revision") != _schema_revision():
        raise BackupError("Die Sicherung stammt von einem anderen Datenbankschema "
                          f"({manifest.get('schema_revision')}); bitte erst aktualisieren.")
    if not _is_empty():
        raise BackupError("Die Datenbank enthält schon Lösungsansätze oder Konten; "
                          "eine Sicherung wird nur in eine leere Installation eingespielt.")
    tables = _tables()
    restored = 0
    restored_files: list[Path] = []
    try:
        # Reference data seeded by `init` is replaced by the backup's own rows.
        for table in reversed(tables):
            db.session.execute(table.delete())
        for number, table in enumerate(tables, 1):
            raw = archive.read(f"tables/{table.name}.jsonl").decode() \
                if f"tables/{table.name}.jsonl" in archive.namelist() else ""
            rows = [{name: _decode(table.columns[name], value)
                     for name, value in json.loads(line).items()}
                    for line in raw.splitlines() if line]
            if rows:
                db.session.execute(insert(table), rows)
            restored += len(rows)
            if progress:
                progress(number, len(tables))
        _reset_sequences(tables)
        restored_files = restore_files(archive)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        remove_restored(restored_files)
        raise
    return restored


def _reset_sequences(tables) -> None:
    """PostgreSQL: move id sequences past the restored ids (SQLite needs nothing)."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in tables:
        for column in table.primary_key.columns:
            if column.autoincrement is True or (
                    column.autoincrement == "auto" and len(table.primary_key.columns) == 1
                    and column.type.python_type is int):
                highest = db.session.scalar(select(func.max(column))) or 0
                db.session.execute(
                    text("SELECT setval(pg_get_serial_sequence(:table, :column), :next, false)"),
                    {"table": table.name, "column": column.name, "next": highest + 1})

"""`flask practices import|export` (SPEC §3)."""

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import text

from app import search
from app.extensions import db
from app.practices.services import collect_practice_files, export_practices, import_practices
from app.progress import Progress

practices_cli = AppGroup("practices", help="Lösungsansätze importieren und exportieren.")


IMPORT_LOCK_KEY = 7_201_010  # PostgreSQL advisory lock: one import at a time


@contextmanager
def import_lock() -> Iterator[None]:
    """One import at a time, from its first read to its commit, so counts stay true.

    SQLite: an exclusive file lock next to the database file; PostgreSQL: an advisory lock
    held by the import's own transaction (released by its commit or rollback).
    """
    url = db.engine.url
    if url.get_backend_name() == "postgresql":
        db.session.rollback()
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK_KEY})
        try:
            yield
        finally:
            db.session.rollback()
        return
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        yield
        return
    lock_path = Path(f"{url.database}.import-lock")
    with open(lock_path, "a") as handle:
        lock_path.chmod(0o600)
        fcntl.flock(handle, fcntl.LOCK_EX)  # waits for a running import
        try:
            db.session.rollback()  # nothing read before the lock counts
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@practices_cli.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def import_command(path: Path) -> None:
    """Import a practice file or a folder of them, all or nothing."""
    progress = Progress("Import")
    with import_lock():
        report = import_practices(collect_practice_files(path), progress=progress)
    progress.close()
    for error in report.errors:
        click.echo(str(error), err=True)
    if not report.ok:
        click.echo(report.summary(), err=True)
        raise SystemExit(1)
    progress = Progress("Suchindex")
    search.apply_bulk_changes(progress)
    progress.close()
    click.echo(report.summary())


@practices_cli.command("export")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
def export_command(path: Path) -> None:
    """Write every practice as a SPEC §2 file into PATH."""
    progress = Progress("Export")
    count = export_practices(path, progress=progress)
    progress.close()
    click.echo(f"{count} Lösungsansätze nach {path} exportiert.")

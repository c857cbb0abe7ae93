"""`flask practices import|export` (SPEC §3)."""

from pathlib import Path

import click
from flask.cli import AppGroup

from app import search
from app.practices.services import collect_practice_files, export_practices, import_practices
from app.progress import Progress

practices_cli = AppGroup("practices", help="Lösungsansätze importieren und exportieren.")


@practices_cli.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def import_command(path: Path) -> None:
    """Import a practice file or a folder of them, all or nothing."""
    progress = Progress("Import")
    report = import_practices(collect_practice_files(path), progress=progress)
    progress.close()
    for error in report.errors:
        click.echo(str(error), err=True)
    if not report.ok:
        click.echo(report.summary(), err=True)
        raise SystemExit(1)
    search.apply_pending_changes()
    click.echo(report.summary())


@practices_cli.command("export")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
def export_command(path: Path) -> None:
    """Write every practice as a SPEC §2 file into PATH."""
    progress = Progress("Export")
    count = export_practices(path, progress=progress)
    progress.close()
    click.echo(f"{count} Lösungsansätze nach {path} exportiert.")

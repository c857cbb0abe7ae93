"""`flask backup create|restore`."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from app.backup.services import BackupError, create_backup, restore_backup
from app.extensions import db
from app.progress import Progress
from app.search import store_for_app
from app.search.sync import reindex

backup_cli = AppGroup("backup", help="Sicherung der gesamten Wissensbasis.")


@backup_cli.command("create")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def create_command(path: Path) -> None:
    """Write the whole database into the archive PATH (.zip)."""
    progress = Progress("Sicherung")
    rows = create_backup(path, progress=progress)
    progress.close()
    click.echo(f"Sicherung mit {rows} Datensätzen nach {path} geschrieben.")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(path: Path) -> None:
    """Restore the archive PATH into an empty installation (after `flask init`)."""
    progress = Progress("Wiederherstellung")
    try:
        rows = restore_backup(path, progress=progress)
    except BackupError as error:
        progress.close()
        raise click.ClickException(str(error)) from error
    progress.close()
    with Session(db.engine) as session:
        reindex(store_for_app(current_app), session)
    click.echo(f"{rows} Datensätze wiederhergestellt; Suchindex neu aufgebaut.")

"""`flask init`: create or upgrade the schema and seed the reference data."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from app.seed import seed_reference_data


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create or upgrade the database schema (Alembic) and seed the taxonomies; idempotent."""
    # "heads": parallel branches of migrations (one per feature) all apply.
    upgrade(directory=str(Path(current_app.root_path) / "migrations"), revision="heads")
    added = seed_reference_data()
    click.echo(f"Datenbank ist aktuell; {added} Stammdaten ergänzt.")

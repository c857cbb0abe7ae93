"""`flask search reindex|worker|check`."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from app.extensions import db
from app.progress import Progress
from app.search import store_for_app
from app.search.sync import IndexBehindOutbox, check, drain, reindex, repair

search_cli = AppGroup("search", help="Suchindex neu aufbauen, prüfen und aktuell halten.")


@search_cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the index from the database into a new folder and switch atomically."""
    progress = Progress("Suchindex")
    started = time.perf_counter()
    with Session(db.engine) as session:
        count = reindex(store_for_app(current_app), session, progress=progress)
    progress.close()
    click.echo(f"{count} Lösungsansätze in {time.perf_counter() - started:.1f} s indiziert.")


@search_cli.command("worker")
@click.option("--interval", default=0.5, show_default=True, help="Sekunden zwischen Prüfungen")
@click.option("--once", is_flag=True, help="Nur einmal abarbeiten und beenden")
def worker_command(interval: float, once: bool) -> None:
    """Apply the search outbox continuously (for deployments with several processes).

    An index that lost rows it needed to pruning (a new folder, or one not updated for
    CONSUMER_TTL) is rebuilt here; web processes only log it and /healthz fails.
    """
    store = store_for_app(current_app)
    while True:
        with Session(db.engine) as session:
            try:
                applied = drain(store, session)
            except IndexBehindOutbox as error:  # rows it needs were pruned: rebuild it
                click.echo(f"Suchindex wird neu aufgebaut: {error}")
                click.echo(f"{reindex(store, session)} Lösungsansätze indiziert.")
                applied = 0
        if applied:
            click.echo(f"{applied} Änderungen in den Suchindex übernommen.")
        if once:
            return
        time.sleep(interval)


@search_cli.command("check")
@click.option("--repair/--no-repair", "do_repair", default=True, show_default=True,
              help="Abweichungen gleich beheben")
def check_command(do_repair: bool) -> None:
    """Compare database and index as a rebuild would make them; repair (exit 1 if any remain)."""
    store = store_for_app(current_app)
    with Session(db.engine) as session:
        drain(store, session)
        report = check(store, session)
        click.echo(f"fehlend: {len(report.missing)}, überzählig: {len(report.extra)}, "
                   f"veraltet: {len(report.stale)}")
        if report.vocabulary:
            click.echo(f"Wortschatz weicht bei {len(report.vocabulary)} Wörtern von einem "
                       f"Neuaufbau ab (Rangfolge und Vorschläge wären anders).")
        for slug in report.slugs[:50]:
            click.echo(f"  {slug}")
        if report.ok:
            click.echo("Suchindex und Datenbank stimmen überein.")
            return
        if not do_repair:
            raise SystemExit(1)
        repair(store, session, report)
        store.invalidate()
        if not check(store, session).ok:
            click.echo("Reparatur unvollständig.", err=True)
            raise SystemExit(1)
        click.echo("Abweichungen behoben.")

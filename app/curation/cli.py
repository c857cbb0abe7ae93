"""`flask reminders send`: monthly e-mails about entries not checked for a year (for cron)."""

import sys

import click
from flask.cli import AppGroup

from app.curation.freshness import send_reminders

reminders_cli = AppGroup("reminders", help="Erinnerungen an die Prüfung alter Einträge.")


@reminders_cli.command("send")
def send_command() -> None:
    """Remind representatives of entries unchecked for 12 months (at most monthly)."""
    report = send_reminders()
    if sys.stdout.isatty():  # cron gets only the summary
        for line in report.lines:
            click.echo(line)
    click.echo(report.summary())
    if report.mails_failed:
        sys.exit(1)

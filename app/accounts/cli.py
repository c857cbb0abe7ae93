"""`flask users create|deactivate|set-role|password-link|list` (SPEC §3)."""

import sys
from typing import NoReturn

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.accounts import services
from app.accounts.models import ROLE_LABELS, ROLES, User
from app.extensions import db

users_cli = AppGroup("users", help="Konten anlegen und verwalten.")


def _fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    raise SystemExit(1)


def _read_password() -> str:
    """One line from standard input; asked twice without echo when it is a terminal."""
    if sys.stdin.isatty():
        return click.prompt("Passwort (leer lassen für einen Einmal-Link)", default="",
                            hide_input=True, confirmation_prompt="Passwort wiederholen",
                            show_default=False)
    return sys.stdin.readline().rstrip("\r\n")


def _municipality(name: str | None, create: bool):
    if not name:
        return None
    if create:
        from app.municipalities.models import NAME_MAX
        from app.municipalities.services import get_or_create_municipality

        services.check_length(name, NAME_MAX, "Der Name der Kommune")
        return get_or_create_municipality(name)
    try:
        return services.require_municipality(name)
    except services.AccountError as error:
        raise services.AccountError(
            f"{error} Mit --create-municipality wird sie neu angelegt.") from error


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Vor- und Nachname.")
@click.option("--role", required=True, type=click.Choice(ROLES), help="Rolle des Kontos.")
@click.option("--municipality", help="Kommune, genau wie geschrieben (für Vertreter*innen).")
@click.option("--create-municipality", is_flag=True,
              help="Die Kommune anlegen, wenn es sie noch nicht gibt.")
def create_command(email: str, name: str, role: str, municipality: str | None,
                   create_municipality: bool) -> None:
    """Create an account; the password comes from stdin, or a one-time link is printed."""
    try:
        place = _municipality(municipality, create_municipality)
        password = _read_password()
        user, link = services.create_user(email, name, role, place, password or None)
    except services.AccountError as error:
        db.session.rollback()
        _fail(f"Fehler: {error}")
    where = f", {user.municipality.name}" if user.municipality else ""
    click.echo(f"Konto angelegt: {user.email} ({ROLE_LABELS[user.role]}{where}).")
    if link:
        click.echo("Einmal-Link zum Setzen des Passworts (72 Stunden gültig, nur einmal "
                   "benutzbar):")
        click.echo(link)


@users_cli.command("password-link")
@click.argument("email")
def password_link_command(email: str) -> None:
    """Print a new one-time link to set the password (e.g. when it was forgotten)."""
    try:
        user = services.require_user(email)
    except services.AccountError as error:
        _fail(f"Fehler: {error}")
    if not user.active:
        _fail("Fehler: Das Konto ist deaktiviert.")
    click.echo(services.issue_password_link(user))


@users_cli.command("deactivate")
@click.argument("email")
def deactivate_command(email: str) -> None:
    """Deactivate an account; its sessions end at once."""
    try:
        user = services.deactivate_user(services.require_user(email))
    except services.AccountError as error:
        _fail(f"Fehler: {error}")
    click.echo(f"Konto deaktiviert: {user.email}.")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
@click.option("--municipality", help="Kommune, genau wie geschrieben.")
def set_role_command(email: str, role: str, municipality: str | None) -> None:
    """Change the role (and municipality) of an account."""
    try:
        user = services.require_user(email)
        services.set_role(user, role, _municipality(municipality, create=False))
    except services.AccountError as error:
        db.session.rollback()
        _fail(f"Fehler: {error}")
    click.echo(f"Rolle von {user.email}: {ROLE_LABELS[user.role]}.")


@users_cli.command("list")
def list_command() -> None:
    """List all accounts."""
    for user in db.session.scalars(select(User).order_by(User.email)):
        state = "" if user.active else " [deaktiviert]"
        where = f", {user.municipality.name}" if user.municipality else ""
        click.echo(f"{user.email}\t{user.name}\t{ROLE_LABELS[user.role]}{where}{state}")

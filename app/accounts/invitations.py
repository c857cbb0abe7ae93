"""Invitations by e-mail: an organiser names address, role and municipality; the person
accepts a one-time link within 7 days, sets a password and is signed in.

Only the SHA-256 of a link's token is stored. Each write commits once with its audit row.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app, render_template
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.accounts import throttle
from app.accounts.audit import client_address, log_security_event
from app.accounts.models import NAME_MAX, ROLE_LABELS, ROLES, Invitation, User
from app.accounts.passwords import hash_password, password_problem
from app.accounts.services import (
    AccountError,
    _check_role,
    _renew_session,
    _token_digest,
    check_length,
    find_user,
    normalise_email,
)
from app.extensions import db
from app.mail import send_mail
from app.municipalities.models import Municipality
from app.timeutil import utcnow

INVITATION_LIFETIME = timedelta(days=7)
MAX_TOKEN_LENGTH = 100


def invitation_link(token: str) -> str:
    base = current_app.config["BASE_URL"].rstrip("/")
    return f"{base}/konto/einladung/{token}"


def pending_invitations() -> list[Invitation]:
    """Invitations neither accepted, revoked nor expired, the newest first."""
    now = utcnow()
    return list(db.session.scalars(select(Invitation).where(
        Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
        Invitation.expires_at > now).order_by(Invitation.created_at.desc(), Invitation.id.desc())))


def _refuse_existing_account(email: str) -> None:
    if find_user(email) is not None:
        raise AccountError(_("Für die Adresse „%(email)s“ gibt es schon ein Konto. Ändern Sie "
                             "bei Bedarf dessen Rolle in der Personenliste.", email=email))


def _revoke_pending_for(email: str) -> None:
    """A new invitation replaces earlier pending ones for the same address."""
    db.session.execute(update(Invitation).where(
        func.lower(Invitation.email) == email, Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None)).values(revoked_at=utcnow()))


def _new_token(invitation: Invitation) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    invitation.token_hash = _token_digest(token)
    invitation.created_at = now
    invitation.expires_at = now + INVITATION_LIFETIME
    return token


def invite(email: str, role: str, municipality: Municipality | None, name: str,
           invited_by: User) -> tuple[Invitation, bool]:
    """Create and mail an invitation; return it and whether the mail went out."""
    email = normalise_email(email)
    _refuse_existing_account(email)
    _check_role(role, municipality)
    check_length(name.strip(), NAME_MAX, _("Der Name"))
    _revoke_pending_for(email)
    invitation = Invitation(email=email, name=name.strip(), role=role,
                            municipality=municipality, invited_by=invited_by)
    token = _new_token(invitation)
    db.session.add(invitation)
    log_security_event("invitation_created", target=email, details={
        "role": role, "municipality": municipality.name if municipality else None})
    db.session.commit()
    return invitation, _send(invitation, token)


def resend(invitation: Invitation) -> bool:
    """A fresh link (the old one stops working) and 7 more days; mail it again."""
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise AccountError(_("Diese Einladung ist nicht mehr offen."))
    _refuse_existing_account(invitation.email)
    token = _new_token(invitation)
    log_security_event("invitation_resent", target=invitation.email)
    db.session.commit()
    return _send(invitation, token)


def revoke(invitation: Invitation) -> None:
    """Withdraw a pending invitation: its link stops working at once."""
    if invitation.accepted_at is not None:
        raise AccountError(_("Diese Einladung wurde schon angenommen."))
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        log_security_event("invitation_revoked", target=invitation.email)
    db.session.commit()


def _send(invitation: Invitation, token: str) -> bool:
    """Mail the link (after the commit); False when the mail server refused."""
    body = render_template(
        "accounts/mail/invitation.txt", invitation=invitation, link=invitation_link(token),
        role_label=_(ROLE_LABELS[invitation.role]),
        days=INVITATION_LIFETIME.days,
        inviter=invitation.invited_by.name if invitation.invited_by else None)
    subject = _("Einladung zur Wissensbasis „Kommunen for future“")
    return send_mail(invitation.email, subject, body)


def usable_invitation(token: str) -> Invitation | None:
    """The pending invitation of this link, or None (unknown, used, revoked, expired)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == _token_digest(token)))
    if invitation is None or not invitation.is_pending(utcnow()):
        return None
    return invitation


def token_guessing_blocked() -> bool:
    return throttle.is_blocked(token_ip=client_address())


def record_bad_token() -> None:
    """Count a wrong, used or expired invitation link against the caller's address."""
    throttle.record_failure(token_ip=client_address())
    log_security_event("invitation_link_invalid")
    db.session.commit()


def accept(invitation: Invitation, name: str, password: str) -> User:
    """Create the account with the invitation's role and municipality; sign the person in."""
    name = name.strip()
    if not name:
        raise AccountError(_("Bitte geben Sie Ihren Namen an."))
    check_length(name, NAME_MAX, _("Der Name"))
    _refuse_existing_account(invitation.email)
    problem = password_problem(password, invitation.email, name)
    if problem:
        raise AccountError(problem)
    now = utcnow()
    # Claim the invitation in one conditional UPDATE: of two simultaneous acceptances only
    # one creates the account.
    claimed = db.session.execute(update(Invitation).where(
        Invitation.id == invitation.id, Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None), Invitation.expires_at > now).values(accepted_at=now))
    if claimed.rowcount != 1:
        db.session.rollback()
        raise AccountError(_("Diese Einladung wurde inzwischen benutzt oder zurückgezogen."))
    user = User(email=invitation.email, name=name, role=invitation.role,
                municipality=invitation.municipality, password_hash=hash_password(password),
                last_login_at=now)
    db.session.add(user)
    db.session.flush()
    log_security_event("invitation_accepted", actor=user, target=user.email, details={
        "role": user.role, "municipality": user.municipality.name if user.municipality else None,
        "invited_by": invitation.invited_by.email if invitation.invited_by else None})
    db.session.commit()
    _renew_session(user, signed_in_at=datetime.now(UTC).timestamp())
    return user


__all__ = ["INVITATION_LIFETIME", "ROLES", "accept", "invitation_link", "invite",
           "pending_invitations", "record_bad_token", "resend", "revoke",
           "token_guessing_blocked", "usable_invitation"]

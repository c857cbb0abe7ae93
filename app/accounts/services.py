"""Writes for accounts: creating users, passwords, one-time links, sign-in and sign-out.

Every public function that writes commits once. Views and commands stay thin.
"""

import difflib
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template, session
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy import func, select, update

from app.accounts import throttle
from app.accounts.audit import client_address, log_security_event
from app.accounts.models import (
    CONTACT_ROLE_MAX,
    NAME_MAX,
    PHONE_MAX,
    ROLES,
    PasswordToken,
    User,
)
from app.accounts.passwords import hash_password, password_problem, verify_password
from app.extensions import db
from app.mail import send_mail
from app.municipalities.models import Municipality
from app.timeutil import utcnow

TOKEN_LIFETIME = timedelta(hours=72)
RESET_LIFETIME = timedelta(hours=2)  # a link asked for by "Passwort vergessen?"


class AccountError(ValueError):
    """A German message for the person at the keyboard."""


class ThrottledError(Exception):
    """Too many failed attempts for this account or address: answer 429."""


@dataclass(frozen=True)
class SignInResult:
    user: User | None = None
    throttled: bool = False


# --- look-ups ---------------------------------------------------------------------------

def normalise_email(email: str) -> str:
    """Validate the syntax and return the address in lower case (one account per address)."""
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise AccountError(_("Die E-Mail-Adresse „%(email)s“ ist ungültig.", email=email)) \
            from error
    return result.normalized.lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(
        select(User).where(func.lower(User.email) == email.strip().lower()))


def require_user(email: str) -> User:
    user = find_user(email)
    if user is None:
        raise AccountError(_("Es gibt kein Konto mit der E-Mail-Adresse „%(email)s“.",
                             email=email))
    return user


def find_municipality(name: str) -> Municipality | None:
    return db.session.scalar(select(Municipality).where(Municipality.name == name))


def require_municipality(name: str) -> Municipality:
    """The municipality of exactly this name, or an error naming close matches."""
    municipality = find_municipality(name)
    if municipality is not None:
        return municipality
    names = db.session.scalars(select(Municipality.name)).all()
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    message = _("Die Kommune „%(name)s“ ist unbekannt.", name=name)
    if close:
        message += " " + _("Meinten Sie: %(names)s?", names=", ".join(f"„{n}“" for n in close))
    raise AccountError(message)


# --- one-time links -----------------------------------------------------------------------

def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_password_token(user: User, lifetime: timedelta = TOKEN_LIFETIME) -> str:
    """Add a one-time token for the user (not committed); return the token itself."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(PasswordToken(user=user, token_hash=_token_digest(token), created_at=now,
                                 expires_at=now + lifetime))
    return token


def password_link(token: str) -> str:
    base = current_app.config["BASE_URL"].rstrip("/")
    return f"{base}/konto/passwort-setzen/{token}"


def issue_password_link(user: User) -> str:
    """Create a fresh one-time link for an existing account; earlier links stop working."""
    _expire_tokens(user)
    token = _new_password_token(user)
    log_security_event("password_link_issued", target=user.email)
    db.session.commit()
    return password_link(token)


def request_password_reset(email: str) -> None:
    """"Passwort vergessen?": mail a one-time link when the address has an active account.

    Callers answer the same whatever happens here, so nobody learns whether an account
    exists; the mail is sent in the background, so a slow mail server does not tell either.
    Earlier links stay valid (a stranger's request must not spoil the owner's link); using
    any link spends them all. Raises ThrottledError beyond the reset limits.
    """
    key, address = email.strip().lower()[:254], client_address()
    if throttle.reserve_attempt(reset_account=key, reset_ip=address) is None:  # counted
        log_security_event("password_reset_throttled", target=key, commit=True)
        raise ThrottledError
    user = find_user(key)
    known = user is not None and user.active
    token = _new_password_token(user, RESET_LIFETIME) if known else None
    log_security_event("password_reset_requested", target=key,
                       details={"account_exists": known})
    db.session.commit()
    if token is not None:
        body = render_template("accounts/mail/password_reset.txt", user=user,
                               link=password_link(token),
                               hours=int(RESET_LIFETIME.total_seconds() // 3600))
        subject = _("Kommunen for future: Ihr Link zum Setzen des Passworts")
        send_mail(user.email, subject, body, background=True)


def _expire_tokens(user: User) -> None:
    db.session.execute(
        update(PasswordToken)
        .where(PasswordToken.user_id == user.id, PasswordToken.used_at.is_(None))
        .values(used_at=utcnow()))


def usable_token(token: str) -> PasswordToken | None:
    """The stored token for this one-time link, if it is unused, unexpired and active."""
    if not token or len(token) > 100:
        return None
    stored = db.session.scalar(
        select(PasswordToken).where(PasswordToken.token_hash == _token_digest(token)))
    if stored is None or not stored.is_usable(utcnow()):
        return None
    return stored


def record_bad_token() -> None:
    """Count a wrong or expired one-time link against the caller's address."""
    throttle.record_failure(token_ip=client_address())
    log_security_event("password_link_invalid")
    db.session.commit()


def set_password_with_token(stored: PasswordToken, password: str) -> User:
    """Use a one-time link: set the password, spend the link, end old sessions."""
    user = stored.user
    _check_policy(password, user)
    user.password_hash = hash_password(password)
    user.session_version += 1
    _expire_tokens(user)
    log_security_event("password_set", actor=user, target=user.email, details={"via": "link"})
    db.session.commit()
    return user


# --- accounts -----------------------------------------------------------------------------

def _check_policy(password: str, user: User) -> None:
    problem = password_problem(password, user.email, user.name)
    if problem:
        raise AccountError(problem)


def check_length(value: str, limit: int, what: str) -> None:
    """Refuse a value its column cannot hold (PostgreSQL would refuse it with an error)."""
    if len(value) > limit:
        raise AccountError(_("%(what)s darf höchstens %(n)d Zeichen lang sein (hat %(has)d).",
                             what=what, n=limit, has=len(value)))


def _check_role(role: str, municipality: Municipality | None) -> None:
    if role not in ROLES:
        raise AccountError(_("Unbekannte Rolle „%(role)s“. Möglich: %(roles)s.",
                             role=role, roles=", ".join(ROLES)))
    if role == "representative" and municipality is None:
        raise AccountError(_("Vertreter*innen brauchen eine Kommune (--municipality)."))


def create_user(email: str, name: str, role: str, municipality: Municipality | None = None,
                password: str | None = None) -> tuple[User, str | None]:
    """Create an account; without a password, return a one-time link to set one."""
    email = normalise_email(email)
    name = name.strip()
    if not name:
        raise AccountError(_("Bitte geben Sie einen Namen an."))
    check_length(name, NAME_MAX, _("Der Name"))
    if find_user(email) is not None:
        raise AccountError(_("Es gibt bereits ein Konto mit der E-Mail-Adresse „%(email)s“.",
                             email=email))
    _check_role(role, municipality)
    user = User(email=email, name=name, role=role, municipality=municipality)
    link = None
    if password:
        _check_policy(password, user)
        user.password_hash = hash_password(password)
    db.session.add(user)
    if not password:
        link = password_link(_new_password_token(user))
    db.session.flush()
    log_security_event("user_created", target=email, details={
        "role": role, "municipality": municipality.name if municipality else None,
        "with_link": link is not None})
    db.session.commit()
    return user, link


def set_role(user: User, role: str, municipality: Municipality | None = None) -> User:
    """Change a user's role (and municipality); the change is audited."""
    municipality = municipality or user.municipality
    _check_role(role, municipality)
    old_role = user.role
    old_municipality = user.municipality.name if user.municipality else None
    user.role = role
    user.municipality = municipality
    user.session_version += 1  # rights changed: sign in again
    log_security_event("role_changed", target=user.email, details={
        "old_role": old_role, "new_role": role, "old_municipality": old_municipality,
        "new_municipality": municipality.name if municipality else None})
    db.session.commit()
    return user


def deactivate_user(user: User) -> User:
    """Deactivate an account: its sessions and one-time links stop working at once."""
    user.active = False
    user.session_version += 1
    _expire_tokens(user)
    log_security_event("user_deactivated", target=user.email)
    db.session.commit()
    return user


def update_profile(user: User, name: str, contact_role: str, phone: str) -> User:
    """Save the own name and the defaults for an entry's contact (role, phone)."""
    values = {"name": name.strip(), "contact_role": contact_role.strip() or None,
              "phone": phone.strip() or None}
    if not values["name"]:
        raise AccountError(_("Bitte geben Sie Ihren Namen an."))
    check_length(values["name"], NAME_MAX, _("Der Name"))
    check_length(values["contact_role"] or "", CONTACT_ROLE_MAX, _("Die Funktion"))
    check_length(values["phone"] or "", PHONE_MAX, _("Die Telefonnummer"))
    changed = sorted(field for field, value in values.items() if getattr(user, field) != value)
    for field, value in values.items():
        setattr(user, field, value)
    if changed:
        log_security_event("profile_updated", target=user.email,
                           details={"fields": ", ".join(changed)})
    db.session.commit()
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change a password after checking the current one; other sessions end, this one stays."""
    if throttle.is_blocked(account=user.email, ip=client_address()):
        log_security_event("password_change_throttled", target=user.email, commit=True)
        raise ThrottledError
    if not verify_password(user.password_hash, current_password):
        throttle.record_failure(account=user.email, ip=client_address())
        log_security_event("password_change_failure", target=user.email,
                           details={"reason": "wrong current password"}, commit=True)
        raise AccountError(_("Das aktuelle Passwort ist nicht richtig."))
    _check_policy(new_password, user)
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    log_security_event("password_changed", target=user.email)
    db.session.commit()
    _renew_session(user, signed_in_at=session.get("signed_in_at"))


# --- sign-in and sign-out -------------------------------------------------------------------

def _renew_session(user: User, signed_in_at: float | None = None) -> None:
    """A fresh session for the user (new cookie content, current session version)."""
    session.clear()
    login_user(user)
    session["signed_in_at"] = signed_in_at or datetime.now(UTC).timestamp()


def sign_in(email: str, password: str) -> SignInResult:
    """Check the credentials under the throttle; on success start a fresh session."""
    address = client_address()
    attempt = throttle.reserve_attempt(account=email, ip=address)  # counted before checked
    if attempt is None:
        log_security_event("login_throttled", target=email[:254], commit=True)
        return SignInResult(throttled=True)
    user = find_user(email)
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok or not user.active:
        reason = "unknown account" if user is None else (
            "inactive account" if password_ok else "wrong password")
        log_security_event("login_failure", target=email[:254], details={"reason": reason})
        db.session.commit()
        return SignInResult()
    throttle.release_attempt(attempt)
    throttle.clear_failures("account", email)
    user.last_login_at = utcnow()
    log_security_event("login_success", actor=user, target=user.email)
    db.session.commit()
    _renew_session(user)
    return SignInResult(user=user)


def sign_out(user: User) -> None:
    """End every session of this user (version bump) and clear this one."""
    user.session_version += 1
    log_security_event("logout", actor=user, target=user.email)
    db.session.commit()
    logout_user()
    session.clear()

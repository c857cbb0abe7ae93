"""GDPR: a person's own data as JSON (Art. 15 and 20) and deletion of the account (Art. 17).

Entries belong to their municipality: deleting an account keeps them and every revision
and experience report, with the author removed (shown as "ehemaliges Konto", see
display.author_name). References to the account in any table are found in the metadata:
a nullable one is set to NULL, one declared ON DELETE CASCADE is deleted with the account
(one-time links, the Merkliste), and a required one without a cascade stops the deletion.
The audit log keeps its rows (legitimate interest in security, SECURITY.md 18) with the
actor unlinked. The export covers the same tables, so a new domain's rows are included.
"""

from datetime import date, datetime

from flask import session
from flask_babel import gettext as _
from flask_login import logout_user
from sqlalchemy import delete, func, inspect, or_, select, update

from app.accounts import throttle
from app.accounts.audit import client_address, log_security_event
from app.accounts.models import SecurityEvent, User
from app.accounts.passwords import verify_password
from app.accounts.services import AccountError, ThrottledError
from app.extensions import db
from app.practices.models import ExperienceReport, Practice, Revision
from app.timeutil import utcnow

# Internal to the sign-in machinery, or secret: never part of an export.
_PRIVATE_ACCOUNT_FIELDS = {"password_hash", "session_version"}
# Tables exported in their own section, or secret (one-time links' hashes).
_EXPORTED_ABOVE = {"user_account", "practice", "revision", "experience_report",
                   "security_event", "password_token"}


def _json_value(value):
    return value.isoformat() if isinstance(value, datetime | date) else value


def _columns(row, skip: set[str] = frozenset()) -> dict:
    """Every column of a row as JSON values (new columns are exported without a change)."""
    return {attr.key: _json_value(getattr(row, attr.key))
            for attr in inspect(row).mapper.column_attrs if attr.key not in skip}


def personal_data(user: User) -> dict:
    """Everything the knowledge base holds about this account, for "Meine Daten"."""
    return {
        "exported_at": _json_value(utcnow()),
        "account": {**_columns(user, _PRIVATE_ACCOUNT_FIELDS),
                    "municipality": user.municipality.name if user.municipality else None},
        "practices": [_practice(practice) for practice in db.session.scalars(
            select(Practice).where(Practice.author_id == user.id).order_by(Practice.slug))],
        "revisions": [_revision(revision) for revision in db.session.scalars(
            select(Revision).where(Revision.author_id == user.id)
            .order_by(Revision.created_at, Revision.id))],
        "experience_reports": [
            {"practice": report.practice.slug, **_columns(report, {"body_html"})}
            for report in db.session.scalars(
                select(ExperienceReport).where(ExperienceReport.author_id == user.id)
                .order_by(ExperienceReport.created_at, ExperienceReport.id))],
        "security_events": [_columns(event) for event in db.session.scalars(
            select(SecurityEvent).where(or_(
                SecurityEvent.actor_id == user.id,
                func.lower(SecurityEvent.target) == user.email.lower()))
            .order_by(SecurityEvent.created_at, SecurityEvent.id))],
        "other": _other_records(user),
    }


def _other_records(user: User) -> dict[str, list[dict]]:
    """Rows of every further table that points at the account (Merkliste, uploads, …)."""
    records: dict[str, list[dict]] = {}
    for table, foreign_key in _references_to_users():
        if table.name in _EXPORTED_ABOVE:
            continue
        rows = db.session.execute(select(table).where(foreign_key.parent == user.id))
        found = [{key: _json_value(value) for key, value in row.items()}
                 for row in rows.mappings()]
        if found:
            records.setdefault(table.name, []).extend(found)
    return records


def _practice(practice: Practice) -> dict:
    return {"slug": practice.slug, "title": practice.title,
            "municipality": practice.municipality.name, "publication": practice.publication,
            "created_at": _json_value(practice.created_at)}


def _revision(revision: Revision) -> dict:
    return {"practice": revision.practice.slug, "number": revision.number,
            "created_at": _json_value(revision.created_at), "note": revision.note}


def _references_to_users():
    """(table, foreign key) for every column in the schema that points at an account."""
    for table in db.metadata.sorted_tables:
        for foreign_key in table.foreign_keys:
            if foreign_key.column.table.name == User.__tablename__:
                yield table, foreign_key


def _blocking_references() -> list[str]:
    return [f"{table.name}.{fk.parent.name}" for table, fk in _references_to_users()
            if not fk.parent.nullable and (fk.ondelete or "").upper() != "CASCADE"]


def _detach(user_id: int) -> None:
    """Unlink every row that points at the account, or delete it where the schema says so."""
    for table, foreign_key in _references_to_users():
        column = foreign_key.parent
        if (foreign_key.ondelete or "").upper() == "CASCADE":
            db.session.execute(delete(table).where(column == user_id))
        else:
            db.session.execute(update(table).where(column == user_id).values({column.name: None}))


def check_deletion_password(user: User, password: str) -> None:
    """Refuse a wrong password (counted by the sign-in throttle) before deleting anything."""
    address = client_address()
    if throttle.is_blocked(account=user.email, ip=address):
        log_security_event("account_deletion_throttled", target=user.email, commit=True)
        raise ThrottledError
    if not verify_password(user.password_hash, password):
        throttle.record_failure(account=user.email, ip=address)
        log_security_event("account_deletion_failure", target=user.email,
                           details={"reason": "wrong password"}, commit=True)
        raise AccountError(_("Das Passwort ist nicht richtig."))


def delete_account(user: User, password: str) -> None:
    """Delete the own account after checking its password; entries stay, the session ends."""
    check_deletion_password(user, password)
    blocking = _blocking_references()
    if blocking:
        raise AccountError(_("Ihr Konto kann nicht automatisch gelöscht werden. Bitte wenden "
                             "Sie sich an das Organisationsteam."))
    counts = {"practices": _count(Practice, user), "revisions": _count(Revision, user),
              "experience_reports": _count(ExperienceReport, user)}
    log_security_event("account_deleted", actor=user, target=user.email, details=counts)
    db.session.flush()
    _detach(user.id)
    db.session.delete(user)
    db.session.commit()
    logout_user()
    session.clear()


def _count(model, user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(model).where(model.author_id == user.id)) or 0

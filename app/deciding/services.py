"""The Merkliste: in the session for anonymous readers, in the account for signed-in people.

Entries are kept by practice id (slugs could be renamed). What a reader may no longer see
(archived, members-only after sign-out, deleted) is filtered out on every read, silently.
"""

from __future__ import annotations

from flask import g, session
from flask_login import current_user
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.deciding.models import RememberedPractice
from app.extensions import db
from app.permissions import can_view_practice, is_signed_in
from app.practices.models import Practice

SESSION_KEY = "merkliste"
MAX_ENTRIES = 50  # a session cookie must stay small; nobody compares more


class MerklisteFull(ValueError):
    """The list already holds MAX_ENTRIES entries."""


def _account_ids(user_id: int) -> list[int]:
    return list(db.session.scalars(
        select(RememberedPractice.practice_id).where(RememberedPractice.user_id == user_id)
        .order_by(RememberedPractice.created_at, RememberedPractice.practice_id)))


def _session_ids() -> list[int]:
    raw = session.get(SESSION_KEY) or []
    return [value for value in raw if isinstance(value, int)]


def remembered_ids() -> list[int]:
    """Ids on the current reader's list, oldest first (visible or not)."""
    if is_signed_in():
        return _account_ids(current_user.id)
    return _session_ids()


def remembered_practices() -> list[Practice]:
    """The entries on the current reader's list that they may see, oldest first."""
    ids = remembered_ids()
    if not ids:
        return []
    rows = {row.id: row for row in db.session.scalars(select(Practice).where(Practice.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows and can_view_practice(None, rows[i])]


def remembered_slugs() -> set[str]:
    """Slugs on the list, once per request (for the buttons' state)."""
    if "remembered_slugs" not in g:
        g.remembered_slugs = {practice.slug for practice in remembered_practices()}
    return g.remembered_slugs


def remember(practice: Practice) -> bool:
    """Put an entry on the reader's list; False when it was there already."""
    g.pop("remembered_slugs", None)
    ids = remembered_ids()
    if practice.id in ids:
        return False
    if len(ids) >= MAX_ENTRIES:
        raise MerklisteFull
    if not is_signed_in():
        session[SESSION_KEY] = [*ids, practice.id]
        session.permanent = True  # the first reason for an anonymous cookie
        return True
    db.session.add(RememberedPractice(user_id=current_user.id, practice_id=practice.id))
    try:
        db.session.commit()
    except IntegrityError:  # the same click twice at once
        db.session.rollback()
        return False
    return True


def forget(practice_id: int) -> None:
    """Take an entry off the reader's list (nothing happens when it is not there)."""
    g.pop("remembered_slugs", None)
    if not is_signed_in():
        remaining = [i for i in _session_ids() if i != practice_id]
        if remaining != _session_ids():
            session[SESSION_KEY] = remaining
        return
    db.session.execute(delete(RememberedPractice).where(
        RememberedPractice.user_id == current_user.id,
        RememberedPractice.practice_id == practice_id))
    db.session.commit()


def merge_into_account(user, practice_ids: list[int]) -> int:
    """Add an anonymous list to an account at sign-in; returns how many were added."""
    ids = [i for i in practice_ids if isinstance(i, int)]
    if not ids:
        return 0
    present = set(_account_ids(user.id))
    existing = set(db.session.scalars(select(Practice.id).where(Practice.id.in_(ids))))
    room = MAX_ENTRIES - len(present)
    added = [i for i in dict.fromkeys(ids) if i in existing and i not in present][:max(room, 0)]
    db.session.add_all(RememberedPractice(user_id=user.id, practice_id=i) for i in added)
    db.session.commit()
    return len(added)

"""Writing to the search outbox, in the caller's transaction."""

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.extensions import db
from app.search.models import SearchChange

# PostgreSQL advisory lock key of the outbox ("kffsrch" in ASCII). Writers hold it shared
# from before their row's sequence number is drawn until their transaction ends; a drain
# that gets it exclusively (without waiting) knows that no sequence number up to the
# largest committed one is still open. See app/search/sync.py, settled_seq().
OUTBOX_LOCK = 0x6B666673726368


def hold_outbox_lock(session: Session) -> None:
    """Take the writers' shared outbox lock until this transaction ends (PostgreSQL only).

    Taken again for every row (a cheap no-op while held): remembering that it is held
    would go wrong after a rollback to a savepoint, which releases it.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": OUTBOX_LOCK})
    # SQLite has one writer at a time: its sequence numbers commit in order


def add_change(session: Session, slug: str) -> None:
    """Add an outbox row to a session's transaction."""
    hold_outbox_lock(session)
    session.add(SearchChange(practice_slug=slug))


def record_practice_change(slug: str) -> None:
    """Note that a practice changed; the index applies it after the commit."""
    add_change(db.session, slug)

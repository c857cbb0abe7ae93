"""The search outbox: a change log the index follows (see ARCHITECTURE.md)."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow


class SearchChange(db.Model):
    """One change to a practice, written in the same transaction as the change itself.

    Rows are never deleted when applied: each index remembers the last sequence number it
    applied, so several indexes can follow the same log. Applying a row re-reads the
    practice's current state, which makes replaying idempotent.
    """

    __tablename__ = "search_change"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    practice_slug: Mapped[str] = mapped_column(String(80), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

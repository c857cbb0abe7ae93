"""The organisers' choices: entries picked per module, and reminders about stale entries."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.practices.models import Practice
    from app.workshops.models import Module

NOTE_MAX = 1000


class ModulePick(db.Model):
    """An entry in a module's collection, at a position, with why it matters there."""

    __tablename__ = "module_pick"
    __table_args__ = (UniqueConstraint("module_id", "practice_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"),
                                           index=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"),
                                             index=True)
    position: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(String(NOTE_MAX), default="")
    added_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    module: Mapped[Module] = relationship()
    practice: Mapped[Practice] = relationship()
    added_by: Mapped[User | None] = relationship()


class ReviewReminder(db.Model):
    """When the representatives were last reminded to check an entry (at most monthly)."""

    __tablename__ = "review_reminder"

    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)

"""A signed-in person's remembered entries (the Merkliste kept in the account)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.practices.models import Practice
from app.timeutil import utcnow


class RememberedPractice(db.Model):
    """One entry on one person's Merkliste; the pair is unique (composite key)."""

    __tablename__ = "remembered_practice"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    practice: Mapped[Practice] = relationship()

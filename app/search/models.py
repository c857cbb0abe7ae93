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


class SynonymGroup(db.Model):
    """One line of the synonym list ("PV, Photovoltaik, Solarstrom" or "a => b, c").

    Seeded from data/synonyms.txt, edited by organisers; every process reloads the list
    when SynonymVersion's counter changes (app/search/synonym_store.py).
    """

    __tablename__ = "synonym_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(default=0, index=True)
    section: Mapped[str] = mapped_column(String(120), default="")
    terms: Mapped[str] = mapped_column(String(2000))


class SynonymVersion(db.Model):
    """A single row whose counter goes up with every change of the synonym groups."""

    __tablename__ = "synonym_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

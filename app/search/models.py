"""The search outbox: a change log the index follows (see ARCHITECTURE.md)."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow


class SearchChange(db.Model):
    """One change to a practice, written in the same transaction as the change itself.

    Each index remembers the last sequence number it applied, so several indexes can follow
    the same log; rows every index has applied are pruned (see SearchConsumer). Applying a
    row re-reads the practice's current state, which makes replaying idempotent.
    """

    __tablename__ = "search_change"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    practice_slug: Mapped[str] = mapped_column(String(80), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SearchConsumer(db.Model):
    """One index folder following the outbox, and how far it has applied it.

    ``seq`` is the consumer's watermark: every outbox row up to it that the index needs is
    applied (rows of sequence numbers still open for it lie above). A drain updates its row
    at most once a minute, a reindex registers its new folder before reading the database
    and removes the folder it replaced. Rows at or below the lowest watermark of the
    consumers seen within ``CONSUMER_TTL`` are deleted once they are ``PRUNE_AGE`` old; the
    row named ``(pruned)`` holds how far (app/search/sync.py, ``prune_outbox``).
    """

    __tablename__ = "search_consumer"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    seq: Mapped[int]
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)


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

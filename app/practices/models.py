"""Practices, their revisions and experience reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Column, Date, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.practices import states
from app.timeutil import utcnow

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.municipalities.models import Municipality
    from app.taxonomies.models import Lever, Topic
    from app.workshops.models import Module, Workshop

STATUSES = ("idee", "geplant", "in-umsetzung", "umgesetzt", "verstetigt", "eingestellt")
STATUS_LABELS = {
    "idee": "Idee",
    "geplant": "Geplant",
    "in-umsetzung": "In Umsetzung",
    "umgesetzt": "Umgesetzt",
    "verstetigt": "Verstetigt",
    "eingestellt": "Eingestellt",
}
PUBLICATION_STATES = states.STATES
PUBLICATION_LABELS = states.LABELS
VISIBILITIES = ("public", "members")
EFFORTS = ("gering", "mittel", "hoch")
EFFORT_LABELS = {"gering": "gering", "mittel": "mittel", "hoch": "hoch"}


def _link_table(name: str, other: str) -> Table:
    return Table(
        f"practice_{name}",
        db.metadata,
        Column("practice_id", ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True),
        Column(f"{other}_id", ForeignKey(f"{other}.id", ondelete="CASCADE"), primary_key=True),
    )


practice_lever = _link_table("lever", "lever")
practice_topic = _link_table("topic", "topic")
practice_module = _link_table("module", "module")
practice_workshop = _link_table("workshop", "workshop")


class PracticeSdg(db.Model):
    """One UN Sustainable Development Goal (1–17) a practice contributes to."""

    __tablename__ = "practice_sdg"

    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True
    )
    sdg: Mapped[int] = mapped_column(Integer, primary_key=True)


class Practice(db.Model):
    """A tried solution approach of one municipality (SPEC §2)."""

    __tablename__ = "practice"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    summary: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))
    publication: Mapped[str] = mapped_column(String(20), default=states.DRAFT, index=True)
    visibility: Mapped[str] = mapped_column(String(10), default="public")
    started: Mapped[int | None]
    costs_eur: Mapped[int | None]
    funding: Mapped[str | None] = mapped_column(Text)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_role: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(60))
    links: Mapped[list[str]] = mapped_column(JSON, default=list)
    effort: Mapped[str | None] = mapped_column(String(10))
    # Slugs, not foreign keys: a file may name an entry that is imported later.
    adopted_from: Mapped[list[str]] = mapped_column(JSON, default=list)
    reviewed: Mapped[date | None] = mapped_column(Date)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(index=True)

    municipality: Mapped[Municipality] = relationship(back_populates="practices")
    author: Mapped[User | None] = relationship()
    levers: Mapped[list[Lever]] = relationship(
        secondary=practice_lever, order_by="[Lever.position, Lever.slug]"
    )
    topics: Mapped[list[Topic]] = relationship(
        secondary=practice_topic, order_by="[Topic.position, Topic.slug]"
    )
    modules: Mapped[list[Module]] = relationship(
        secondary=practice_module, order_by="Module.number"
    )
    workshops: Mapped[list[Workshop]] = relationship(
        secondary=practice_workshop, order_by="[Workshop.date, Workshop.slug]"
    )
    sdg_links: Mapped[list[PracticeSdg]] = relationship(
        cascade="all, delete-orphan", order_by="PracticeSdg.sdg"
    )
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="practice", cascade="all, delete-orphan", order_by="Revision.number"
    )
    experience_reports: Mapped[list[ExperienceReport]] = relationship(
        back_populates="practice", cascade="all, delete-orphan",
        order_by="ExperienceReport.created_at",
        foreign_keys="ExperienceReport.practice_id",
    )

    @property
    def sdgs(self) -> list[int]:
        return [link.sdg for link in self.sdg_links]

    @property
    def is_published(self) -> bool:
        return states.is_readable(self.publication)

    def __repr__(self) -> str:
        return f"<Practice {self.slug}>"


class Revision(db.Model):
    """A kept state of a practice: every save records one, with who and when."""

    __tablename__ = "revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practice.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    source: Mapped[str] = mapped_column(String(20))  # import, web, api
    note: Mapped[str] = mapped_column(String(300), default="")
    # The complete entry in the SPEC §2 file format at this revision.
    content: Mapped[str] = mapped_column(Text)

    practice: Mapped[Practice] = relationship(back_populates="revisions")
    author: Mapped[User | None] = relationship()


class ExperienceReport(db.Model):
    """Another municipality's short report on trying a practice."""

    __tablename__ = "experience_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practice.id", ondelete="CASCADE"), index=True
    )
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    # "published" or "hidden" (by an organiser); values in app.practices.reports.
    publication: Mapped[str] = mapped_column(String(20), default="published")
    # uebernommen | angepasst | ausprobiert (app.practices.reports.OUTCOMES); None for old rows.
    outcome: Mapped[str | None] = mapped_column(String(20))
    # The reporting municipality's own entry that took the approach up.
    adopted_practice_id: Mapped[int | None] = mapped_column(
        ForeignKey("practice.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(default=utcnow)

    practice: Mapped[Practice] = relationship(
        back_populates="experience_reports", foreign_keys=[practice_id]
    )
    adopted_practice: Mapped[Practice | None] = relationship(foreign_keys=[adopted_practice_id])
    municipality: Mapped[Municipality | None] = relationship()
    author: Mapped[User | None] = relationship()

    @property
    def is_hidden(self) -> bool:
        from app.practices.reports import HIDDEN

        return self.publication == HIDDEN

    @property
    def outcome_label(self) -> str:
        from app.practices.reports import OUTCOME_LABELS

        return OUTCOME_LABELS.get(self.outcome or "", "")

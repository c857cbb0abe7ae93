"""Practices, their revisions and experience reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.ext.associationproxy import AssociationProxy, association_proxy
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.practices import states
from app.timeutil import utcnow

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.municipalities.models import Municipality
    from app.taxonomies.models import Lever, Topic
    from app.workshops.models import Module, Workshop

REVISION_NOTE_MAX = 300  # "Was wurde geändert?" (Revision.note)
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


class PracticeLever(db.Model):
    """A lever of a practice, in the order its authors wrote them (the first is the main one)."""

    __tablename__ = "practice_lever"

    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True)
    lever_id: Mapped[int] = mapped_column(
        ForeignKey("lever.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    lever: Mapped[Lever] = relationship(lazy="joined")


class PracticeTopic(db.Model):
    """A topic of a practice, in written order."""

    __tablename__ = "practice_topic"

    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    topic: Mapped[Topic] = relationship(lazy="joined")


class PracticeModule(db.Model):
    """A workshop module a practice belongs to, in written order."""

    __tablename__ = "practice_module"

    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True)
    module_id: Mapped[int] = mapped_column(
        ForeignKey("module.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    module: Mapped[Module] = relationship(lazy="joined")


class PracticeWorkshop(db.Model):
    """A workshop where a practice was discussed, in written order."""

    __tablename__ = "practice_workshop"

    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshop.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    workshop: Mapped[Workshop] = relationship(lazy="joined")


# The link tables, for queries that join or count them directly.
practice_lever = PracticeLever.__table__
practice_topic = PracticeTopic.__table__
practice_module = PracticeModule.__table__
practice_workshop = PracticeWorkshop.__table__


class PracticeSdg(db.Model):
    """One UN Sustainable Development Goal (1–17) a practice contributes to."""

    __tablename__ = "practice_sdg"

    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True
    )
    sdg: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(default=0, server_default="0")


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
    # SHA-256 of the file text this entry was last imported from; cleared by any other
    # change, so that a repeated import recognises unchanged files without parsing them.
    source_hash: Mapped[str | None] = mapped_column(String(64))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(index=True)

    municipality: Mapped[Municipality] = relationship(back_populates="practices")
    author: Mapped[User | None] = relationship()
    # Ordered links (SPEC §2: lists keep the order in which they were written); the
    # proxies read and assign the linked objects themselves.
    lever_links: Mapped[list[PracticeLever]] = relationship(
        cascade="all, delete-orphan", order_by="PracticeLever.position")
    topic_links: Mapped[list[PracticeTopic]] = relationship(
        cascade="all, delete-orphan", order_by="PracticeTopic.position")
    module_links: Mapped[list[PracticeModule]] = relationship(
        cascade="all, delete-orphan", order_by="PracticeModule.position")
    workshop_links: Mapped[list[PracticeWorkshop]] = relationship(
        cascade="all, delete-orphan", order_by="PracticeWorkshop.position")
    sdg_links: Mapped[list[PracticeSdg]] = relationship(
        cascade="all, delete-orphan", order_by="PracticeSdg.position"
    )
    levers: AssociationProxy[list[Lever]] = association_proxy("lever_links", "lever")
    topics: AssociationProxy[list[Topic]] = association_proxy("topic_links", "topic")
    modules: AssociationProxy[list[Module]] = association_proxy("module_links", "module")
    workshops: AssociationProxy[list[Workshop]] = association_proxy("workshop_links", "workshop")
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="practice", cascade="all, delete-orphan", order_by="Revision.number"
    )
    state_changes: Mapped[list[StateChange]] = relationship(
        back_populates="practice", cascade="all, delete-orphan", order_by="StateChange.id")
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
    note: Mapped[str] = mapped_column(String(REVISION_NOTE_MAX), default="")
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


class StateChange(db.Model):
    """One move of a practice between publication states: who, when, and why (a comment)."""

    __tablename__ = "practice_state_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practice.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    practice: Mapped[Practice] = relationship(back_populates="state_changes")
    actor: Mapped[User | None] = relationship()


class ParkedForm(db.Model):
    """What someone typed into an entry form when their session had expired.

    Kept server-side until they have signed in again, then put back into the form; only
    the SHA-256 of the one-time key in the sign-in link is stored.
    """

    __tablename__ = "parked_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(String(300))
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)

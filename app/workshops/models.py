"""Modules (Module 1–4) and workshops (Arbeitstreffen)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.municipalities.models import Municipality

TITLE_MAX = 200
PLACE_MAX = 200
DATE_NOTE_MAX = 200
FILE_TITLE_MAX = 300  # the title of a workshop's file


class Module(db.Model):
    """One of the four workshop modules of the circle."""

    __tablename__ = "module"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text, default="")
    date_label: Mapped[str] = mapped_column(String(100), default="")
    # The organisers' editorial introduction (Markdown) and its sanitised HTML.
    introduction: Mapped[str] = mapped_column(Text, default="", server_default="")
    introduction_html: Mapped[str] = mapped_column(Text, default="", server_default="")

    workshops: Mapped[list[Workshop]] = relationship(
        back_populates="module", order_by="Workshop.date"
    )

    def __repr__(self) -> str:
        return f"<Module {self.number}>"


class Workshop(db.Model):
    """A dated meeting of one module (or the kick-off), hosted by a municipality."""

    __tablename__ = "workshop"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    date: Mapped[date] = mapped_column(Date)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("module.id"))
    host_municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    place: Mapped[str] = mapped_column(String(200), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    agenda_html: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[str] = mapped_column(Text, default="", server_default="")
    minutes_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Said next to the date when it is not exact ("Frühjahr/Sommer 2020").
    date_note: Mapped[str] = mapped_column(String(DATE_NOTE_MAX), default="", server_default="")
    # Set by every organiser's save: the seed never changes a workshop edited by hand.
    edited_at: Mapped[datetime | None]

    module: Mapped[Module | None] = relationship(back_populates="workshops")
    host: Mapped[Municipality | None] = relationship()
    attachments: Mapped[list[WorkshopAttachment]] = relationship(
        back_populates="workshop", cascade="all, delete-orphan",
        order_by="WorkshopAttachment.position")

    @property
    def is_upcoming(self) -> bool:
        return self.date >= date.today()

    def __repr__(self) -> str:
        return f"<Workshop {self.slug}>"


class WorkshopAttachment(db.Model):
    """A file of a workshop (programme, slides); stored in UPLOAD_DIR like entries' files."""

    __tablename__ = "workshop_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    # Generated (uuid4 hex + extension), see app.uploads.storage.
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(FILE_TITLE_MAX), default="")
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int]
    uploader_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    position: Mapped[int] = mapped_column(default=0)

    workshop: Mapped[Workshop] = relationship(back_populates="attachments")
    uploader: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<WorkshopAttachment {self.stored_name}>"

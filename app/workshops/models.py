"""Modules (Module 1–4) and workshops (Arbeitstreffen)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db

if TYPE_CHECKING:
    from app.municipalities.models import Municipality


class Module(db.Model):
    """One of the four workshop modules of the circle."""

    __tablename__ = "module"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text, default="")
    date_label: Mapped[str] = mapped_column(String(100), default="")

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

    module: Mapped[Module | None] = relationship(back_populates="workshops")
    host: Mapped[Municipality | None] = relationship()

    def __repr__(self) -> str:
        return f"<Workshop {self.slug}>"

"""The municipality model and its size classes (SPEC §4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db

if TYPE_CHECKING:
    from app.practices.models import Practice

KINDS = ("Stadt", "Markt", "Gemeinde")
NAME_MAX = 200  # characters of a municipality's name
DISTRICT_MAX = 120  # Landkreis, Regierungsbezirk and Land

# (slug, UI label, lower bound inclusive, upper bound exclusive)
SIZE_CLASSES = [
    ("unter-2000", "unter 2.000 Einw.", 0, 2000),
    ("2000-5000", "2.000 – 5.000 Einw.", 2000, 5000),
    ("5000-10000", "5.000 – 10.000 Einw.", 5000, 10000),
    ("10000-25000", "10.000 – 25.000 Einw.", 10000, 25001),
    ("ueber-25000", "über 25.000 Einw.", 25001, None),
]
SIZE_CLASS_LABELS = {slug: label for slug, label, _, _ in SIZE_CLASSES}


def size_class(population: int | None) -> str | None:
    """Slug of the size class for a population, or None when unknown."""
    if population is None:
        return None
    for slug, _label, low, high in SIZE_CLASSES:
        if population >= low and (high is None or population < high):
            return slug
    return None


def kind_from_name(name: str) -> str | None:
    """'Stadt Musterau' -> 'Stadt'; None when the name carries no kind."""
    first = name.split(" ", 1)[0]
    return first if first in KINDS else None


class Municipality(db.Model):
    """A city, market town or municipality."""

    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), unique=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str | None] = mapped_column(String(20))
    district: Mapped[str | None] = mapped_column(String(DISTRICT_MAX))
    region: Mapped[str | None] = mapped_column(String(DISTRICT_MAX))  # Regierungsbezirk
    state: Mapped[str | None] = mapped_column(String(DISTRICT_MAX))
    population: Mapped[int | None]

    practices: Mapped[list[Practice]] = relationship(back_populates="municipality")

    @property
    def size_class(self) -> str | None:
        return size_class(self.population)

    def __repr__(self) -> str:
        return f"<Municipality {self.name}>"

"""The side-by-side comparison of 2–4 entries: validation, rows of facts, differences."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from app.deciding import sections
from app.extensions import db
from app.permissions import can_view_practice
from app.practices.models import Practice

MIN_ENTRIES = 2
MAX_ENTRIES = 4
_SLUG = re.compile(r"^[a-z0-9-]{1,80}$")

# (key, German label, compared?) in the order of the issue; free text is not compared.
ROWS = [
    ("municipality", "Kommune", True),
    ("status", "Stand und seit wann", True),
    ("costs", "Kosten", True),
    ("funding", "Finanzierung", True),
    ("effort", "Aufwand für die Verwaltung", True),
    ("levers", "Hebel", True),
    ("topics", "Handlungsfelder", True),
    ("results", "Ergebnisse und Wirkung", False),
    ("pitfalls", "Stolpersteine und Tipps", False),
    ("transfer", "Übertragbarkeit", False),
    ("contact", "Ansprechperson", False),
    ("workshops", "Besprochen bei", True),
]


class ComparisonError(ValueError):
    """A German message for a comparison that cannot be shown, with its HTTP status."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class Entry:
    """One compared practice with the extracts of its body."""

    practice: Practice
    extracts: dict[str, Markup] = field(default_factory=dict)


@dataclass
class Comparison:
    entries: list[Entry]
    differs: dict[str, bool]

    @property
    def slugs(self) -> list[str]:
        return [entry.practice.slug for entry in self.entries]


def clean_slugs(raw: list[str]) -> list[str]:
    """Stripped, de-duplicated slugs in the order given."""
    return list(dict.fromkeys(value.strip() for value in raw if value.strip()))


def load_entries(slugs: list[str]) -> list[Practice]:
    """The practices for 2–4 slugs the reader may see; ComparisonError otherwise."""
    if len(slugs) < MIN_ENTRIES:
        raise ComparisonError(_("Bitte wählen Sie mindestens zwei Lösungsansätze zum "
                                "Vergleichen aus."))
    if len(slugs) > MAX_ENTRIES:
        raise ComparisonError(_("Es lassen sich höchstens vier Lösungsansätze vergleichen. "
                                "Sie haben %(n)s gewählt.", n=len(slugs)))
    wanted = [slug for slug in slugs if _SLUG.match(slug)]
    rows = {row.slug: row for row in db.session.scalars(
        select(Practice).where(Practice.slug.in_(wanted)))} if wanted else {}
    missing = [slug for slug in slugs
               if slug not in rows or not can_view_practice(None, rows[slug])]
    if missing:
        raise ComparisonError(_("Diese Lösungsansätze gibt es nicht (oder nicht für Sie): "
                                "%(slugs)s", slugs=", ".join(missing)), status=404)
    return [rows[slug] for slug in slugs]


def _signature(practice: Practice) -> dict[str, object]:
    """Comparable values per compared row."""
    municipality = practice.municipality
    return {
        "municipality": (municipality.size_class, municipality.district),
        "status": (practice.status, practice.started),
        "costs": practice.costs_eur,
        "funding": (practice.funding or "").strip().casefold(),
        "effort": practice.effort,
        "levers": tuple(sorted(lever.slug for lever in practice.levers)),
        "topics": tuple(sorted(topic.slug for topic in practice.topics)),
        "workshops": tuple(sorted(workshop.slug for workshop in practice.workshops)),
    }


def _extracts(practice: Practice) -> dict[str, Markup]:
    body = practice.body or ""
    return {
        "results": sections.first_block_html(body, sections.RESULTS),
        "pitfalls": sections.first_block_html(body, sections.PITFALLS),
        "transfer": sections.first_block_html(body, sections.TRANSFER),
    }


def compare(raw_slugs: list[str]) -> Comparison:
    """Validate the slugs and build the comparison; raises ComparisonError."""
    practices = load_entries(clean_slugs(raw_slugs))
    signatures = [_signature(practice) for practice in practices]
    differs = {key: len({repr(sig[key]) for sig in signatures}) > 1
               for key, _label, compared in ROWS if compared}
    return Comparison(entries=[Entry(p, _extracts(p)) for p in practices], differs=differs)

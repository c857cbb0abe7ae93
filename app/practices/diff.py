"""A readable difference between two revisions: changed words per section, changed facts."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from app.practices.fileformat import PracticeData
from app.practices.forms import SECTIONS, split_body

# Metadata shown in the list of changed facts, with German labels.
FACT_LABELS = [
    ("title", "Titel"), ("municipality", "Kommune"), ("summary", "Zusammenfassung"),
    ("levers", "Hebel"), ("topics", "Handlungsfelder"), ("modules", "Module"),
    ("sdgs", "Nachhaltigkeitsziele"), ("status", "Stand"), ("started", "Beginn"),
    ("costs_eur", "Kosten (€)"), ("funding", "Finanzierung"), ("contact", "Ansprechperson"),
    ("workshops", "Arbeitstreffen"), ("links", "Links"), ("visibility", "Sichtbarkeit"),
    ("effort", "Aufwand"), ("adopted_from", "Übernommen von"),
]
_WORDS = re.compile(r"\s+|[^\s]+")


@dataclass
class FactChange:
    label: str
    old: str
    new: str


@dataclass
class SectionDiff:
    heading: str
    html: Markup  # the section's words with <del>/<ins> marks; everything else escaped


@dataclass
class RevisionDiff:
    old_number: int
    new_number: int
    facts: list[FactChange]
    sections: list[SectionDiff]

    @property
    def empty(self) -> bool:
        return not self.facts and not self.sections


def _shown(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def word_diff(old: str, new: str) -> Markup:
    """The new text with removed words in <del> and added words in <ins>."""
    before, after = _WORDS.findall(old), _WORDS.findall(new)
    parts: list[str] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(str(escape("".join(after[b1:b2]))))
            continue
        if a2 > a1:
            parts.append(f"<del>{escape(''.join(before[a1:a2]))}</del>")
        if b2 > b1:
            parts.append(f"<ins>{escape(''.join(after[b1:b2]))}</ins>")
    return Markup("".join(parts))  # noqa: S704 - every piece of text is escaped above


def _sections(data: PracticeData) -> dict[str, str]:
    sections, extra = split_body(data.body)
    named = {heading: sections.get(key, "") for key, heading, *_ in SECTIONS}
    named["Weitere Abschnitte"] = extra
    return named


def revision_diff(older, newer) -> RevisionDiff:
    """Differences from revision view `older` to `newer` (see writing.RevisionView)."""
    old, new = older.data, newer.data
    facts = [FactChange(label, _shown(getattr(old, name)), _shown(getattr(new, name)))
             for name, label in FACT_LABELS if getattr(old, name) != getattr(new, name)]
    old_sections, new_sections = _sections(old), _sections(new)
    sections = [SectionDiff(heading, word_diff(old_sections[heading], new_sections[heading]))
                for heading in new_sections
                if old_sections[heading] != new_sections[heading]]
    return RevisionDiff(older.revision.number, newer.revision.number, facts, sections)

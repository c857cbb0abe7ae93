"""The entry form: what was typed, read from a request or from a stored entry.

The form's own rules are the file format's (SPEC §2, `app.practices.rules`): the typed
values become the same field mapping a file has and are checked by the same code. Only
the fields meant for the caller's role are read (SECURITY.md 14): the municipality only
where an organiser chooses it; publication, author, reviewed and slug never. The CSRF
token of every POST is checked app-wide by Flask-WTF's CSRFProtect before any view runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from app.practices import rules
from app.practices.models import Practice

# The body template of SPEC §2: (form key, heading, hint, placeholder example).
SECTIONS = [
    ("ausgangslage", "Ausgangslage", _l("Was war der Anlass? Welches Problem wollten Sie lösen?"),
     _l("z. B. Die Straßenbeleuchtung verbrauchte ein Drittel des Stroms der Gemeinde.")),
    ("vorgehen", "Vorgehen",
     _l("Wie sind Sie vorgegangen? Wer war beteiligt, in welchen Schritten?"),
     _l("z. B. Der Gemeinderat beschloss 2019 die Umrüstung; das Bauamt schrieb sie aus.")),
    ("ergebnisse", "Ergebnisse und Wirkung",
     _l("Was hat es gebracht? Zahlen, Einsparungen, Rückmeldungen."),
     _l("z. B. 62 % weniger Strom, 40 t CO₂ im Jahr.")),
    ("kosten", "Kosten und Finanzierung",
     _l("Was hat es gekostet, und wie wurde es bezahlt?"),
     _l("z. B. 180.000 €, davon 40 % aus der Kommunalrichtlinie.")),
    ("stolpersteine", "Stolpersteine und Tipps",
     _l("Was lief schief, was würden Sie anders machen?"),
     _l("z. B. Die Lieferzeit der Leuchten lag bei neun Monaten.")),
    ("uebertragbarkeit", "Übertragbarkeit",
     _l("Was braucht eine andere Kommune, um das nachzumachen?"),
     _l("z. B. Geht in jeder Gemeinde mit eigener Beleuchtung; ein Beschluss genügt.")),
]
SECTION_HEADINGS = {heading: key for key, heading, _hint, _example in SECTIONS}
LIST_FIELDS = ("levers", "topics", "modules", "sdgs", "workshops", "adopted_from")
TEXT_FIELDS = ("title", "summary", "status", "started", "costs_eur", "funding", "visibility",
               "effort", "contact_name", "contact_role", "contact_email", "contact_phone",
               "links", "note", "extra", "adopted_from_query")
MAX_NOTE_LENGTH = rules.NOTE_MAX_LENGTH
_HEADING = re.compile(r"^## +(.+?)\s*$", re.M)


@dataclass
class EntryInput:
    """Everything a person typed into the entry form, kept as typed for re-rendering."""

    title: str = ""
    summary: str = ""
    sections: dict[str, str] = field(default_factory=dict)
    extra: str = ""  # any text outside the six template sections
    levers: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    modules: list[str] = field(default_factory=list)
    sdgs: list[str] = field(default_factory=list)
    workshops: list[str] = field(default_factory=list)
    adopted_from: list[str] = field(default_factory=list)
    adopted_from_query: str = ""  # words to find entries to adopt from; never saved
    status: str = ""
    started: str = ""
    costs_eur: str = ""
    funding: str = ""
    visibility: str = "public"
    effort: str = ""
    links: str = ""
    contact_name: str = ""
    contact_role: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    municipality: str = ""  # a slug, only read when an organiser chooses it
    note: str = ""
    base_revision: int = 0

    @classmethod
    def from_form(cls, form: MultiDict, may_choose_municipality: bool) -> EntryInput:
        """Read the posted fields (and nothing else) from a request."""
        values = {name: form.get(name, "") for name in TEXT_FIELDS}
        lists = {name: _unique(v for v in form.getlist(name) if v.strip())
                 for name in LIST_FIELDS}
        entry = cls(**values, **lists)
        entry.sections = {key: form.get(f"section_{key}", "") for key, *_ in SECTIONS}
        if form.get("body") and not any(entry.sections.values()):
            entry.sections, entry.extra = split_body(form["body"])
        if may_choose_municipality:
            entry.municipality = form.get("municipality", "")
        entry.base_revision = _int(form.get("base_revision"))
        return entry

    @classmethod
    def from_practice(cls, practice: Practice, base_revision: int) -> EntryInput:
        """The stored entry as form values, for the edit form."""
        sections, extra = split_body(practice.body)
        return cls(
            title=practice.title, summary=practice.summary, sections=sections, extra=extra,
            levers=[lever.slug for lever in practice.levers],
            topics=[topic.slug for topic in practice.topics],
            modules=[str(module.number) for module in practice.modules],
            sdgs=[str(number) for number in practice.sdgs],
            workshops=[workshop.slug for workshop in practice.workshops],
            adopted_from=list(practice.adopted_from or []), status=practice.status,
            started=_text(practice.started), costs_eur=_text(practice.costs_eur),
            funding=practice.funding or "", visibility=practice.visibility,
            effort=practice.effort or "", links="\n".join(practice.links or []),
            contact_name=practice.contact_name or "", contact_role=practice.contact_role or "",
            contact_email=practice.contact_email or "",
            contact_phone=practice.contact_phone or "",
            municipality=practice.municipality.slug, base_revision=base_revision)

    @classmethod
    def for_new_entry(cls, user) -> EntryInput:
        """An empty form with the contact prefilled from the signed-in person."""
        return cls(status="umgesetzt", contact_name=user.name or "",
                   contact_role=getattr(user, "contact_role", None) or "",
                   contact_email=user.email or "", contact_phone=getattr(user, "phone", None) or "",
                   municipality=user.municipality.slug if user.municipality else "")

    def body(self) -> str:
        """The Markdown body: the filled-in sections under their headings, then the rest."""
        parts = [f"## {heading}\n\n{self.sections.get(key, '').strip()}\n"
                 for key, heading, *_ in SECTIONS if self.sections.get(key, "").strip()]
        if self.extra.strip():
            parts.append(self.extra.strip() + "\n")
        return "\n".join(parts)

    def meta(self, municipality_name: str) -> dict:
        """The typed values as the front matter of a practice file."""
        contact = {key: getattr(self, f"contact_{key}") for key in rules.CONTACT_FIELDS}
        return {
            "title": self.title, "municipality": municipality_name, "summary": self.summary,
            "levers": self.levers, "topics": self.topics, "modules": self.modules,
            "sdgs": self.sdgs, "status": self.status or None,
            "started": self.started.strip() or None, "costs_eur": _amount(self.costs_eur),
            "funding": self.funding, "contact": {k: v for k, v in contact.items() if v.strip()},
            "workshops": self.workshops,
            "links": [line.strip() for line in self.links.splitlines() if line.strip()],
            "visibility": self.visibility or "public", "effort": self.effort or None,
            "adopted_from": self.adopted_from,
        }


def split_body(body: str) -> tuple[dict[str, str], str]:
    """The body's template sections by key, and everything else (other headings) as is."""
    sections: dict[str, str] = {}
    extra: list[str] = []
    matches = list(_HEADING.finditer(body))
    if matches and body[:matches[0].start()].strip():
        extra.append(body[:matches[0].start()].strip())
    elif not matches and body.strip():
        extra.append(body.strip())
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(body)
        text = body[match.end():end].strip()
        key = SECTION_HEADINGS.get(match.group(1))
        if key and key not in sections:
            sections[key] = text
        else:
            extra.append(f"## {match.group(1)}\n\n{text}".strip())
    return sections, "\n\n".join(extra)


def _unique(values) -> list[str]:
    return list(dict.fromkeys(value.strip() for value in values))


def _int(value: str | None) -> int:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else 0


def _text(value) -> str:
    return "" if value is None else str(value)


def _amount(text: str):
    """'120.000' or '120 000 €' as typed in Germany -> 120000; anything else unchanged."""
    cleaned = re.sub(r"[\s.€]", "", text or "")
    if not cleaned:
        return None
    if cleaned.isascii() and cleaned.isdigit():  # the rules refuse too many digits
        return int(cleaned) if len(cleaned) <= rules.MAX_DIGITS else cleaned
    return text


FIELD_LABELS = {
    "title": _l("Titel"), "summary": _l("Zusammenfassung"), "levers": _l("Hebel"),
    "topics": _l("Handlungsfelder"), "modules": _l("Module"), "sdgs": _l("Nachhaltigkeitsziele"),
    "status": _l("Stand"), "started": _l("Beginn (Jahr)"), "costs_eur": _l("Kosten in Euro"),
    "funding": _l("Finanzierung"), "workshops": _l("Arbeitstreffen"),
    "visibility": _l("Sichtbarkeit"), "effort": _l("Aufwand für die Verwaltung"),
    "adopted_from": _l("Übernommen von"), "links": _l("Links"),
    "contact": _l("Ansprechperson"), "contact_name": _l("Name"), "contact_role": _l("Funktion"),
    "contact_email": _l("E-Mail-Adresse"), "contact_phone": _l("Telefon"),
    "municipality": _l("Kommune"), "note": _l("Was wurde geändert?"), "Formular": _l("Formular"),
}

"""The workshop form: what an organiser typed, kept as typed, and its checks.

The CSRF token of every POST is checked app-wide by Flask-WTF's CSRFProtect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app.workshops.models import DATE_NOTE_MAX, FILE_TITLE_MAX, PLACE_MAX, TITLE_MAX, Workshop

TEXT_MAX = 100_000  # agenda and minutes (Markdown)
# Field -> most characters, for the checks below and the templates' maxlength.
LIMITS = {"title": TITLE_MAX, "date_note": DATE_NOTE_MAX, "place": PLACE_MAX,
          "agenda": TEXT_MAX, "minutes": TEXT_MAX, "file_title": FILE_TITLE_MAX}
_GERMAN_DATE = re.compile(r"(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4})")


def parse_day(text: str) -> date | None:
    """A date as typed: ISO (what a date field sends) or German (18.08.2019)."""
    text = text.strip()
    german = _GERMAN_DATE.fullmatch(text)
    try:
        if german:
            day, month, year = (int(part) for part in german.groups())
            return date(year, month, day)
        return date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        return None


@dataclass
class WorkshopInput:
    """The fields of the workshop form, as strings."""

    title: str = ""
    date: str = ""
    date_note: str = ""
    module: str = ""  # module number, "" for a meeting outside the modules (kick-off)
    place: str = ""
    host: str = ""  # municipality slug
    agenda: str = ""
    minutes: str = ""

    @classmethod
    def from_form(cls, form: MultiDict) -> WorkshopInput:
        """Read the posted fields (and nothing else)."""
        return cls(**{f.name: form.get(f.name, "").replace("\r\n", "\n").strip()
                      for f in fields(cls)})

    @classmethod
    def from_workshop(cls, workshop: Workshop) -> WorkshopInput:
        """The stored workshop as form values."""
        return cls(title=workshop.title, date=workshop.date.isoformat(),
                   date_note=workshop.date_note,
                   module=str(workshop.module.number) if workshop.module else "",
                   place=workshop.place, host=workshop.host.slug if workshop.host else "",
                   agenda=workshop.agenda, minutes=workshop.minutes)

    @property
    def day(self) -> date | None:
        return parse_day(self.date)

    def errors(self, module_numbers: set[int], host_slugs: set[str]) -> dict[str, list[str]]:
        """German messages per field; empty when everything is fine."""
        found: dict[str, list[str]] = {}

        def add(name: str, message: str) -> None:
            found.setdefault(name, []).append(message)

        if not self.title:
            add("title", _("Bitte geben Sie einen Titel an."))
        elif len(self.title) > TITLE_MAX:
            add("title", _("Der Titel darf höchstens %(n)s Zeichen lang sein.", n=TITLE_MAX))
        if not self.date:
            add("date", _("Bitte geben Sie das Datum an."))
        elif self.day is None:
            add("date", _("„%(value)s“ ist kein Datum. Bitte so: 07.11.2019.", value=self.date))
        if self.module and (not (self.module.isascii() and self.module.isdigit())
                            or len(self.module) > 9 or int(self.module) not in module_numbers):
            add("module", _("Bitte wählen Sie eines der vier Module oder „kein Modul“."))
        if self.host and self.host not in host_slugs:
            add("host", _("Diese Kommune ist nicht bekannt. Bitte wählen Sie aus der Liste."))
        for name, limit in (("place", PLACE_MAX), ("date_note", DATE_NOTE_MAX)):
            if len(getattr(self, name)) > limit:
                add(name, _("Höchstens %(n)s Zeichen.", n=limit))
        for name in ("agenda", "minutes"):
            if len(getattr(self, name)) > TEXT_MAX:
                add(name, _("Der Text ist zu lang (höchstens %(n)s Zeichen).", n=TEXT_MAX))
        return found

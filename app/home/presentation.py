"""Site-wide presentation helpers: German labels, number and date formats, links.

Registered app-wide by the home blueprint, so every template can use them.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from babel.numbers import format_decimal
from flask import g, request, url_for
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.routing import BuildError

from app.extensions import db
from app.municipalities.models import SIZE_CLASS_LABELS
from app.permissions import can_see_contact_details, is_signed_in
from app.practices.models import EFFORT_LABELS, PUBLICATION_LABELS, STATUS_LABELS
from app.taxonomies.models import Lever, Topic
from app.workshops.models import Module

SDG_NAMES = {
    1: "Keine Armut", 2: "Kein Hunger", 3: "Gesundheit und Wohlergehen",
    4: "Hochwertige Bildung", 5: "Geschlechtergleichheit",
    6: "Sauberes Wasser und Sanitäreinrichtungen", 7: "Bezahlbare und saubere Energie",
    8: "Menschenwürdige Arbeit und Wirtschaftswachstum",
    9: "Industrie, Innovation und Infrastruktur", 10: "Weniger Ungleichheiten",
    11: "Nachhaltige Städte und Gemeinden", 12: "Nachhaltige/r Konsum und Produktion",
    13: "Maßnahmen zum Klimaschutz", 14: "Leben unter Wasser", 15: "Leben an Land",
    16: "Frieden, Gerechtigkeit und starke Institutionen",
    17: "Partnerschaften zur Erreichung der Ziele",
}
LOGIN_FALLBACK_PATH = "/konto/anmelden"


class Labels:
    """German names for taxonomy slugs, loaded once per request when first needed."""

    status = STATUS_LABELS
    publication = PUBLICATION_LABELS
    size_class = SIZE_CLASS_LABELS
    effort = EFFORT_LABELS
    sdg = SDG_NAMES

    def __init__(self) -> None:
        self._levers: dict[str, str] | None = None
        self._topics: dict[str, str] | None = None
        self._modules: dict[int, str] | None = None

    @property
    def lever(self) -> dict[str, str]:
        if self._levers is None:
            self._levers = dict(db.session.execute(
                select(Lever.slug, Lever.name).order_by(Lever.position, Lever.slug)).all())
        return self._levers

    @property
    def topic(self) -> dict[str, str]:
        if self._topics is None:
            self._topics = dict(db.session.execute(
                select(Topic.slug, Topic.name).order_by(Topic.position, Topic.slug)).all())
        return self._topics

    @property
    def module(self) -> dict[int, str]:
        if self._modules is None:
            self._modules = dict(db.session.execute(
                select(Module.number, Module.title).order_by(Module.number)).all())
        return self._modules

    def module_label(self, number) -> str:
        number = int(number)
        title = self.module.get(number)
        return f"Modul {number}: {title}" if title else f"Modul {number}"

    def sdg_label(self, number) -> str:
        number = int(number)
        name = SDG_NAMES.get(number)
        return f"SDG {number}: {name}" if name else f"SDG {number}"


def labels() -> Labels:
    if "ui_labels" not in g:
        g.ui_labels = Labels()
    return g.ui_labels


def login_url() -> str:
    """The sign-in page, coming back here afterwards (a plain path until accounts exist)."""
    try:
        return url_for("accounts.login", next=request.full_path.rstrip("?"))
    except BuildError:
        return LOGIN_FALLBACK_PATH


def de_number(value) -> str:
    """13500 -> '13.500'."""
    return "" if value is None else _decimal(value, str(get_locale()))


@lru_cache(maxsize=4096)
def _decimal(value, locale: str) -> str:
    # Babel reads the locale's pattern on every call: a result page has about 45 numbers.
    return format_decimal(value, locale=locale)


def de_euro(value) -> str:
    """120000 -> '120.000 €'."""
    return "" if value is None else f"{de_number(value)}\u00a0€"


def de_date(value, style: str = "long") -> str:
    """A date in German: '7. November 2019' (long) or '07.11.2019' (short)."""
    if value is None:
        return ""
    # Flask-Babel shows a (naive UTC) datetime in the site's time zone, Europe/Berlin.
    if isinstance(value, date | datetime):
        return format_date(value, "d. MMMM y" if style == "long" else "dd.MM.y")
    return str(value)


def context() -> dict:
    """Template globals."""
    return {
        "labels": labels(),
        "login_url": login_url,
        "can_see_contact_details": can_see_contact_details,
        "is_signed_in": is_signed_in,
    }


def de_datetime(value) -> str:
    """A moment in German, in the site's time zone: '7. November 2019, 14:05 Uhr'."""
    if value is None:
        return ""
    # Naive datetimes are UTC (app/timeutil.py); Flask-Babel shows them in Europe/Berlin.
    return _("%(day)s, %(time)s\u00a0Uhr", day=format_datetime(value, "d. MMMM y"),
             time=format_datetime(value, "HH:mm"))


FILTERS = {"de_number": de_number, "de_euro": de_euro, "de_date": de_date,
           "de_datetime": de_datetime}

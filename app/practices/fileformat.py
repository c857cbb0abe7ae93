"""The practice file format of SPEC §2: parse and validate, and write back.

Parsing yields a PracticeData (plain values, no database access) or a list of
FileError naming the file, the field and the rule. Writing is deterministic so that
export -> import -> export is byte-for-byte stable.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from app.practices.rules import (
    CHOICES,
    CONTACT_FIELDS,
    CONTACT_LIMITS,
    EMAIL_RE,
    MAX_BODY_BYTES,
    MAX_DIGITS,
    MAX_MODULES,
    MIN_LEVERS,
    MODULE_RANGE,
    NUMBER_RANGES,
    RESERVED_SLUGS,
    SDG_RANGE,
    SLUG_RE,
    TEXT_LIMITS,
    URL_MAX_LENGTH,
    URL_RE,
    WORKSHOP_SLUG_RE,
)

MAX_FILE_BYTES = MAX_BODY_BYTES
# libyaml's C loader and dumper when available: same results, many times faster.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

FIELD_ORDER = [
    "title", "municipality", "state", "district", "population", "summary", "levers",
    "topics", "modules", "sdgs", "status", "started", "costs_eur", "funding", "contact",
    "workshops", "links", "visibility", "effort", "adopted_from", "reviewed", "published",
]


@dataclass
class FileError:
    """One broken rule in one file."""

    file: str
    field: str
    rule: str

    def __str__(self) -> str:
        return f"{self.file}: Feld „{self.field}“: {self.rule}"


@dataclass
class PracticeData:
    """The validated content of one practice file."""

    slug: str
    title: str
    municipality: str
    summary: str
    levers: list[str]
    status: str
    body: str
    state: str | None = None
    district: str | None = None
    population: int | None = None
    topics: list[str] = field(default_factory=list)
    modules: list[int] = field(default_factory=list)
    sdgs: list[int] = field(default_factory=list)
    started: int | None = None
    costs_eur: int | None = None
    funding: str | None = None
    contact: dict[str, str] = field(default_factory=dict)
    workshops: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    visibility: str = "public"
    effort: str | None = None
    adopted_from: list[str] = field(default_factory=list)
    reviewed: date | None = None
    published: date | None = None


class _Checker:
    """Collects the errors of one file while reading its front matter."""

    def __init__(self, file: str, meta: dict):
        self.file = file
        self.meta = meta
        self.errors: list[FileError] = []

    def fail(self, name: str, rule: str) -> None:
        self.errors.append(FileError(self.file, name, rule))

    def text(self, name: str, max_len: int, required: bool = False) -> str | None:
        value = self.meta.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(name, "Pflichtfeld fehlt oder ist leer")
            return None
        if isinstance(value, (dict, list)):
            self.fail(name, "muss ein Text sein")
            return None
        text = " ".join(str(value).split())
        if len(text) > max_len:
            self.fail(name, f"höchstens {max_len} Zeichen (hat {len(text)})")
        return text

    def integer(self, name: str, low: int, high: int) -> int | None:
        value = _as_int(self.meta.get(name))
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(name, "muss eine ganze Zahl sein")
            return None
        if not low <= value <= high:
            self.fail(name, f"muss zwischen {low} und {high} liegen")
            return None
        return value

    def choice(self, name: str, allowed: tuple[str, ...], required: bool = False) -> str | None:
        value = self.meta.get(name)
        if value is None:
            if required:
                self.fail(name, "Pflichtfeld fehlt")
            return None
        if value not in allowed:
            self.fail(name, f"„{_shown(value)}“ ist nicht erlaubt; erlaubt: {', '.join(allowed)}")
            return None
        return value

    def listing(self, name: str) -> list:
        value = self.meta.get(name)
        if value is None:
            return []
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            value = [value]  # a single value written without brackets
        if not isinstance(value, list):
            self.fail(name, "muss eine Liste sein, z. B. [a, b]")
            return []
        if len(set(map(str, value))) != len(value):
            self.fail(name, "enthält einen Wert doppelt")
        return value

    def slugs(self, name: str, known: set[str] | None, minimum: int = 0) -> list[str]:
        values = self.listing(name)
        if len(values) < minimum:
            self.fail(name, f"mindestens {minimum} Eintrag nötig")
        for value in values:
            if known is not None and value not in known:
                self.fail(name, f"unbekannter Wert „{_shown(value)}“; erlaubt: "
                                f"{', '.join(sorted(known))}")
            elif known is None and not (isinstance(value, str) and SLUG_RE.match(value)):
                self.fail(name, f"„{_shown(value)}“ ist kein gültiger Kurzname "
                                "([a-z0-9-], ≤ 80 Zeichen)")
        return [str(v) for v in values]

    def numbers(self, name: str, low: int, high: int, max_count: int | None = None) -> list[int]:
        listed = self.listing(name)
        values = [_as_int(v) for v in listed]
        if max_count is not None and len(values) > max_count:
            self.fail(name, f"höchstens {max_count} Einträge")
        for raw, value in zip(listed, values, strict=True):
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                self.fail(name, f"„{_shown(raw)}“ ist keine Zahl von {low} bis {high}")
                return []
        return values


def _as_int(value):
    """Whole numbers written as text ("2018") or as 2018.0 count as integers.

    More than MAX_DIGITS digits (leading zeros aside) are out of every range: such a
    number becomes 10**MAX_DIGITS instead of being converted.
    """
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        digits = value.strip().lstrip("0") or "0"
        return int(digits) if len(digits) <= MAX_DIGITS else 10 ** MAX_DIGITS
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _shown(value, limit: int = 40) -> str:
    """A value for a message: long ones shortened."""
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def split_front_matter(text: str) -> tuple[str, str] | None:
    """Return (front matter, body) or None when the text has no front matter."""
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    match = re.match(r"---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|$)", text, re.S)
    if not match:
        return None
    return match.group(1) or "", text[match.end():]


def parse_practice_text(
    name: str, slug: str, text: str, levers: set[str], topics: set[str]
) -> PracticeData | list[FileError]:
    """Validate the text of one practice file against SPEC §2."""
    if not SLUG_RE.match(slug):
        return [FileError(name, "Dateiname",
                          "Kurzname nur aus a–z, 0–9 und '-', höchstens 80 Zeichen")]
    if slug in RESERVED_SLUGS:
        return [FileError(name, "Dateiname", f"Kurzname „{slug}“ ist für eine Seite reserviert")]
    parts = split_front_matter(text)
    if parts is None:
        return [FileError(name, "Kopfdaten",
                          "Datei muss mit einem YAML-Block zwischen '---' beginnen")]
    try:
        meta = yaml.load(parts[0], Loader=YAML_LOADER) or {}  # noqa: S506 - SafeLoader (C)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (Zeile {mark.line + 2})" if mark else ""
        return [FileError(name, "Kopfdaten", f"kein gültiges YAML{where}")]
    except ValueError:  # the loader's own conversion: 2019-02-30, a number of 5000 digits
        return [FileError(name, "Kopfdaten", "enthält ein ungültiges Datum oder eine Zahl "
                          "mit zu vielen Ziffern")]
    if not isinstance(meta, dict):
        return [FileError(name, "Kopfdaten", "muss aus Feldern „name: wert“ bestehen")]
    return _validate(name, slug, meta, parts[1], levers, topics)


def _validate(name, slug, meta, body, levers, topics) -> PracticeData | list[FileError]:
    check = _Checker(name, meta)
    for unknown in sorted(set(map(str, meta)) - set(FIELD_ORDER)):
        check.fail(unknown, "unbekanntes Feld")
    return validate_fields(check, slug, body, levers, topics)


def validate_fields(check: _Checker, slug: str, body: str, levers: set[str],
                    topics: set[str]) -> PracticeData | list[FileError]:
    """Check every SPEC §2 rule on the fields in `check.meta`; the data or the errors."""
    text, integer = check.text, check.integer
    data = PracticeData(
        slug=slug,
        title=text("title", TEXT_LIMITS["title"], required=True) or "",
        municipality=text("municipality", TEXT_LIMITS["municipality"], required=True) or "",
        summary=text("summary", TEXT_LIMITS["summary"], required=True) or "",
        levers=check.slugs("levers", levers, minimum=MIN_LEVERS),
        status=check.choice("status", CHOICES["status"], required=True) or "",
        body=body.strip() + "\n" if body.strip() else "",
        state=text("state", TEXT_LIMITS["state"]),
        district=text("district", TEXT_LIMITS["district"]),
        population=integer("population", *NUMBER_RANGES["population"]),
        topics=check.slugs("topics", topics),
        modules=check.numbers("modules", *MODULE_RANGE, max_count=MAX_MODULES),
        sdgs=check.numbers("sdgs", *SDG_RANGE),
        started=integer("started", *NUMBER_RANGES["started"]),
        costs_eur=integer("costs_eur", *NUMBER_RANGES["costs_eur"]),
        funding=text("funding", TEXT_LIMITS["funding"]),
        contact=_contact(check),
        workshops=_workshops(check),
        links=_links(check),
        visibility=check.choice("visibility", CHOICES["visibility"]) or "public",
        effort=check.choice("effort", CHOICES["effort"]),
        adopted_from=check.slugs("adopted_from", None),
        reviewed=_date(check, "reviewed"),
        published=_date(check, "published"),
    )
    if slug in data.adopted_from:
        check.fail("adopted_from", "ein Eintrag kann sich nicht selbst übernehmen")
    return check.errors or data


def check_fields(name: str, slug: str, meta: dict, body: str, levers: set[str],
                 topics: set[str]) -> PracticeData | list[FileError]:
    """The rules of a practice file applied to fields from elsewhere (the web form)."""
    return validate_fields(_Checker(name, meta), slug, body, levers, topics)


def _contact(check: _Checker) -> dict[str, str]:
    value = check.meta.get("contact")
    if value is None:
        return {}
    if not isinstance(value, dict):
        check.fail("contact", "muss die Unterfelder name, role, email enthalten")
        return {}
    contact = {}
    for key, item in value.items():
        if key not in CONTACT_FIELDS:
            check.fail(f"contact.{key}", "unbekanntes Feld; erlaubt: " + ", ".join(CONTACT_FIELDS))
        elif item is not None and str(item).strip():
            contact[key] = " ".join(str(item).split())
            if len(contact[key]) > CONTACT_LIMITS[key]:
                check.fail(f"contact.{key}", f"höchstens {CONTACT_LIMITS[key]} Zeichen")
    if "email" in contact and not EMAIL_RE.match(contact["email"]):
        check.fail("contact.email", "keine gültige E-Mail-Adresse")
    return contact


def _workshops(check: _Checker) -> list[str]:
    values = check.listing("workshops")
    for value in values:
        match = WORKSHOP_SLUG_RE.match(str(value))
        if not match or not _is_date(match.group(1)) or (match.group(3) and
                                                         not 1 <= int(match.group(3)) <= 4):
            check.fail("workshops", f"„{_shown(value)}“ hat nicht die Form JJJJ-MM-TT-modul-N "
                                    "(N 1–4) oder JJJJ-MM-TT-auftakt")
    return [str(v) for v in values]


def _links(check: _Checker) -> list[str]:
    values = check.listing("links")
    for value in values:
        if not isinstance(value, str) or not URL_RE.match(value) or len(value) > URL_MAX_LENGTH:
            check.fail("links", f"„{_shown(value)}“ ist keine http(s)-Adresse")
    return [str(v) for v in values]


def _date(check: _Checker, name: str) -> date | None:
    value = check.meta.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _is_date(value):
        return date.fromisoformat(value)
    check.fail(name, "muss ein Datum der Form JJJJ-MM-TT sein")
    return None


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def read_practice_text(path: Path) -> str | list[FileError]:
    """The text of one practice file, or the reason it cannot be read."""
    name = str(path)
    if path.stat().st_size > MAX_FILE_BYTES:
        return [FileError(name, "Datei", f"größer als {MAX_FILE_BYTES // 1000} KB")]
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return [FileError(name, "Datei", "ist nicht UTF-8-kodiert")]


def read_practice_texts(paths: list[Path]) -> tuple[dict[str, tuple[Path, str]],
                                                     list[FileError]]:
    """Texts of the files by slug (file name stem), and the files that cannot be read or
    share a slug with another file."""
    texts: dict[str, tuple[Path, str]] = {}
    errors: list[FileError] = []
    for path in paths:
        text = read_practice_text(path)
        if isinstance(text, list):
            errors.extend(text)
        elif path.stem in texts:
            errors.append(FileError(str(path), "Dateiname", "Kurzname kommt mehrfach vor"))
        else:
            texts[path.stem] = (path, text)
    return texts, errors


def read_practice_file(path: Path, levers: set[str], topics: set[str]):
    """Read and validate one file; see parse_practice_text."""
    text = read_practice_text(path)
    if isinstance(text, list):
        return text
    return parse_practice_text(str(path), path.stem, text, levers, topics)


def text_hash(text: str) -> str:
    """SHA-256 of a file's text: recognises a file imported before, unchanged."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- writing ---------------------------------------------------------------------------


# Strings YAML writes as they are: a letter first, then letters, digits, spaces, dots,
# hyphens and underscores, no space at the end (and not read as another type, below).
_PLAIN_STRING = re.compile(r"[A-Za-zÄÖÜäöüß][A-Za-z0-9ÄÖÜäöüß ._-]*(?<! )\Z")
_STR_TAG = "tag:yaml.org,2002:str"
_RESOLVER = yaml.resolver.Resolver()  # which plain strings YAML would read as another type


def _scalar(value) -> str:
    """One YAML scalar, quoted only where YAML needs it.

    Names, slugs and numbers take a shortcut with the same result: a YAML dump per value
    was 11 % of an import's time (tests/test_practice_files.py checks the equality).
    """
    if type(value) is int:
        return str(value)
    if (isinstance(value, str) and _PLAIN_STRING.match(value)
            and _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == _STR_TAG):
        return value
    return _yaml_scalar(value)


def _yaml_scalar(value) -> str:
    dumped = yaml.dump(value, Dumper=YAML_DUMPER, allow_unicode=True, width=10**9,
                       default_flow_style=True)
    return dumped.removesuffix("\n...\n").removesuffix("\n")


def _flow_list(values: list) -> str:
    return "[" + ", ".join(_scalar(v) for v in values) + "]"


def _folded(text: str) -> str:
    lines = textwrap.wrap(text, width=86, break_long_words=False, break_on_hyphens=False)
    return ">-\n" + "\n".join("  " + line for line in lines)


def write_practice_text(data: PracticeData) -> str:
    """The file text of a practice in the SPEC §2 format, deterministic."""
    values = {
        "title": data.title, "municipality": data.municipality, "state": data.state,
        "district": data.district, "population": data.population, "summary": data.summary,
        "levers": data.levers, "topics": data.topics, "modules": data.modules,
        "sdgs": data.sdgs, "status": data.status, "started": data.started,
        "costs_eur": data.costs_eur, "funding": data.funding, "contact": data.contact,
        "workshops": data.workshops, "links": data.links, "visibility": data.visibility,
        "effort": data.effort, "adopted_from": data.adopted_from,
        "reviewed": data.reviewed.isoformat() if data.reviewed else None,
        "published": data.published.isoformat() if data.published else None,
    }
    lines = ["---"]
    for key in FIELD_ORDER:
        value = values[key]
        if key == "summary":
            lines.append(f"summary: {_folded(value)}")
        elif key == "contact":
            if value:
                lines.append("contact:")
                lines += [f"  {k}: {_scalar(value[k])}" for k in CONTACT_FIELDS if k in value]
        elif key == "levers":
            lines.append(f"{key}: {_flow_list(value)}")
        elif isinstance(value, list):
            if value:
                lines.append(f"{key}: {_flow_list(value)}")
        elif key in ("reviewed", "published") and value:
            lines.append(f"{key}: {value}")
        elif value is not None:
            lines.append(f"{key}: {_scalar(value)}")
    lines.append("---")
    return "\n".join(lines) + "\n" + data.body

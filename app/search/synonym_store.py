"""The synonym groups the query side uses: stored in the database, cached per process.

The shipped list data/synonyms.txt seeds the table once (`flask init`). Every process keeps
the parsed list in memory and, once per request (app context), reads the single version
counter of `synonym_version`; when another process has saved a change, the counter differs
and the list is read again. So an edit applies at once everywhere, without a reindex or a
restart. A database that was never seeded uses the shipped file.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from flask import g, has_app_context
from sqlalchemy import delete, func, select, update

from app.extensions import db
from app.search.analysis import DATA_DIR
from app.search.models import SynonymGroup, SynonymVersion
from app.timeutil import utcnow

SYNONYM_FILE = DATA_DIR / "synonyms.txt"
MAX_GROUPS = 5000
# The longest group and heading: read from the columns that keep them.
MAX_LINE = SynonymGroup.__table__.c.terms.type.length
MAX_SECTION = SynonymGroup.__table__.c.section.type.length
MAX_ENTRY = 100
_lock = threading.Lock()
_loaded: dict[str, tuple[int, object]] = {}  # database URL -> (version, Synonyms)
_MAX_DATABASES = 8


class SynonymError(ValueError):
    """Lines that are not synonym groups; `problems` holds German messages by line."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Group:
    section: str
    terms: str


def parse_groups(text: str) -> list[Group]:
    """Groups of a list in the file's format; "# Heading" lines name the following section."""
    groups, section = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            section = stripped.strip("#- ").strip()[:MAX_SECTION]
            continue
        terms = stripped.split("#", 1)[0].strip()
        if terms:
            groups.append(Group(section, terms))
    return groups


def check_groups(text: str) -> list[Group]:
    """Parse an edited list; raise SynonymError naming every bad line."""
    problems, groups, section = [], [], ""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("#"):
            section = stripped.strip("#- ").strip()
            if len(section) > MAX_SECTION:
                problems.append(f"Zeile {number}: Eine Überschrift darf höchstens {MAX_SECTION} "
                                "Zeichen lang sein.")
            continue
        if not stripped:
            continue
        problem = _line_problem(stripped)
        if problem:
            problems.append(f"Zeile {number}: {problem}")
        groups.append(Group(section, stripped))
    if len(groups) > MAX_GROUPS:
        problems.append(f"Höchstens {MAX_GROUPS} Gruppen.")
    if problems:
        raise SynonymError(problems)
    return groups


def _line_problem(line: str) -> str | None:
    if len(line) > MAX_LINE:
        return f"Eine Gruppe darf höchstens {MAX_LINE} Zeichen lang sein."
    if "#" in line:
        return "Das Zeichen # leitet nur am Zeilenanfang eine Überschrift ein."
    if "=>" in line:
        left, right = line.split("=>", 1)
        entries = [e.strip() for e in right.split(",")]
        if not left.strip() or "," in left or "=>" in right or not all(entries):
            return "Schreiben Sie „Wort => Ersatz, Ersatz“: links ein Ausdruck, rechts einer " \
                   "oder mehrere, durch Kommas getrennt."
    else:
        entries = [e.strip() for e in line.split(",")]
        if len(entries) < 2 or not all(entries):
            return "Eine Gruppe braucht mindestens zwei Ausdrücke, durch Kommas getrennt."
    if any(len(entry) > MAX_ENTRY for entry in entries):
        return f"Ein Ausdruck darf höchstens {MAX_ENTRY} Zeichen lang sein."
    return None


def format_groups(groups) -> str:
    """The list as text in the file's format, a heading before each section."""
    lines, section = [], None
    for group in groups:
        if group.section != section:
            if lines:
                lines.append("")
            if group.section:
                lines.append(f"# {group.section}")
            section = group.section
        lines.append(group.terms)
    return "\n".join(lines) + ("\n" if lines else "")


def stored_groups() -> list[SynonymGroup]:
    return list(db.session.scalars(select(SynonymGroup).order_by(SynonymGroup.position,
                                                                 SynonymGroup.id)))


def synonym_text() -> str:
    """The stored list as text for the editor (the shipped file if never seeded)."""
    if _stored_version() is None:
        return format_groups(parse_groups(SYNONYM_FILE.read_text(encoding="utf-8")))
    return format_groups(stored_groups())


def seed_synonyms() -> int:
    """Copy the shipped list into an unseeded database (not committed); return groups added."""
    if db.session.get(SynonymVersion, 1) is not None:
        return 0
    groups = parse_groups(SYNONYM_FILE.read_text(encoding="utf-8"))
    _store(groups)
    db.session.add(SynonymVersion(id=1, version=1, updated_at=utcnow()))
    return len(groups)


def replace_synonyms(text: str) -> int:
    """Replace every group by the edited list (not committed); return the group count."""
    groups = check_groups(text)
    seed_synonyms()
    db.session.execute(delete(SynonymGroup))
    _store(groups)
    _bump()
    return len(groups)


def add_synonym_group(line: str, section: str = "") -> Group:
    """Append one group (not committed); raise SynonymError when the line is no group."""
    groups = check_groups(line.strip())
    if len(groups) != 1:
        raise SynonymError(["Bitte geben Sie genau eine Gruppe in einer Zeile ein."])
    seed_synonyms()
    db.session.flush()
    last = db.session.scalar(select(func.max(SynonymGroup.position))) or 0
    group = Group(section[:MAX_SECTION], groups[0].terms)
    db.session.add(SynonymGroup(position=last + 1, section=group.section, terms=group.terms))
    _bump()
    return group


def _store(groups: list[Group]) -> None:
    db.session.add_all(SynonymGroup(position=position, section=group.section,
                                    terms=group.terms)
                       for position, group in enumerate(groups))


def _bump() -> None:
    db.session.execute(update(SynonymVersion).where(SynonymVersion.id == 1).values(
        version=SynonymVersion.version + 1, updated_at=utcnow()))


def _stored_version() -> int | None:
    return db.session.scalar(select(SynonymVersion.version).where(SynonymVersion.id == 1))


def current_synonyms():
    """The synonym list for this request: re-read when another process changed it."""
    from app.search.query import Synonyms

    if not has_app_context():
        return _file_synonyms(Synonyms)
    cached = g.get("_kff_synonyms")
    if cached is None:
        cached = g._kff_synonyms = _synonyms_for_version(Synonyms)
    return cached


def _synonyms_for_version(factory):
    version = _stored_version()
    if version is None:
        return _file_synonyms(factory)
    key = str(db.engine.url)
    with _lock:
        known = _loaded.get(key)
    if known is not None and known[0] == version:
        return known[1]
    lines = [group.terms for group in stored_groups()]
    synonyms = factory(lines)
    synonyms.stamp = (key, version)
    with _lock:
        if len(_loaded) >= _MAX_DATABASES and key not in _loaded:
            _loaded.clear()
        _loaded[key] = (version, synonyms)
    return synonyms


_from_file: dict[str, object] = {}


def _file_synonyms(factory):
    if "file" not in _from_file:
        synonyms = factory([group.terms for group in parse_groups(
            SYNONYM_FILE.read_text(encoding="utf-8"))])
        synonyms.stamp = ("file", 0)
        _from_file["file"] = synonyms
    return _from_file["file"]

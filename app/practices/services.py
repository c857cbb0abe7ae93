"""Writes for practices: saving from file data (import) and export."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path

from sqlalchemy import func, select

from app.extensions import db
from app.markdown import render_markdown
from app.municipalities.services import get_or_create_municipality
from app.practices import states
from app.practices.fileformat import (
    WORKSHOP_SLUG_RE,
    FileError,
    PracticeData,
    read_practice_file,
    write_practice_text,
)
from app.practices.models import (
    Practice,
    PracticeLever,
    PracticeModule,
    PracticeSdg,
    PracticeTopic,
    PracticeWorkshop,
    Revision,
)
from app.search.outbox import record_practice_change
from app.taxonomies.models import Lever, Topic
from app.timeutil import utcnow
from app.workshops.models import Module, Workshop


@dataclass
class ImportReport:
    """What an import did, or why it did nothing."""

    files: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[FileError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            return (f"{len(self.errors)} Fehler in {len({e.file for e in self.errors})} von "
                    f"{self.files} Dateien; nichts importiert.")
        return (f"{self.files} Dateien: {self.created} neu, {self.updated} geändert, "
                f"{self.unchanged} unverändert.")


def practice_to_data(practice: Practice) -> PracticeData:
    """The file-format view of a stored practice."""
    municipality = practice.municipality
    contact = {k: v for k, v in (("name", practice.contact_name),
                                 ("role", practice.contact_role),
                                 ("email", practice.contact_email),
                                 ("phone", practice.contact_phone)) if v}
    return PracticeData(
        slug=practice.slug, title=practice.title, municipality=municipality.name,
        state=municipality.state, district=municipality.district,
        population=municipality.population, summary=practice.summary,
        levers=[lever.slug for lever in practice.levers],
        topics=[topic.slug for topic in practice.topics],
        modules=[module.number for module in practice.modules], sdgs=practice.sdgs,
        status=practice.status, started=practice.started, costs_eur=practice.costs_eur,
        funding=practice.funding, contact=contact,
        workshops=[workshop.slug for workshop in practice.workshops],
        links=list(practice.links or []), visibility=practice.visibility,
        effort=practice.effort, adopted_from=list(practice.adopted_from or []),
        reviewed=practice.reviewed, body=practice.body,
        published=practice.published_at.date() if practice.published_at else None,
    )


def practice_file_text(practice: Practice) -> str:
    """The practice as a SPEC §2 file."""
    return write_practice_text(practice_to_data(practice))


def _get_or_create_workshop(slug: str) -> Workshop:
    """A workshop by slug; a well-formed unknown slug creates the workshop it names."""
    workshop = db.session.scalar(select(Workshop).where(Workshop.slug == slug))
    if workshop is None:
        match = WORKSHOP_SLUG_RE.match(slug)
        number = int(match.group(3)) if match.group(3) else None
        module = db.session.scalar(select(Module).where(Module.number == number))
        title = f"Modul {number}: {module.title}" if module else "Auftakttreffen"
        workshop = Workshop(slug=slug, title=title, date=date.fromisoformat(match.group(1)),
                            module=module)
        db.session.add(workshop)
        db.session.flush()
    return workshop


def _by_slug(model, slugs: list[str]) -> list:
    rows = {row.slug: row for row in db.session.scalars(select(model).where(model.slug.in_(slugs)))}
    return [rows[slug] for slug in slugs]


def ordered_links(current: list, make: Callable, attribute: str, targets: list) -> list:
    """Link rows for `targets` in their order, reusing the rows that already exist."""
    existing = {getattr(link, attribute): link for link in current}
    links = []
    for position, target in enumerate(targets):
        link = existing.get(target) or make(target)
        link.position = position
        links.append(link)
    return links


def apply_practice_data(practice: Practice, data: PracticeData) -> None:
    """Copy validated file data onto a practice (no commit).

    Referenced rows are looked up (or created) first, so that no flush happens while the
    practice is half filled in. Lists keep the order in which they were written.
    """
    municipality = get_or_create_municipality(
        data.municipality, data.state, data.district, data.population)
    levers, topics = _by_slug(Lever, data.levers), _by_slug(Topic, data.topics)
    modules = {m.number: m for m in db.session.scalars(select(Module))}
    workshops = [_get_or_create_workshop(slug) for slug in data.workshops]
    with db.session.no_autoflush:
        practice.municipality = municipality
        practice.title, practice.summary, practice.status = data.title, data.summary, data.status
        practice.body = data.body
        practice.body_html = str(render_markdown(data.body))
        practice.started, practice.costs_eur = data.started, data.costs_eur
        practice.funding, practice.visibility, practice.effort = (
            data.funding, data.visibility, data.effort)
        practice.contact_name = data.contact.get("name")
        practice.contact_role = data.contact.get("role")
        practice.contact_email = data.contact.get("email")
        practice.contact_phone = data.contact.get("phone")
        practice.links, practice.adopted_from = list(data.links), list(data.adopted_from)
        practice.reviewed = data.reviewed
        practice.lever_links = ordered_links(
            practice.lever_links, lambda lever: PracticeLever(lever=lever), "lever", levers)
        practice.topic_links = ordered_links(
            practice.topic_links, lambda topic: PracticeTopic(topic=topic), "topic", topics)
        practice.module_links = ordered_links(
            practice.module_links, lambda module: PracticeModule(module=module), "module",
            [modules[number] for number in data.modules])
        practice.workshop_links = ordered_links(
            practice.workshop_links, lambda workshop: PracticeWorkshop(workshop=workshop),
            "workshop", workshops)
        practice.sdg_links = ordered_links(
            practice.sdg_links, lambda number: PracticeSdg(sdg=number), "sdg", data.sdgs)


def record_revision(practice: Practice, source: str, author_id: int | None = None,
                    note: str = "") -> Revision:
    """Keep the practice's current state as a new revision (no commit)."""
    number = (db.session.scalar(
        select(func.max(Revision.number)).where(Revision.practice_id == practice.id)) or 0) + 1
    revision = Revision(practice=practice, number=number, source=source, author_id=author_id,
                        note=note, content=practice_file_text(practice))
    db.session.add(revision)
    return revision


def _effective_text(data: PracticeData, existing: Practice) -> str:
    """The file text the data would give once stored.

    A known municipality keeps its own facts, and an entry whose file names no
    publication date keeps the one it has, so both are applied before comparing.
    """
    municipality = existing.municipality
    if municipality.name == data.municipality:
        data = replace(data, state=municipality.state, district=municipality.district,
                       population=municipality.population)
    if data.published is None and existing.published_at is not None:
        data = replace(data, published=existing.published_at.date())
    return write_practice_text(data)


def publication_time(day: date | None, fallback: datetime | None) -> datetime:
    """The stored moment of first publication: the given day (midnight UTC), else fallback."""
    if day is not None:
        return datetime.combine(day, time.min)
    return fallback or utcnow()


def save_imported_practice(data: PracticeData) -> str:
    """Create or update one practice from file data; return 'created', 'updated' or 'unchanged'."""
    practice = db.session.scalar(select(Practice).where(Practice.slug == data.slug))
    if practice is not None and practice.is_published and (
            _effective_text(data, practice) == practice_file_text(practice)):
        return "unchanged"
    outcome = "updated" if practice else "created"
    if practice is None:
        practice = Practice(slug=data.slug)
    apply_practice_data(practice, data)
    db.session.add(practice)
    now = utcnow()
    practice.updated_at = now
    practice.publication = states.PUBLISHED  # the file is the curated source (SPEC §2)
    practice.published_at = publication_time(data.published, practice.published_at or now)
    db.session.flush()
    record_revision(practice, source="import", note="Import aus Datei")
    record_practice_change(practice.slug)
    return outcome


def collect_practice_files(path: Path) -> list[Path]:
    """The .md files named by a path: the file itself or a folder's files, sorted."""
    if path.is_dir():
        return sorted(p for p in path.glob("*.md") if p.is_file())
    return [path]


def import_practices(paths: Iterable[Path],
                     progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Validate every file, then import all of them in one transaction, or none."""
    files = list(paths)
    report = ImportReport(files=len(files))
    levers = set(db.session.scalars(select(Lever.slug)))
    topics = set(db.session.scalars(select(Topic.slug)))
    parsed: list[PracticeData] = []
    for number, path in enumerate(files, 1):
        result = read_practice_file(path, levers, topics)
        if isinstance(result, list):
            report.errors.extend(result)
        else:
            parsed.append(result)
        if progress:
            progress(number, len(files) * 2)
    slugs = [data.slug for data in parsed]
    for slug in {s for s in slugs if slugs.count(s) > 1}:
        report.errors.append(FileError(slug, "Dateiname", "Kurzname kommt mehrfach vor"))
    if report.errors:
        return report
    try:
        for number, data in enumerate(parsed, 1):
            outcome = save_imported_practice(data)
            setattr(report, outcome, getattr(report, outcome) + 1)
            if progress:
                progress(len(files) + number, len(files) * 2)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return report


def export_practices(target: Path, progress: Callable[[int, int], None] | None = None) -> int:
    """Write every practice as <slug>.md into target; return how many were written."""
    target.mkdir(parents=True, exist_ok=True)
    practices = list(db.session.scalars(select(Practice).order_by(Practice.slug)))
    for number, practice in enumerate(practices, 1):
        content = practice_file_text(practice)
        temporary = target / f".{practice.slug}.md.tmp"
        temporary.write_text(content, encoding="utf-8", newline="\n")
        temporary.replace(target / f"{practice.slug}.md")
        if progress:
            progress(number, len(practices))
    return len(practices)

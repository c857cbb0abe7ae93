"""Writes for practices: saving from file data (import) and export."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from functools import partial
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.markdown import render_markdown
from app.municipalities.models import Municipality
from app.municipalities.services import new_municipality
from app.practices import states
from app.practices.fileformat import (
    WORKSHOP_SLUG_RE,
    FileError,
    PracticeData,
    parse_practice_text,
    read_practice_texts,
    text_hash,
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


class Lookups:
    """The reference rows an entry names (levers, topics, modules, workshops,
    municipalities), each table read once: an import of thousands of files asks the
    database once per table instead of once per file."""

    def __init__(self):
        self.levers = {row.slug: row for row in db.session.scalars(select(Lever))}
        self.topics = {row.slug: row for row in db.session.scalars(select(Topic))}
        self.modules = {row.number: row for row in db.session.scalars(select(Module))}
        self.workshops = {row.slug: row for row in db.session.scalars(select(Workshop))}
        self._municipalities: dict[str, Municipality] | None = None
        self._new_slugs: set[str] = set()

    def municipality(self, data: PracticeData) -> Municipality:
        """The municipality of exactly this name; a new one when unknown.

        New ones are not flushed one by one: each flush also compared every new
        municipality's growing list of entries (an import of 20,000 entries from 500 new
        places spent a fifth of its time there). Their slugs are kept here instead.
        """
        if self._municipalities is None:
            self._municipalities = {
                row.name: row for row in db.session.scalars(select(Municipality))}
        found = self._municipalities.get(data.municipality)
        if found is None:
            found = new_municipality(data.municipality, data.state, data.district,
                                     data.population, taken=self._new_slugs)
            db.session.add(found)
            self._new_slugs.add(found.slug)
            self._municipalities[found.name] = found
        return found

    def workshop(self, slug: str) -> Workshop:
        """A workshop by slug; a well-formed unknown slug creates the workshop it names."""
        if slug not in self.workshops:
            match = WORKSHOP_SLUG_RE.match(slug)
            number = int(match.group(3)) if match.group(3) else None
            module = self.modules.get(number)
            title = f"Modul {number}: {module.title}" if module else "Auftakttreffen"
            workshop = Workshop(slug=slug, title=title,
                                date=date.fromisoformat(match.group(1)), module=module)
            db.session.add(workshop)
            self.workshops[slug] = workshop
        return self.workshops[slug]


def ordered_links(current: list, make: Callable, attribute: str, targets: list) -> list:
    """Link rows for `targets` in their order, reusing the rows that already exist."""
    existing = {getattr(link, attribute): link for link in current}
    links = []
    for position, target in enumerate(targets):
        link = existing.get(target) or make(target)
        link.position = position
        links.append(link)
    return links


def apply_practice_data(practice: Practice, data: PracticeData,
                        lookups: Lookups | None = None, body_html: str | None = None) -> None:
    """Copy validated file data onto a practice (no commit).

    Referenced rows are looked up (or created) first, so that no flush happens while the
    practice is half filled in. Lists keep the order in which they were written.
    """
    lookups = lookups or Lookups()
    municipality = lookups.municipality(data)
    levers = [lookups.levers[slug] for slug in data.levers]
    topics = [lookups.topics[slug] for slug in data.topics]
    modules = lookups.modules
    workshops = [lookups.workshop(slug) for slug in data.workshops]
    with db.session.no_autoflush:
        practice.municipality = municipality
        practice.title, practice.summary, practice.status = data.title, data.summary, data.status
        practice.body = data.body
        practice.body_html = body_html if body_html is not None else str(
            render_markdown(data.body))
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
                    note: str = "", number: int | None = None) -> Revision:
    """Keep the practice's current state as a new revision (no commit).

    `number` may be given by a caller that knows the latest one (the bulk import).
    Any revision but an import's makes the entry differ from the file it came from.
    """
    if number is None:
        number = (db.session.scalar(select(func.max(Revision.number)).where(
            Revision.practice_id == practice.id)) or 0) + 1 if practice.id else 1
    if source != "import":
        practice.source_hash = None
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


@dataclass
class ParsedFile:
    """One valid file of an import: its data, the SHA-256 of its text, its body as HTML."""

    data: PracticeData
    source_hash: str
    body_html: str | None = None


def prepare_file(job: tuple[str, str, str], levers: set[str],
                 topics: set[str]) -> ParsedFile | list[FileError]:
    """Validate one file and render its Markdown; no database (runs in worker processes)."""
    name, slug, text = job
    result = parse_practice_text(name, slug, text, levers, topics)
    if isinstance(result, list):
        return result
    return ParsedFile(result, text_hash(text), str(render_markdown(result.body)))


PARALLEL_IMPORT_FROM = 1000  # files; fewer are not worth starting processes for


def prepared_files(jobs: list[tuple[str, str, str]], levers: set[str],
                   topics: set[str]) -> Iterator[ParsedFile | list[FileError]]:
    """prepare_file for every job, in order.

    Parsing and rendering are pure Python and a third of an import's time, so a large
    import does them in worker processes while this one writes the entries it has
    already got. Forked, so that nothing is imported again in the workers.
    """
    prepare = partial(prepare_file, levers=levers, topics=topics)
    processes = min(os.cpu_count() or 1, 4)
    if (len(jobs) < PARALLEL_IMPORT_FROM or processes < 2
            or "fork" not in multiprocessing.get_all_start_methods()):
        yield from map(prepare, jobs)
        return
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        yield from pool.imap(prepare, jobs, chunksize=32)


def save_imported_practice(parsed: ParsedFile, existing: Practice | None, lookups: Lookups,
                           latest_revision: int) -> str:
    """Create or update one practice from file data; return 'created', 'updated' or 'unchanged'."""
    data, practice = parsed.data, existing
    if practice is not None and practice.is_published and (
            _effective_text(data, practice) == practice_file_text(practice)):
        practice.source_hash = parsed.source_hash  # same content, written differently
        return "unchanged"
    outcome = "updated" if practice else "created"
    if practice is None:
        practice = Practice(slug=data.slug)
    apply_practice_data(practice, data, lookups, parsed.body_html)  # may flush a new municipality
    db.session.add(practice)
    now = utcnow()
    practice.updated_at = now
    practice.publication = states.PUBLISHED  # the file is the curated source (SPEC §2)
    practice.published_at = publication_time(data.published, practice.published_at or now)
    record_revision(practice, source="import", note="Import aus Datei",
                    number=latest_revision + 1)
    practice.source_hash = parsed.source_hash
    record_practice_change(practice.slug)
    return outcome


def collect_practice_files(path: Path) -> list[Path]:
    """The .md files named by a path: the file itself or a folder's files, sorted."""
    if path.is_dir():
        return sorted(p for p in path.glob("*.md") if p.is_file())
    return [path]


LOAD_CHUNK = 500  # slugs per query when loading the entries an import touches


def _unchanged_slugs(texts: dict[str, str]) -> set[str]:
    """Published entries whose file text is byte-for-byte what they were imported from."""
    unchanged = set()
    slugs = list(texts)
    for start in range(0, len(slugs), LOAD_CHUNK):
        rows = db.session.execute(select(Practice.slug, Practice.source_hash).where(
            Practice.slug.in_(slugs[start:start + LOAD_CHUNK]),
            Practice.publication == states.PUBLISHED, Practice.source_hash.is_not(None)))
        unchanged.update(slug for slug, digest in rows if digest == text_hash(texts[slug]))
    return unchanged


def _existing(slugs: list[str]) -> tuple[dict[str, Practice], dict[int, int]]:
    """The stored entries among `slugs` with their links, and their latest revision numbers."""
    found: dict[str, Practice] = {}
    for start in range(0, len(slugs), LOAD_CHUNK):
        chunk = slugs[start:start + LOAD_CHUNK]
        found.update((p.slug, p) for p in db.session.scalars(
            select(Practice).where(Practice.slug.in_(chunk)).options(
                selectinload(Practice.municipality), selectinload(Practice.lever_links),
                selectinload(Practice.topic_links), selectinload(Practice.module_links),
                selectinload(Practice.workshop_links), selectinload(Practice.sdg_links))))
    ids = [practice.id for practice in found.values()]
    latest: dict[int, int] = {}
    for start in range(0, len(ids), LOAD_CHUNK):
        rows = db.session.execute(
            select(Revision.practice_id, func.max(Revision.number))
            .where(Revision.practice_id.in_(ids[start:start + LOAD_CHUNK]))
            .group_by(Revision.practice_id))
        latest.update((practice_id, number) for practice_id, number in rows)
    return found, latest


def import_practices(paths: Iterable[Path],
                     progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Validate every file, then import all of them in one transaction, or none.

    A file whose text is exactly what its published entry was last imported from is
    recognised by its hash and not parsed again, so a repeated import is cheap. Files are
    saved as they are validated; the first invalid one stops the saving, the rest are
    still checked so that every error is reported, and nothing is committed.
    """
    files = list(paths)
    report = ImportReport(files=len(files))
    texts, errors = read_practice_texts(files)
    report.errors.extend(errors)
    skip = _unchanged_slugs({slug: text for slug, (_path, text) in texts.items()})
    report.unchanged = len(skip)
    levers = set(db.session.scalars(select(Lever.slug)))
    topics = set(db.session.scalars(select(Topic.slug)))
    jobs = [(str(path), slug, text) for slug, (path, text) in texts.items() if slug not in skip]
    try:
        lookups = Lookups()
        existing, latest = _existing([slug for _name, slug, _text in jobs])
        with db.session.no_autoflush:
            for number, item in enumerate(prepared_files(jobs, levers, topics), 1):
                if isinstance(item, list):
                    report.errors.extend(item)
                elif not report.errors:
                    practice = existing.get(item.data.slug)
                    outcome = save_imported_practice(
                        item, practice, lookups, latest.get(practice.id, 0) if practice else 0)
                    setattr(report, outcome, getattr(report, outcome) + 1)
                if progress:
                    progress(len(skip) + number, len(files))
        if report.errors:
            db.session.rollback()
            report.created = report.updated = report.unchanged = 0
            return report
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

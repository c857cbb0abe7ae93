"""Keeping the index in step with the database: outbox draining, reindex and check.

Every change to a practice writes a SearchChange row in the same transaction. Whoever
holds the index's writer lock applies the rows after the index's remembered sequence
number: it re-reads each named practice and replaces (or removes) its document, commits
the index, fsyncs the new files and only then advances the sequence. A crash in between
replays the rows, which is harmless because applying is idempotent.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from whoosh.index import LockError

from app.practices.models import Practice
from app.search.analysis import (
    MIN_COMPOUND,
    Lexicon,
    document_words,
    get_lexicon,
    set_lexicon,
    word_terms,
)
from app.search.documents import (
    index_document,
    load_practices,
    practice_fields,
    practice_meta,
    vocabulary_words,
)
from app.search.index import TEXT_FIELDS, IndexStore, SyncState, Vocabulary
from app.search.models import SearchChange

log = logging.getLogger(__name__)

BATCH = 2000
HOLE_TIMEOUT = 600.0  # seconds a skipped sequence number is waited for (PostgreSQL gaps)
LOCK_TIMEOUT = 30.0
REINDEX_MEMORY_MB = 1024  # posting pool of a rebuild; larger pools avoid sorting on disk


def pending_query(state: SyncState):
    """Outbox rows the index has not applied yet, oldest first."""
    condition = SearchChange.seq > state.seq
    if state.holes:
        condition = or_(condition, SearchChange.seq.in_(list(state.holes)))
    return select(SearchChange.seq, SearchChange.practice_slug).where(condition).order_by(
        SearchChange.seq).limit(BATCH)


def has_pending(store: IndexStore, session: Session) -> bool:
    """Whether the outbox holds rows this index has not applied."""
    state = store.read_state()
    return session.execute(pending_query(state).limit(1)).first() is not None


def advance(state: SyncState, seqs: list[int]) -> SyncState:
    """The state after applying these sequence numbers; gaps below become holes."""
    now = time.time()
    applied = set(seqs)
    top = max([state.seq, *seqs])
    holes = {s: t for s, t in state.holes.items() if s not in applied and now - t < HOLE_TIMEOUT}
    holes.update({s: now for s in range(state.seq + 1, top) if s not in applied})
    return SyncState(seq=top, holes=holes)


def _live_docnums(reader, field: str, text: str) -> list[int]:
    """Docnums of the live documents that have a term."""
    if (field, text) not in reader:
        return []
    return [n for n in reader.postings(field, text).all_ids() if not reader.is_deleted(n)]


def _stored(reader, slug: str) -> list[dict]:
    """The stored fields of a slug's live documents."""
    return [reader.stored_fields(n) for n in _live_docnums(reader, "slug", slug)]


def _is_public(stored: dict) -> bool:
    data = stored.get("data")
    return isinstance(data, dict) and not data.get("members_only", True)


def resplit_words(vocabulary: Vocabulary, old: Lexicon, new: Lexicon) -> set[str]:
    """Corpus words whose analysis differs between two splitting dictionaries."""
    changed = (old.words ^ new.words) | (old.stems ^ new.stems)
    if not changed:
        return set()
    words = [w for w in vocabulary.counts() if len(w) >= MIN_COMPOUND and w.isalpha()]
    haystack = "\n" + "\n".join(words) + "\n"
    candidates: set[str] = set()
    for piece in changed:
        position = haystack.find(piece)
        while position >= 0:
            start = haystack.rfind("\n", 0, position) + 1
            candidates.add(haystack[start:haystack.index("\n", position)])
            position = haystack.find(piece, position + 1)
    return {w for w in candidates if word_terms(w, old) != word_terms(w, new)}


def _slugs_with_words(reader, words: set[str]) -> set[str]:
    """Slugs of the live documents containing any of these (normalised) words."""
    slugs = set()
    for word in words:
        term = word_terms(word)[:1]
        for name in TEXT_FIELDS:
            for number in _live_docnums(reader, name, term[0]) if term else ():
                data = reader.stored_fields(number).get("data")
                if isinstance(data, dict):
                    slugs.add(data["slug"])
    return slugs


def apply_batch(store: IndexStore, session: Session, writer, rows, reader) -> Vocabulary:
    """Replace or remove the documents of the practices named by outbox rows.

    The vocabulary loses the replaced documents' words and gains the new ones; when that
    changes the splitting dictionary, documents whose words now split otherwise are
    indexed again too, so the index stays equal to a fresh rebuild.
    """
    slugs = list(dict.fromkeys(slug for _, slug in rows))
    vocabulary = store.vocabulary().copy()  # searches keep reading the committed one
    for slug in slugs:
        for stored in _stored(reader, slug):
            vocabulary.add_document(set(stored.get("words", "").split()), _is_public(stored), -1)
    practices = {slug: p for slug, p in load_practices(session, slugs).items() if p.is_published}
    for practice in practices.values():
        vocabulary.add_document(vocabulary_words(practice), practice.visibility == "public")
    lexicon = store.lexicon or get_lexicon()
    before = lexicon.copy()
    lexicon.rebuild(vocabulary.counts())  # in place: other threads hold the same object
    resplit = resplit_words(vocabulary, before, lexicon)
    extra = sorted(_slugs_with_words(reader, resplit) - set(slugs)) if resplit else []
    if extra:
        practices.update(load_practices(session, extra))
    for slug in [*slugs, *extra]:
        writer.delete_by_term("slug", slug)
        if slug in practices:
            writer.add_document(**index_document(practices[slug]))
    return vocabulary


def fsync_folder(folder) -> None:
    """Whoosh never fsyncs: flush the index files to disk before the state moves on."""
    for entry in os.scandir(folder):
        if entry.is_file() and not entry.name.startswith("."):
            try:
                descriptor = os.open(entry.path, os.O_RDONLY)
            except FileNotFoundError:
                continue  # merged away meanwhile; its successor is synced by its writer
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)


@contextlib.contextmanager
def process_lock(store: IndexStore, blocking: bool):
    """One draining process per index folder, from the writer through the state file.

    Whoosh's own lock ends with writer.commit(); holding this one until the state is
    written keeps another process from syncing or cleaning files in between.
    """
    store.root.mkdir(parents=True, exist_ok=True)
    with open(store.root / "drain.lock", "a+b") as handle:
        deadline = time.monotonic() + (LOCK_TIMEOUT if blocking else 0)
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(0.02)
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def drain(store: IndexStore, session: Session, blocking: bool = True) -> int:
    """Apply all pending outbox rows; return how many were applied (0 if the lock is busy)."""
    if not store.drain_lock.acquire(blocking=blocking, timeout=LOCK_TIMEOUT if blocking else -1):
        return 0
    try:
        with process_lock(store, blocking) as acquired:
            if not acquired:
                if blocking:
                    raise LockError("search index is locked by another process")
                return 0
            return _drain_locked(store, session, blocking)
    finally:
        store.drain_lock.release()


def _drain_locked(store: IndexStore, session: Session, blocking: bool) -> int:
    total = 0
    while True:
        name = store.current_name()
        state = store.read_state(name)
        rows = session.execute(pending_query(state)).all()
        if not rows:
            return total
        index = store.open_index(name)
        try:
            writer = index.writer(timeout=LOCK_TIMEOUT if blocking else 0.0, limitmb=256)
        except LockError:
            if blocking:
                raise
            return total
        try:
            state = store.read_state(name)  # another process may have moved on meanwhile
            rows = session.execute(pending_query(state)).all()
            with index.reader() as reader:
                vocabulary = apply_batch(store, session, writer, rows, reader)
            writer.commit()
        except BaseException:
            writer.cancel()
            store.forget_vocabulary()  # counted in memory for a batch that did not happen
            raise
        fsync_folder(store.folder(name))
        store.write_vocabulary(vocabulary, name)
        store.write_state(advance(state, [seq for seq, _ in rows]), name)
        store.invalidate()
        session.rollback()  # end the read transaction so the next batch sees new commits
        total += len(rows)


def database_vocabulary(session: Session) -> Vocabulary:
    """The vocabulary of the published entries, as a fresh rebuild counts it."""
    vocabulary = Vocabulary()
    rows = session.execute(select(
        Practice.title, Practice.summary, Practice.body, Practice.visibility).where(
        Practice.publication == "published")).yield_per(1000)
    for title, summary, body, visibility in rows:
        vocabulary.add_document(document_words(title, summary, body), visibility == "public")
    return vocabulary


def reindex(store: IndexStore, session: Session, progress=None) -> int:
    """Build a new generation from the database and switch to it; return the entry count."""
    start = session.scalar(select(func.max(SearchChange.seq))) or 0
    slugs = list(session.scalars(
        select(Practice.slug).where(Practice.publication == "published").order_by(Practice.id)))
    vocabulary = database_vocabulary(session)
    name = store.create_generation(SyncState(seq=start))
    set_lexicon(Lexicon.build(vocabulary.counts()))  # the splitting dictionary for the build
    store.write_vocabulary(vocabulary, name)
    index = store.open_index(name)
    writer = index.writer(limitmb=REINDEX_MEMORY_MB)
    try:
        for offset in range(0, len(slugs), 500):
            for practice in load_practices(session, slugs[offset:offset + 500]).values():
                writer.add_document(**index_document(practice))
            session.expunge_all()
            if progress:
                progress(min(offset + 500, len(slugs)), len(slugs))
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    fsync_folder(store.folder(name))
    store.switch_to(name)
    store.invalidate()
    session.rollback()
    drain(store, session)
    return len(slugs)


@dataclass
class CheckReport:
    """Differences between the database and the index."""

    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    vocabulary: list[str] = field(default_factory=list)  # words counted otherwise than a rebuild

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.stale or self.vocabulary)

    @property
    def slugs(self) -> list[str]:
        return sorted({*self.missing, *self.extra, *self.stale})


def check(store: IndexStore, session: Session) -> CheckReport:
    """Compare every published practice with its indexed document, as a rebuild would make it.

    Besides text and metadata, each document's digest covers how its words are analysed
    with the splitting dictionary a rebuild would use, and the vocabulary (which drives
    splitting, corrections and suggestions) is compared with the database's: so a search
    that would rank differently from a fresh rebuild is noticed.
    """
    view = store.view()
    indexed = {view.metas[n].slug: view.metas[n].digest for n in view.all_ids}
    report = CheckReport()
    expected = database_vocabulary(session)
    actual = view.vocabulary
    report.vocabulary = sorted(w for w in set(expected.docs) | set(actual.docs)
                               if expected.docs.get(w) != actual.docs.get(w)
                               or expected.public.get(w) != actual.public.get(w))
    lexicon = Lexicon.build(expected.counts())
    slugs = list(session.scalars(select(Practice.slug).where(Practice.publication == "published")))
    for offset in range(0, len(slugs), 500):
        for slug, practice in load_practices(session, slugs[offset:offset + 500]).items():
            digest = practice_meta(practice, practice_fields(practice), lexicon).digest
            if slug not in indexed:
                report.missing.append(slug)
            elif indexed[slug] != digest:
                report.stale.append(slug)
        session.expunge_all()
    report.extra = sorted(set(indexed) - set(slugs))
    return report


def repair(store: IndexStore, session: Session, report: CheckReport) -> int:
    """Queue every differing entry in the outbox and apply it; rebuild if counts drifted."""
    if report.vocabulary:
        return reindex(store, session)
    for slug in report.slugs:
        session.add(SearchChange(practice_slug=slug))
    session.commit()
    applied = drain(store, session)
    store.invalidate()
    if store.view().vocabulary.docs != database_vocabulary(session).docs:
        # Documents removed behind the outbox's back took no words with them.
        return reindex(store, session)
    return applied


def drain_in_background(store: IndexStore, session_factory, attempts: int = 20) -> int:
    """Try to take the writer lock without waiting long; retry briefly if another holds it."""
    applied = 0
    for _ in range(attempts):
        with session_factory() as session:
            try:
                applied += drain(store, session, blocking=False)
                if not has_pending(store, session):
                    return applied
            except Exception:  # a background drain must never take the process down
                log.exception("search index update failed; the worker or next change retries")
                return applied
        time.sleep(0.05)
    return applied

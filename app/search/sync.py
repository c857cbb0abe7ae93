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
from app.search.analysis import Lexicon, get_lexicon, set_lexicon
from app.search.documents import index_document, load_practices, practice_fields, practice_meta
from app.search.index import IndexStore, SyncState, Vocabulary
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


def add_words(vocabulary: Vocabulary, texts) -> None:
    """Grow the corpus vocabulary (and so the splitting dictionary) by these texts."""
    words: set[str] = set()
    for text in texts:
        words |= vocabulary.add_text(text)
    get_lexicon().add(words)



def apply_batch(store: IndexStore, session: Session, writer, rows) -> None:
    """Replace or remove the documents of the practices named by outbox rows."""
    slugs = list(dict.fromkeys(slug for _, slug in rows))
    practices = load_practices(session, slugs)
    fields = {slug: practice_fields(p) for slug, p in practices.items() if p.is_published}
    add_words(store.vocabulary(), (text for slug in fields for text in (
        practices[slug].title, practices[slug].summary, practices[slug].body)))
    for slug in slugs:
        writer.delete_by_term("slug", slug)
        if slug in fields:
            writer.add_document(**index_document(practices[slug], fields[slug]))


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
            apply_batch(store, session, writer, rows)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        fsync_folder(store.folder(name))
        store.write_vocabulary(store.vocabulary(name), name)
        store.write_state(advance(state, [seq for seq, _ in rows]), name)
        store.invalidate()
        session.rollback()  # end the read transaction so the next batch sees new commits
        total += len(rows)


def reindex(store: IndexStore, session: Session, progress=None) -> int:
    """Build a new generation from the database and switch to it; return the entry count."""
    start = session.scalar(select(func.max(SearchChange.seq))) or 0
    slugs = list(session.scalars(
        select(Practice.slug).where(Practice.publication == "published").order_by(Practice.id)))
    vocabulary = Vocabulary()
    texts = session.execute(select(Practice.title, Practice.summary, Practice.body).where(
        Practice.publication == "published")).yield_per(1000)
    add_words(vocabulary, (text for row in texts for text in row))
    name = store.create_generation(SyncState(seq=start))
    store.write_vocabulary(vocabulary, name)
    set_lexicon(Lexicon.build(vocabulary.counts))  # the splitting dictionary for the build
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

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.stale)

    @property
    def slugs(self) -> list[str]:
        return sorted({*self.missing, *self.extra, *self.stale})


def check(store: IndexStore, session: Session) -> CheckReport:
    """Compare every published practice with its indexed document."""
    view = store.view()
    indexed = {view.metas[n].slug: view.metas[n].digest for n in view.all_ids}
    report = CheckReport()
    slugs = list(session.scalars(select(Practice.slug).where(Practice.publication == "published")))
    for offset in range(0, len(slugs), 500):
        for slug, practice in load_practices(session, slugs[offset:offset + 500]).items():
            digest = practice_meta(practice, practice_fields(practice)).digest
            if slug not in indexed:
                report.missing.append(slug)
            elif indexed[slug] != digest:
                report.stale.append(slug)
        session.expunge_all()
    report.extra = sorted(set(indexed) - set(slugs))
    return report


def repair(store: IndexStore, session: Session, report: CheckReport) -> int:
    """Queue every differing entry in the outbox and apply it."""
    for slug in report.slugs:
        session.add(SearchChange(practice_slug=slug))
    session.commit()
    return drain(store, session)


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

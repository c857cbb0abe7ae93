"""Keeping the index in step with the database: outbox draining, reindex and check.

Every change to a practice writes a SearchChange row in the same transaction. Whoever
holds the index's writer lock applies the rows after the index's remembered sequence
number: it re-reads each named practice and replaces (or removes) its document, commits
the index, fsyncs the new files and only then advances the sequence. A crash in between
replays the rows, which is harmless because applying is idempotent.

Sequence numbers skipped by a batch (PostgreSQL draws them at insert time, but transactions
commit in any order) are remembered as holes and read again until they are settled, see
``settled_seq``. The log stays small: each index folder is a consumer with a watermark in
``search_consumer``, and rows below the lowest watermark of the recently seen consumers are
deleted, see ``prune_outbox``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import multiprocessing
import os
import socket
import time
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, func, insert, or_, select, text, update
from sqlalchemy.orm import Session
from whoosh.index import LockError

from app.practices.models import Practice
from app.search.analysis import (
    MIN_COMPOUND,
    Lexicon,
    containing,
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
from app.search.models import SearchChange, SearchConsumer
from app.search.outbox import OUTBOX_LOCK, add_change
from app.timeutil import utcnow

log = logging.getLogger(__name__)

BATCH = 2000
LOCK_TIMEOUT = 30.0
CONSUMER_INTERVAL = 60.0  # seconds between updates of an index folder's consumer row
CONSUMER_TTL = timedelta(days=7)  # a consumer not seen for so long holds no rows back
PRUNE_AGE = timedelta(hours=1)  # younger rows stay (grace for a folder not registered yet)
PRUNED = "(pruned)"  # the search_consumer row whose seq is the highest pruned sequence number
REINDEX_MEMORY_MB = 1024  # posting pool of a rebuild; larger pools avoid sorting on disk
PARALLEL_REBUILD_FROM = 2000  # entries; below, starting processes costs more than it saves


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


def advance(state: SyncState, seqs: list[int], settled: int | None = None) -> SyncState:
    """The state after applying these sequence numbers; gaps below become holes.

    Holes up to ``settled`` are dropped: no row can appear there any more, and the batch
    that was read after settling contained every row there that exists.
    """
    now = time.time()
    applied = set(seqs)
    top = max([state.seq, *seqs])
    holes = {s: t for s, t in state.holes.items() if s not in applied}
    holes.update({s: now for s in range(state.seq + 1, top) if s not in applied})
    if settled is not None:
        holes = {s: t for s, t in holes.items() if s > settled}
    return SyncState(seq=top, holes=holes)


def settled_seq(session: Session, wait: bool = False) -> int | None:
    """A sequence number below which no outbox row can still appear (None: not known now).

    PostgreSQL draws sequence numbers at insert time, but transactions commit in any order:
    a drain that has read up to N may later see a committed row below N. Of the sound ways
    to know when that can no longer happen, the simplest is a lock: writers hold the outbox
    advisory lock shared from before drawing their number until their transaction ends
    (app/search/outbox.py), so whoever gets it exclusively sees no writer in flight, and
    every number up to the largest committed one is final (committed, or never). Nobody
    queues for it exclusively, so a writer waits at most for one short query: a drain tries
    once and, finding writers busy, keeps its holes for the next one; a reindex (whose
    starting number must be settled) tries until the writers in flight are done. The
    alternatives need what is not there: the lowest number held by running transactions is
    invisible to other sessions, and re-reading a window below the watermark needs a window
    no transaction may outlast (the old ten-minute timeout for holes).
    SQLite has one writer at a time, so numbers commit in order: the largest is settled.
    """
    top = select(func.coalesce(func.max(SearchChange.seq), 0))
    if session.get_bind().dialect.name != "postgresql":
        return session.scalar(top)
    deadline = time.monotonic() + LOCK_TIMEOUT
    while True:
        session.rollback()  # a fresh transaction each time: the lock ends with it
        try:
            if session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"),
                              {"key": OUTBOX_LOCK}):
                return session.scalar(top)
        finally:
            session.rollback()
        if not wait:
            return None
        if time.monotonic() > deadline:
            log.warning("waiting for writing transactions to finish")
            deadline = float("inf")
        time.sleep(0.02)


class IndexBehindOutbox(RuntimeError):
    """Rows this index still needs were pruned (it was not seen for CONSUMER_TTL)."""


def consumer_name(store: IndexStore, generation: str) -> str:
    """The search_consumer name of one index folder: host and path."""
    path = str(store.root / generation)
    host = socket.gethostname()[:100]
    if len(host) + 1 + len(path) > 255:
        path = f"{hashlib.sha256(path.encode()).hexdigest()[:16]}/{generation}"
    return f"{host}:{path}"


def watermark(state: SyncState) -> int:
    """The highest sequence number up to which the index needs no outbox row any more."""
    return min(state.holes) - 1 if state.holes else state.seq


def _lock_horizon(session: Session) -> int:
    """How far the outbox was pruned; its row stays locked until the transaction ends."""
    horizon = session.scalar(select(SearchConsumer.seq).where(SearchConsumer.name == PRUNED)
                             .with_for_update())
    if horizon is None:  # created by the migration; only missing in hand-made schemas
        session.execute(insert(SearchConsumer).values(name=PRUNED, seq=0, seen_at=utcnow()))
        horizon = 0
    return horizon


def register_consumer(session: Session, name: str, seq: int | None = None) -> int:
    """Record an index folder as a consumer at a watermark (default: as low as allowed).

    Returns the pruning horizon: rows up to it are gone, and a folder whose watermark lies
    below it is not recorded (it is behind; see IndexBehindOutbox). Registering and pruning
    lock the same row, so a prune either sees this consumer or has finished before it looks.
    """
    try:
        horizon = _lock_horizon(session)
        if seq is None or seq >= horizon:
            values = {"seq": horizon if seq is None else seq, "seen_at": utcnow()}
            changed = session.execute(update(SearchConsumer).where(
                SearchConsumer.name == name).values(**values)).rowcount
            if not changed:
                session.execute(insert(SearchConsumer).values(name=name, **values))
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return horizon


def unregister_consumer(session: Session, name: str) -> None:
    """Forget an index folder that no longer follows the outbox (replaced by a reindex)."""
    session.execute(delete(SearchConsumer).where(SearchConsumer.name == name))
    session.commit()


def prune_outbox(session: Session) -> int:
    """Delete the outbox rows every recently seen index has applied; return how many.

    Safe with several index folders on one database: a row goes only when it lies at or
    below the watermark of every consumer seen within CONSUMER_TTL (a reindex registers its
    new folder before it reads the database, so the old folder's progress cannot prune rows
    the new one needs). A folder not seen for so long is forgotten; should it come back, it
    finds rows it needs below the recorded horizon and raises IndexBehindOutbox instead of
    silently missing them (``search worker`` then rebuilds it). Rows younger than PRUNE_AGE
    stay, so a folder that was up to date when it last ran (say, on another host during
    an upgrade that brought this table) registers before anything it needs goes. The newest
    row is always kept: SQLite would otherwise hand out its sequence number again.
    """
    try:
        horizon = _lock_horizon(session)
        session.execute(delete(SearchConsumer).where(
            SearchConsumer.name != PRUNED, SearchConsumer.seen_at < utcnow() - CONSUMER_TTL))
        floor = session.scalar(select(func.min(SearchConsumer.seq)).where(
            SearchConsumer.name != PRUNED))
        top = session.scalar(select(func.max(SearchChange.seq)))
        old = session.scalar(select(func.max(SearchChange.seq)).where(
            SearchChange.created_at <= utcnow() - PRUNE_AGE))
        known = floor is not None and top is not None and old is not None
        bound = min(floor, top - 1, old) if known else horizon
        deleted = 0
        if bound > horizon:
            deleted = session.execute(delete(SearchChange).where(
                SearchChange.seq <= bound)).rowcount
            session.execute(update(SearchConsumer).where(SearchConsumer.name == PRUNED)
                            .values(seq=bound, seen_at=utcnow()))
        session.commit()
        return deleted
    except BaseException:
        session.rollback()
        raise


_registered: dict[str, float] = {}  # consumer name → when this process last registered it


def _keep_registered(store: IndexStore, session: Session, name: str, state: SyncState) -> None:
    """Refresh this folder's consumer row (at most every CONSUMER_INTERVAL), then prune."""
    key = consumer_name(store, name)
    now = time.monotonic()
    last = _registered.get(key)
    if last is not None and now - last < CONSUMER_INTERVAL:
        return
    horizon = register_consumer(session, key, watermark(state))
    if watermark(state) < horizon:
        raise _behind(store, name, state, horizon)
    _registered[key] = now
    try:
        pruned = prune_outbox(session)
    except Exception:  # pruning is housekeeping: the next drain tries again
        log.warning("pruning the search outbox failed", exc_info=True)
        return
    if pruned:
        log.info("pruned %d search outbox rows every index has applied", pruned)


def pruned_through(session: Session) -> int:
    """The pruning horizon: outbox rows up to this sequence number are gone."""
    return session.scalar(select(SearchConsumer.seq).where(SearchConsumer.name == PRUNED)) or 0


def check_not_behind(store: IndexStore, session: Session, state: SyncState) -> None:
    """Raise IndexBehindOutbox if rows the active index needs were pruned."""
    horizon = pruned_through(session)
    if watermark(state) < horizon:
        raise _behind(store, store.current_name(), state, horizon)


def _behind(store: IndexStore, name: str, state: SyncState, horizon: int) -> IndexBehindOutbox:
    return IndexBehindOutbox(
        f"search index {store.folder(name)} still needs outbox rows after sequence number "
        f"{watermark(state)}, but rows up to {horizon} were pruned (a new index folder, or "
        f"one not updated for {CONSUMER_TTL.days} days): run `flask search reindex`")


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
    return {w for w in containing(words, changed) if word_terms(w, old) != word_terms(w, new)}


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


MERGE_FACTOR = 10  # segments of one size level before they are merged into one
REPLACED_SHARE = 1 / 3  # a segment with this share of replaced documents is rewritten


def merge_levels(writer, segments: list) -> list:
    """Whoosh merge policy of the drains: a log merge by size level (as Lucene's).

    Segments are grouped by the power of MERGE_FACTOR of their size; once a level holds
    MERGE_FACTOR of them, they are merged into one of the next level, so an index keeps
    fewer than MERGE_FACTOR segments per level and a large segment is not rewritten by
    small edits. A segment whose documents were all replaced is dropped without reading it:
    edits of the same entries leave many, and Whoosh's MERGE_SMALL read each of them again
    (benchmarks/drain_benchmark.py: 143 → 114 ms of CPU per edit). A larger segment with a
    third of its documents replaced is rewritten, which drops those from disk.
    """
    from whoosh.reading import SegmentReader

    kept = [segment for segment in segments
            if segment.deleted_count() < segment.doc_count_all()]
    levels: dict[int, list] = {}
    for segment in kept:
        levels.setdefault(_size_level(segment.doc_count_all()), []).append(segment)
    merging = [segment for level in levels.values() if len(level) >= MERGE_FACTOR
               for segment in level]
    merging += [segment for segment in kept if segment not in merging
                and segment.doc_count_all() >= MERGE_FACTOR
                and segment.deleted_count() >= REPLACED_SHARE * segment.doc_count_all()]
    for segment in merging:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)  # copies the live documents only
        reader.close()
    return [segment for segment in kept if segment not in merging]


def _size_level(documents: int) -> int:
    level = 0
    while documents >= MERGE_FACTOR:
        documents //= MERGE_FACTOR
        level += 1
    return level


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
        _keep_registered(store, session, name, state)
        # before reading rows, so that they include every row up to it
        settled = settled_seq(session) if state.holes else None
        rows = session.execute(pending_query(state)).all()
        if not rows:
            if settled is not None and any(s <= settled for s in state.holes):
                store.write_state(advance(state, [], settled), name)  # rolled back for good
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
            settled = settled_seq(session)
            rows = session.execute(pending_query(state)).all()
            if settled is not None and len(rows) == BATCH:
                settled = min(settled, rows[-1][0])  # the batch ends there
            with index.reader() as reader:
                vocabulary = apply_batch(store, session, writer, rows, reader)
            writer.commit(mergetype=merge_levels)
        except BaseException:
            writer.cancel()
            store.forget_vocabulary()  # counted in memory for a batch that did not happen
            raise
        fsync_folder(store.folder(name))
        store.write_vocabulary(vocabulary, name)
        store.write_state(advance(state, [seq for seq, _ in rows], settled), name)
        store.invalidate()
        session.rollback()  # end the read transaction so the next batch sees new commits
        total += len(rows)


def pending_count(store: IndexStore, session: Session) -> int:
    """How many outbox rows the current index has not applied."""
    state = store.read_state()
    return session.scalar(select(func.count()).select_from(SearchChange).where(
        SearchChange.seq > state.seq)) or 0


def apply_bulk(store: IndexStore, session: Session, progress=None) -> int:
    """Bring the index up to date after a bulk change (an import); return rows or entries.

    When the outbox names at least PARALLEL_REBUILD_FROM entries and half of the index,
    a rebuild (spread over the cores, atomic) is faster than replacing the documents one
    by one (20,000 imported entries: drain 85 s, see rebuild_writer_options for the
    rebuild). Otherwise the rows are applied as usual.
    """
    pending = pending_count(store, session)
    if pending >= PARALLEL_REBUILD_FROM and 2 * pending >= store.open_index().doc_count():
        session.rollback()
        return reindex(store, session, progress)
    return drain(store, session)


def database_vocabulary(session: Session) -> Vocabulary:
    """The vocabulary of the published entries, as a fresh rebuild counts it."""
    vocabulary = Vocabulary()
    rows = session.execute(select(
        Practice.title, Practice.summary, Practice.body, Practice.visibility).where(
        Practice.publication == "published")).yield_per(1000)
    for title, summary, body, visibility in rows:
        vocabulary.add_document(document_words(title, summary, body), visibility == "public")
    return vocabulary


def rebuild_writer_options(entries: int) -> dict:
    """Whoosh writer options for a rebuild of this many entries.

    Analysing and writing postings is most of a rebuild's time and runs in pure Python, so
    a large rebuild spreads it over the cores: Whoosh's multiprocessing writer gives each
    process its own segment (measured: 3,000 entries 11.8 s → 8.4 s on 2 cores). Only with
    the fork start method, because the processes must inherit the splitting dictionary
    (``set_lexicon``) the parent set for this build.
    """
    processes = min(os.cpu_count() or 1, 4)
    if (entries < PARALLEL_REBUILD_FROM or processes < 2
            or multiprocessing.get_start_method(allow_none=False) != "fork"):
        return {"limitmb": REINDEX_MEMORY_MB}
    return {"limitmb": REINDEX_MEMORY_MB // processes, "procs": processes,
            "multisegment": True, "batchsize": min(100, max(1, entries // (2 * processes)))}


def reindex(store: IndexStore, session: Session, progress=None) -> int:
    """Build a new generation from the database and switch to it; return the entry count.

    The new folder registers as a consumer first (so that no row it will need is pruned
    while it builds) and starts at a settled sequence number: every change up to it has
    committed before the entries are read, so none is lost to a transaction that commits
    a lower number during the rebuild.
    """
    name = store.create_generation(SyncState(seq=0))
    consumer = consumer_name(store, name)
    register_consumer(session, consumer)
    start = settled_seq(session, wait=True)
    store.write_state(SyncState(seq=start), name)
    register_consumer(session, consumer, start)
    slugs = list(session.scalars(
        select(Practice.slug).where(Practice.publication == "published").order_by(Practice.id)))
    vocabulary = database_vocabulary(session)
    set_lexicon(Lexicon.build(vocabulary.counts()))  # the splitting dictionary for the build
    store.write_vocabulary(vocabulary, name)
    index = store.open_index(name)
    writer = index.writer(**rebuild_writer_options(len(slugs)))
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
    previous = store.current_name()
    store.switch_to(name)
    store.invalidate()
    session.rollback()
    if previous != name:
        unregister_consumer(session, consumer_name(store, previous))  # no longer drained
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
        add_change(session, slug)
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
            except IndexBehindOutbox as error:
                _log_behind(error)
                return applied
            except Exception:  # a background drain must never take the process down
                log.exception("search index update failed; the worker or next change retries")
                return applied
        time.sleep(0.05)
    return applied


_behind_logged = [0.0]


def _log_behind(error: IndexBehindOutbox) -> None:
    """Say so once a minute, not on every request's catch-up."""
    if time.monotonic() - _behind_logged[0] > 60:
        _behind_logged[0] = time.monotonic()
        log.error("%s", error)

"""The index folder: generations, the long-lived searcher, the lexicon and the sync state.

Layout of SEARCH_INDEX_DIR::

    CURRENT            name of the active generation folder (replaced atomically)
    gen-<stamp>/       a Whoosh index plus
        state.json     the last outbox sequence applied to this index (and open gaps)
        words.tsv      the corpus vocabulary: splitting dictionary, fuzzy terms, suggestions

``search reindex`` builds a new generation and switches CURRENT; searches keep using the
old one until then. Each generation remembers its own outbox position, so several hosts
(each with its own folder) can follow the same change log.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import threading
import time
import uuid
import weakref
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from cachetools import LRUCache
from whoosh import index as whoosh_index
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.searching import Searcher

from app.search.analysis import (
    Lexicon,
    german_analyzer,
    get_lexicon,
    normalize,
    set_lexicon,
)
from app.search.documents import DocMeta, meta_from_stored
from app.search.whoosh_internals import field_lengths, join_postings, segment_postings

CURRENT = "CURRENT"
STATE_FILE = "state.json"
WORDS_FILE = "words.tsv"
TEXT_FIELDS = ("title", "summary", "body", "lessons", "meta")
MAX_KEPT_COUNTS = 50_000  # term counts kept per segment (View.doc_frequency_idf)
REFRESH_INTERVAL = 0.05  # seconds between checks whether the index changed


def build_schema() -> Schema:
    """The one schema: text fields share the German analyzer; "data" holds DocMeta, "words" the
    document's distinct words (so that replacing it can take them out of the vocabulary)."""
    analyzer = german_analyzer()
    return Schema(
        slug=ID(stored=True, unique=True),
        title=TEXT(analyzer=analyzer, phrase=True),
        summary=TEXT(analyzer=analyzer, phrase=True),
        body=TEXT(analyzer=analyzer, phrase=True),
        lessons=TEXT(analyzer=analyzer, phrase=False),
        meta=TEXT(analyzer=analyzer, phrase=False),
        data=STORED(),
        words=STORED(),
    )


def write_atomically(path: Path, text: str) -> None:
    """Write a small file so that readers see the old or the new content, never a mix."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@dataclass
class SyncState:
    """How far a generation has followed the outbox; holes are skipped sequence numbers."""

    seq: int = 0
    holes: dict[int, float] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"seq": self.seq, "holes": {str(k): v for k, v in self.holes.items()}})

    @classmethod
    def from_json(cls, text: str) -> SyncState:
        data = json.loads(text)
        return cls(seq=int(data["seq"]), holes={int(k): v for k, v in data["holes"].items()})


@dataclass
class Vocabulary:
    """Words of the live documents: spelling → number of documents, all and public ones.

    Counted per document, and taken out again when a document is replaced or removed, so
    that the vocabulary after any number of updates equals that of a fresh rebuild. The
    public counts are what anonymous callers' corrections and suggestions may use.
    """

    docs: Counter = field(default_factory=Counter)
    public: Counter = field(default_factory=Counter)
    _derived: dict = field(default_factory=dict, repr=False, compare=False)

    def add_document(self, words: set[str], public: bool, sign: int = 1) -> None:
        """Count (sign 1) or uncount (sign -1) one document's distinct words."""
        for counter in (self.docs, self.public) if public else (self.docs,):
            for word in words:
                counter[word] += sign
                if counter[word] <= 0:
                    del counter[word]
        self._derived.clear()

    def copy(self) -> Vocabulary:
        return Vocabulary(docs=Counter(self.docs), public=Counter(self.public))

    def counts(self, public_only: bool = False) -> dict[str, int]:
        """Normalised word → documents containing it (all, or public ones only)."""
        key = ("counts", public_only)
        if key not in self._derived:
            counts: Counter = Counter()
            for word, count in (self.public if public_only else self.docs).items():
                counts[normalize(word)] += count
            self._derived[key] = dict(counts)
        return self._derived[key]

    def surface(self, norm: str, public_only: bool = False) -> str:
        """The most common spelling of a normalised word (ties: alphabetically first)."""
        key = ("surfaces", public_only)
        if key not in self._derived:
            best: dict[str, tuple[int, str]] = {}
            for word, count in (self.public if public_only else self.docs).items():
                norm_word = normalize(word)
                current = best.get(norm_word)
                if current is None or (-count, word) < (-current[0], current[1]):
                    best[norm_word] = (count, word)
            self._derived[key] = {n: word for n, (_, word) in best.items()}
        return self._derived[key].get(norm, norm)

    def dump(self) -> str:
        return "".join(f"{w}\t{c}\t{self.public.get(w, 0)}\n" for w, c in sorted(self.docs.items()))

    @classmethod
    def load(cls, text: str) -> Vocabulary:
        vocabulary = cls()
        for line in text.splitlines():
            parts = line.split("\t")
            if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                vocabulary.docs[parts[0]] = int(parts[1])
                if int(parts[2]):
                    vocabulary.public[parts[0]] = int(parts[2])
        return vocabulary


# Postings read from segments are kept across index states, within this many bytes per
# process: an edit adds a small segment, and only that one is read again.
SEGMENT_POSTINGS_BYTES = 24 * 1024 * 1024
POSTINGS_OVERHEAD = 256  # key and array objects of one kept term


@dataclass(frozen=True)
class SegmentData:
    """What views keep of one segment, read once (segments never change): building a view
    after an edit then costs the new segment only (20,000 entries: about 200 ms per change
    and web process when everything was collected afresh)."""

    metas: list[DocMeta | None]
    lengths: dict[str, np.ndarray]
    terms: frozenset[str]  # its text-field terms
    indexed: np.ndarray  # documents with per-entry data this version reads
    members_only: np.ndarray
    counts: dict = field(default_factory=dict)  # document counts (View.doc_frequency_idf)
    derived: dict = field(default_factory=dict)  # what the engine computes per segment


@dataclass(frozen=True)
class Segment:
    """One segment of a view: its reader, its first docnum in the view, and its data."""

    reader: object
    key: str
    offset: int
    data: SegmentData


class PostingsCache:
    """Each segment's postings of the terms searched for, least recently used out first."""

    def __init__(self, max_bytes: int = SEGMENT_POSTINGS_BYTES):
        self._kept = LRUCache(max_bytes, getsizeof=lambda pair: (
            pair[0].nbytes + pair[1].nbytes + POSTINGS_OVERHEAD))
        self._lock = threading.Lock()

    def get(self, segment: Segment, field: str, text: str, reading) -> tuple:
        key = (segment.key, field, text)
        with self._lock:
            found = self._kept.get(key)
        if found is None:
            with reading:
                found = segment_postings(segment.reader, field, text)
            with self._lock, contextlib.suppress(ValueError):  # larger than the budget
                self._kept[key] = found
        return found


@dataclass
class View:
    """A searcher with the per-document data needed for filters, facets and sorting."""

    searcher: Searcher
    metas: list[DocMeta | None]
    all_ids: frozenset[int]
    public_ids: frozenset[int]
    vocabulary: Vocabulary
    key: tuple
    lengths: dict[str, np.ndarray] = field(default_factory=dict)
    cache: dict = field(default_factory=dict)
    engine: object | None = None
    segments: tuple[Segment, ...] = ()
    live: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # by docnum
    public: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    postings_cache: PostingsCache = field(default_factory=PostingsCache)
    # Whoosh's readers seek and then read one shared file per segment: one thread at a time.
    # Every read of the searcher at search time goes through the methods below.
    reading: threading.RLock = field(default_factory=threading.RLock)

    def term_postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """All postings of a term as arrays: docnums (int64, ascending; deleted documents
        included) and the term's frequency in each (see whoosh_internals)."""
        return join_postings(
            self.postings_cache.get(segment, field, text, self.reading) + (segment.offset,)
            for segment in self.segments
            if text in segment.data.terms or field not in TEXT_FIELDS)

    def docs_for_query(self, query) -> list[int]:
        """The docnums Whoosh itself finds for a query (phrases)."""
        with self.reading:
            return list(self.searcher.docs_for_query(query))

    def positions(self, field: str, term: str, ids, found: dict[int, list[int]]) -> None:
        """Add the term's positions in the field of the given (ascending) docnums to found."""
        with self.reading:
            matcher = self.searcher.postings(field, term)
            for doc in ids:
                doc = int(doc)
                if not matcher.is_active():
                    break
                if matcher.id() < doc:
                    matcher.skip_to(doc)
                    if not matcher.is_active():
                        break
                if matcher.id() == doc:
                    found.setdefault(doc, []).extend(matcher.value_as("positions"))

    def has_term(self, term: str) -> bool:
        """Whether any document of the index (deleted ones too, until a merge) has the term."""
        return any(term in segment.data.terms for segment in self.segments)

    def doc_frequency_idf(self, field: str, term: str) -> tuple[int, float]:
        """A term's document count and Whoosh's idf, as `searcher.idf` computes them.

        The counts are kept per segment, across index states: asking Whoosh for the 200
        terms of "Ähnliche Lösungsansätze" was a tenth of the server's time under load."""
        found = 0
        key = (field, term)
        for segment in self.segments:
            counts = segment.data.counts
            count = counts.get(key)
            if count is None:
                if term in segment.data.terms:
                    with self.reading:
                        count = segment.reader.doc_frequency(field, term)
                else:
                    count = 0
                if len(counts) > MAX_KEPT_COUNTS:
                    counts.clear()
                counts[key] = count
            found += count
        documents = self.searcher.doc_count_all()
        return found, math.log(documents / (found + 1)) + 1 if documents else 0.0

    def cached(self, key, compute):
        """A value computed once per index state (bounded)."""
        if key not in self.cache:
            if len(self.cache) > 512:
                self.cache.clear()
            self.cache[key] = compute()
        return self.cache[key]


class IndexStore:
    """One SEARCH_INDEX_DIR, shared by all threads of a process."""

    def __init__(self, root: Path):
        self.root = root
        self.schema = build_schema()
        self.lock = threading.RLock()
        self.drain_lock = threading.Lock()
        self._index: tuple[str, whoosh_index.Index] | None = None
        self._view: View | None = None
        self._checked = 0.0
        self._segment_data: dict[str, SegmentData] = {}
        self.postings = PostingsCache()
        self._words: tuple[str, float, Vocabulary] | None = None
        self.lexicon: Lexicon | None = None
        self.similar_cache: dict[tuple, tuple] = {}  # see service.similar_practices

    # generations

    def current_name(self) -> str:
        """The active generation's folder name; creates an empty first generation."""
        pointer = self.root / CURRENT
        try:
            return pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            with self.lock:
                if not pointer.exists():
                    name = self.create_generation()
                    write_atomically(pointer, name)
                return pointer.read_text(encoding="utf-8").strip()

    def create_generation(self, state: SyncState | None = None) -> str:
        """A new empty index folder with its sync state; return its name."""
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        folder = self.root / name
        folder.mkdir()
        whoosh_index.create_in(str(folder), self.schema)
        write_atomically(folder / STATE_FILE, (state or SyncState()).to_json())
        write_atomically(folder / WORDS_FILE, "")
        return name

    def switch_to(self, name: str) -> None:
        """Make a generation the active one and remove older ones but the previous."""
        previous = self.current_name()
        write_atomically(self.root / CURRENT, name)
        for folder in self.root.glob("gen-*"):
            if folder.name not in (name, previous):
                shutil.rmtree(folder, ignore_errors=True)

    def folder(self, name: str | None = None) -> Path:
        return self.root / (name or self.current_name())

    def open_index(self, name: str | None = None) -> whoosh_index.Index:
        """The Whoosh index of a generation (the active one by default)."""
        name = name or self.current_name()
        cached = self._index
        if cached and cached[0] == name:
            return cached[1]
        # Without mmap: Whoosh copies every file of a memory-mapped compound segment into a
        # BytesIO (the whole postings and stored-fields files), which was about a third of a
        # web worker's memory; read from the file instead (View.reading keeps reads serial).
        storage = FileStorage(str(self.root / name), supports_mmap=False)
        index = whoosh_index.FileIndex(storage, schema=self.schema)
        self._index = (name, index)
        return index

    # state and vocabulary

    def read_state(self, name: str | None = None) -> SyncState:
        return SyncState.from_json((self.folder(name) / STATE_FILE).read_text(encoding="utf-8"))

    def write_state(self, state: SyncState, name: str | None = None) -> None:
        write_atomically(self.folder(name) / STATE_FILE, state.to_json())

    def vocabulary(self, name: str | None = None) -> Vocabulary:
        """The generation's corpus vocabulary, reloaded when another process changed it."""
        name = name or self.current_name()
        path = self.folder(name) / WORDS_FILE
        mtime = path.stat().st_mtime_ns
        cached = self._words
        if cached and cached[0] == name and cached[1] == mtime:
            if get_lexicon() is not self.lexicon:  # several index folders in one process
                set_lexicon(self.lexicon)
            return cached[2]
        vocabulary = Vocabulary.load(path.read_text(encoding="utf-8"))
        self._words = (name, mtime, vocabulary)
        words = Lexicon.parts(vocabulary.counts())
        # Most changes only change counts: the same dictionary keeps its splits and terms,
        # which every process otherwise computed again after every edit anywhere.
        if self.lexicon is None:
            self.lexicon = Lexicon.of_parts(words)
        elif words != self.lexicon.words:
            self.lexicon = self.lexicon.successor(words)
        set_lexicon(self.lexicon)
        return vocabulary

    def forget_vocabulary(self) -> None:
        """Read the vocabulary (and the splitting dictionary) from disk on next use."""
        self._words = None

    def write_vocabulary(self, vocabulary: Vocabulary, name: str | None = None) -> None:
        name = name or self.current_name()
        path = self.folder(name) / WORDS_FILE
        write_atomically(path, vocabulary.dump())
        self._words = (name, path.stat().st_mtime_ns, vocabulary)
        self.lexicon = get_lexicon()

    # searching

    def view(self) -> View:
        """The current searcher view, refreshed when the index changed."""
        now = time.monotonic()
        view = self._view
        if view is not None and now - self._checked < REFRESH_INTERVAL:
            return view
        with self.lock:
            name = self.current_name()
            index = self.open_index(name)
            vocabulary = self.vocabulary(name)
            generation = index.latest_generation()
            key = (name, generation, id(vocabulary))
            if view is None or view.key != key:
                # A fresh reader: Whoosh's reader reuse keeps stale deletions and segments.
                # Opening is cheap; our per-segment data is cached by segment id. The old
                # view's searcher closes its files once the view is garbage (other threads
                # may still be using it now).
                searcher = Searcher(index.reader(), fromindex=index)
                try:
                    view = self._make_view(searcher, vocabulary, key)
                except BaseException:
                    searcher.close()
                    raise
                weakref.finalize(view, searcher.close)
                self._view = view
            self._checked = now
            return view

    def invalidate(self) -> None:
        """Check the cached view against the files at the next search (after this process
        wrote to the index)."""
        self._checked = 0.0

    def forget_view(self) -> None:
        """Drop the view and its per-segment data: the next search reads the files afresh,
        as in a process that just started (benchmarks, tests of reading)."""
        with self.lock:
            self._view = None
            self._segment_data.clear()
            self.postings = PostingsCache()
            self._checked = 0.0

    def _make_view(self, searcher: Searcher, vocabulary: Vocabulary, key: tuple) -> View:
        segments, live_parts, public_parts = [], [], []
        for reader, offset in searcher.reader().leaf_readers():
            segment = reader.segment()
            segment_key = segment.segment_id() if segment is not None else f"empty-{offset}"
            data = self._segment_data.get(segment_key)
            if data is None:
                data = self._segment_data[segment_key] = _segment_data(reader)
            segments.append(Segment(reader, segment_key, offset, data))
            live = data.indexed
            if reader.has_deletions():
                live = live.copy()
                live[list(segment.deleted_docs())] = False
            live_parts.append(live)
            public_parts.append(live & ~data.members_only)
        for stale in set(self._segment_data) - {segment.key for segment in segments}:
            del self._segment_data[stale]
        live, public = joined(live_parts, bool), joined(public_parts, bool)
        return View(searcher=searcher,
                    metas=[meta for segment in segments for meta in segment.data.metas],
                    all_ids=frozenset(np.flatnonzero(live).tolist()),
                    public_ids=frozenset(np.flatnonzero(public).tolist()),
                    vocabulary=vocabulary, key=key, segments=tuple(segments), live=live,
                    public=public, postings_cache=self.postings,
                    lengths={name: joined([s.data.lengths[name] for s in segments], np.float32)
                             for name in TEXT_FIELDS})


def joined(parts: list[np.ndarray], dtype) -> np.ndarray:
    """The per-segment arrays of a view as one (an empty one of dtype for no segments)."""
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def _segment_data(reader) -> SegmentData:
    """Per-document data, field lengths and text terms of one segment, and room for what
    is computed from them later. The terms are kept per segment because collecting them
    over the whole index after every change cost each web process about 50 ms per change
    under load."""
    count = reader.doc_count_all()
    metas = [meta_from_stored(reader.stored_fields(n)) for n in range(count)]
    return SegmentData(
        metas=metas,
        lengths={name: field_lengths(reader, name) for name in TEXT_FIELDS},
        terms=frozenset(term for name in TEXT_FIELDS for term in reader.field_terms(name)),
        indexed=np.array([meta is not None for meta in metas], dtype=bool),
        members_only=np.array([meta is not None and meta.members_only for meta in metas],
                              dtype=bool))


_stores: dict[str, IndexStore] = {}
_stores_lock = threading.Lock()


def get_store(root: str | Path) -> IndexStore:
    """The process-wide store of an index folder."""
    key = str(Path(root).resolve())
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = IndexStore(Path(key))
        return store

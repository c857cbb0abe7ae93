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

import json
import os
import shutil
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.searching import Searcher

from app.search.analysis import (
    HYPHENS,
    WORD_RE,
    Lexicon,
    german_analyzer,
    normalize,
    set_lexicon,
)
from app.search.documents import DocMeta, meta_from_stored

CURRENT = "CURRENT"
STATE_FILE = "state.json"
WORDS_FILE = "words.tsv"
TEXT_FIELDS = ("title", "summary", "body", "lessons", "meta")
REFRESH_INTERVAL = 0.05  # seconds between checks whether the index changed


def build_schema() -> Schema:
    """The one schema: text fields share the German analyzer; "data" holds DocMeta."""
    analyzer = german_analyzer()
    return Schema(
        slug=ID(stored=True, unique=True),
        title=TEXT(analyzer=analyzer, phrase=True),
        summary=TEXT(analyzer=analyzer, phrase=True),
        body=TEXT(analyzer=analyzer, phrase=True),
        lessons=TEXT(analyzer=analyzer, phrase=False),
        meta=TEXT(analyzer=analyzer, phrase=False),
        data=STORED(),
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
    """Corpus words: normalised form → (count, most common spelling)."""

    counts: Counter = field(default_factory=Counter)
    surfaces: dict[str, str] = field(default_factory=dict)

    def add_text(self, text: str) -> set[str]:
        """Count the words of a text; return the normalised words seen."""
        seen = set()
        for match in WORD_RE.finditer(text):
            for piece in HYPHENS.split(match.group()):
                if len(piece) < 2 or not piece.isalpha():
                    continue
                lower = piece.lower()
                word = normalize(lower)
                self.counts[word] += 1
                self.surfaces.setdefault(word, lower)
                seen.add(word)
        return seen

    def dump(self) -> str:
        return "".join(f"{w}\t{c}\t{self.surfaces.get(w, w)}\n" for w, c in self.counts.items())

    @classmethod
    def load(cls, text: str) -> Vocabulary:
        vocabulary = cls()
        for line in text.splitlines():
            parts = line.split("\t")
            if len(parts) == 3:
                vocabulary.counts[parts[0]] = int(parts[1])
                vocabulary.surfaces[parts[0]] = parts[2]
        return vocabulary


@dataclass
class View:
    """A searcher with the per-document data needed for filters, facets and sorting."""

    searcher: Searcher
    metas: list[DocMeta | None]
    all_ids: frozenset[int]
    public_ids: frozenset[int]
    vocabulary: Vocabulary
    key: tuple
    cache: dict = field(default_factory=dict)

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
        self._segment_metas: dict[str, list[DocMeta | None]] = {}
        self._words: tuple[str, float, Vocabulary] | None = None

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
        storage = FileStorage(str(self.root / name))
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
            return cached[2]
        vocabulary = Vocabulary.load(path.read_text(encoding="utf-8"))
        self._words = (name, mtime, vocabulary)
        set_lexicon(Lexicon.build(vocabulary.counts))
        return vocabulary

    def write_vocabulary(self, vocabulary: Vocabulary, name: str | None = None) -> None:
        name = name or self.current_name()
        path = self.folder(name) / WORDS_FILE
        write_atomically(path, vocabulary.dump())
        self._words = (name, path.stat().st_mtime_ns, vocabulary)

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
                reuse = view.searcher.reader() if view and view.key[0] == name else None
                reader = index.reader(reuse=reuse) if reuse else index.reader()
                searcher = Searcher(reader, fromindex=index)
                view = self._make_view(searcher, vocabulary, key)
                self._view = view
            self._checked = now
            return view

    def invalidate(self) -> None:
        """Forget the cached view (after this process wrote to the index)."""
        self._checked = 0.0

    def _make_view(self, searcher: Searcher, vocabulary: Vocabulary, key: tuple) -> View:
        metas: list[DocMeta | None] = []
        live = set()
        seen_segments = set()
        for reader, offset in searcher.reader().leaf_readers():
            segment = reader.segment()
            segment_key = segment.segment_id() if segment is not None else f"empty-{offset}"
            seen_segments.add(segment_key)
            segment_metas = self._segment_metas.get(segment_key)
            if segment_metas is None:
                segment_metas = [meta_from_stored(reader.stored_fields(n))
                                 for n in range(reader.doc_count_all())]
                self._segment_metas[segment_key] = segment_metas
            metas.extend(segment_metas)
            for number, meta in enumerate(segment_metas):
                if meta is not None and not reader.is_deleted(number):
                    live.add(offset + number)
        for stale in set(self._segment_metas) - seen_segments:
            del self._segment_metas[stale]
        public = frozenset(n for n in live if not metas[n].members_only)
        return View(searcher=searcher, metas=metas, all_ids=frozenset(live), public_ids=public,
                    vocabulary=vocabulary, key=key)


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

"""Full-text search: the only package that imports Whoosh.

After committing a transaction that changed practices (each change recorded with
``app.search.outbox.record_practice_change`` in that transaction), call
``changes_committed()``: depending on SEARCH_SYNC it applies the outbox right away
("inline"), in a background thread that never blocks the request ("thread", the default),
or leaves it to ``flask search worker`` ("off"). Searches also catch up on their own, so a
forgotten call delays an update but never loses it.
"""

from __future__ import annotations

import threading
import time

from flask import Flask, current_app
from sqlalchemy.orm import Session

from app.extensions import db
from app.search.documents import COST_BANDS, EFFORTS
from app.search.index import IndexStore, get_store
from app.search.service import (
    PageOutOfRange,
    SearchArgumentError,
    SearchHit,
    SearchRequest,
    SearchResult,
    facet_labels,
    parse_search_args,
    search_practices,
    similar_practices,
)
from app.search.sync import (
    apply_bulk,
    check_not_behind,
    drain,
    drain_in_background,
    has_pending,
)
from app.search.synonym_store import (
    SynonymError,
    add_synonym_group,
    replace_synonyms,
    seed_synonyms,
    synonym_text,
)

__all__ = [
    "COST_BANDS", "EFFORTS", "PageOutOfRange",
    "SearchArgumentError", "SearchHit", "SearchRequest", "SearchResult", "apply_bulk_changes",
    "apply_pending_changes",
    "changes_committed", "facet_labels", "init_app", "parse_search_args", "search_practices",
    "similar_practices", "wait_for_background_drains", "index_lag",
    "SynonymError", "add_synonym_group", "replace_synonyms", "seed_synonyms", "synonym_text",
]

CATCH_UP_INTERVAL = 0.5  # seconds between a process's checks for changes it has not seen
_background = threading.Lock()
_running: set[str] = set()
_rerun: set[str] = set()
_threads: list[threading.Thread] = []
_last_catch_up: dict[str, float] = {}


def init_app(app: Flask) -> None:
    """Bind the search index folder (SEARCH_INDEX_DIR) to the app."""
    app.config.setdefault("SEARCH_SYNC", "thread")
    app.extensions["search"] = get_store(app.config["SEARCH_INDEX_DIR"])


def store_for_app(app: Flask) -> IndexStore:
    """The index store bound to an app."""
    return app.extensions["search"]


def apply_pending_changes() -> int:
    """Apply the outbox to the index now (waits for the writer lock); return rows applied."""
    with Session(db.engine) as session:
        return drain(store_for_app(current_app), session, blocking=True)


def apply_bulk_changes(progress=None) -> int:
    """After an import: apply the outbox, or rebuild when it names most of the index."""
    with Session(db.engine) as session:
        return apply_bulk(store_for_app(current_app), session, progress)


def index_lag() -> tuple[int, float]:
    """Open the index and return (outbox rows it has not applied, age of the oldest in s)."""
    from sqlalchemy import func, select

    from app.search.models import SearchChange
    from app.timeutil import utcnow

    store = store_for_app(current_app)
    store.open_index().doc_count()  # reads the table of contents: fails if it is unreadable
    state = store.read_state()
    check_not_behind(store, db.session, state)  # rows it needs were pruned: needs a reindex
    count, oldest = db.session.execute(select(func.count(), func.min(SearchChange.created_at))
                                       .where(SearchChange.seq > state.seq)).one()
    return count, (utcnow() - oldest).total_seconds() if oldest else 0.0


def changes_committed() -> None:
    """Call right after a commit that recorded practice changes (see module docstring)."""
    mode = current_app.config.get("SEARCH_SYNC", "thread")
    if mode == "inline":
        apply_pending_changes()
    elif mode == "thread":
        _kick(current_app._get_current_object())


def catch_up() -> None:
    """Apply changes this process has not seen (at most every half second)."""
    app = current_app._get_current_object()
    mode = app.config.get("SEARCH_SYNC", "thread")
    store = store_for_app(app)
    now = time.monotonic()
    if mode == "off" or now - _last_catch_up.get(str(store.root), 0.0) < CATCH_UP_INTERVAL:
        return
    _last_catch_up[str(store.root)] = now
    with Session(db.engine) as session:
        if not has_pending(store, session):
            return
    if mode == "inline":
        apply_pending_changes()
    else:
        _kick(app)


def _kick(app: Flask) -> None:
    """Start one background drain per index folder; a running one goes round once more."""
    key = str(store_for_app(app).root)
    with _background:
        if key in _running:
            _rerun.add(key)
            return
        _running.add(key)
    thread = threading.Thread(target=_drain_thread, args=(app, key), daemon=True,
                              name="search-drain")
    with _background:
        _threads[:] = [t for t in _threads if t.is_alive()] + [thread]
    thread.start()


def wait_for_background_drains(timeout: float = 10.0) -> None:
    """Wait for running background drains (before shutting down or disposing engines)."""
    with _background:
        threads = list(_threads)
    for thread in threads:
        thread.join(timeout)


def _drain_thread(app: Flask, key: str) -> None:
    # Changes committed meanwhile, by any worker, go into the same index commit: under
    # benchmarks/load.py every edit was its own commit, new segment and new view per worker.
    delay = max(0, app.config["SEARCH_SYNC_DELAY_MS"]) / 1000
    try:
        while True:
            time.sleep(delay)
            with app.app_context():
                drain_in_background(store_for_app(app), lambda: Session(db.engine))
            with _background:
                if key not in _rerun:
                    return
                _rerun.discard(key)
    finally:
        with _background:
            _running.discard(key)

"""A short-lived cache of public pages for anonymous readers, shared by the workers.

Measured under load (benchmarks/load.py): most requests are anonymous reads of the same
pages, and rendering them (templates, a dozen queries) was most of the work. A page is
kept only when the request carried no cookie at all (so no session, no sign-in, no
flash message, no Merkliste) and the answer is a 200 that sets no cookie. Each process
keeps its pages in memory and writes them to `page-cache/` beside the index, so that a
page rendered by one gunicorn worker serves the others too.

Which commit makes which page stale (every process of the installation sees the same
version files beside the index):

- An ordinary edit of an entry (its text, fields and links, with its revision) touches
  that entry's version file only: its page and API document are rendered again at once.
  Lists that show it (home page, search, modules, feeds) may show the old title for at
  most their lifetime (PAGE_CACHE_SECONDS; search results at most one second).
- Anything else (publication or visibility decisions, new or deleted entries, reports,
  municipalities, accounts, taxonomies …) touches `DATA_VERSION_FILE`: every cached page
  of every process is stale. So is a bulk UPDATE or DELETE, unless it is on a table that
  no public page shows (QUIET_TABLES).
- Writes that no public page shows (QUIET_TABLES) touch nothing.

Before, every commit made every page stale; under a 5 % share of edits that happened
about twice a second and the cache almost never answered.

PAGE_CACHE_SECONDS=0 turns it off; it is off in tests (TESTING) unless a test asks.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from cachetools import LRUCache
from flask import Flask, current_app, g, has_app_context, request
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

CACHED_ENDPOINTS = {
    "home.index", "practices.detail", "search_ui.search", "api.list_practices",
    "api.get_practice", "api.openapi", "workshops.module", "workshops.modules",
    "workshops.workshop", "municipalities.index", "municipalities.detail", "feeds.newest",
    "feeds.lever", "feeds.module",
}
SEARCH_ENDPOINTS = {"search_ui.search", "api.list_practices"}
ENTRY_ENDPOINTS = {"practices.detail", "api.get_practice"}  # checked against the entry
# Tables no cached public page reads: the search outbox, sign-in failures, the audit log,
# tokens, parked forms and Merklisten (signed-in pages are never cached).
QUIET_TABLES = {"search_change", "search_consumer", "auth_failure", "security_event",
                "password_token", "parked_form", "remembered_practice", "invitation"}
# An entry's own rows: a change there is the entry's change.
ENTRY_TABLES = {"revision", "practice_lever", "practice_topic", "practice_module",
                "practice_workshop", "practice_sdg"}
LINK_LISTS = ("lever_links", "topic_links", "module_links", "workshop_links", "sdg_links")
# Practice columns whose change can hide an entry or move its address: never entry-scoped.
GLOBAL_PRACTICE_COLUMNS = ("slug", "publication", "visibility")
ROW_LOCK_ONLY = "row_lock_only"  # execution option of an UPDATE that changes no value
# What one process keeps of the pages (the rest: the shared files), counted as body plus
# PAGE_OVERHEAD for its headers, key and bookkeeping; the least recently used go first.
MAX_KEPT_BYTES = 24 * 1024 * 1024
PAGE_OVERHEAD = 2048
MAX_BODY = 512 * 1024
MAX_FILES = 4096  # pages kept on disk for all workers
PRUNE_EVERY = 64  # writes between two prunings of that folder


def _page_bytes(entry: tuple[float, tuple[int, int], int, bytes, list]) -> int:
    return len(entry[3]) + PAGE_OVERHEAD


_pages: LRUCache = LRUCache(MAX_KEPT_BYTES, getsizeof=_page_bytes)
_writes = itertools.count(1)
_values: dict[tuple, tuple[float, int, object]] = {}  # see kept_for_lists
MAX_VALUES = 64
T = TypeVar("T")
_lock = threading.Lock()


def data_version(path: str) -> int:
    """A version file's modification time in nanoseconds (0 when it does not exist)."""
    try:
        return os.stat(path).st_mtime_ns
    except FileNotFoundError:
        return 0


def bump(path: str) -> None:
    """A commit wrote data: pages rendered from the file's version are out of date."""
    with contextlib.suppress(OSError):  # no index folder yet: nothing was cached from it
        Path(path).parent.mkdir(exist_ok=True)
        Path(path).touch()
        now = time.time_ns()  # finer than the coarse clock `touch` uses
        os.utime(path, ns=(now, now))


def entry_version_file(slug: str) -> str:
    return str(Path(current_app.config["DATA_VERSION_FILE"]).parent / "page-versions" / slug)


def _changes(session) -> dict:
    return session.info.setdefault("kff_page_changes", {"global": False, "entries": set()})


def _link_owners(session) -> dict[int, str]:
    """Each link row (by id) in a changed entry's lists → that entry's slug."""
    from app.practices.models import Practice

    return {id(row): practice.slug for practice in session.dirty | session.new
            if isinstance(practice, Practice)
            for name in LINK_LISTS for row in practice.__dict__.get(name, ())}


def _entry_slug(session, obj, link_owner: Callable[[object], str | None]) -> str | None:
    """The slug of the entry an ENTRY_TABLES row belongs to, if that entry is at hand."""
    from app.practices.models import Practice

    practice = obj.__dict__.get("practice")  # a revision names its entry
    if practice is None and obj.practice_id is not None:
        practice = session.identity_map.get(inspect(Practice).identity_key_from_primary_key(
            (obj.practice_id,)))
    if practice is None:  # a new link row: its key is set by the flush, from the entry's list
        return link_owner(obj)
    return practice.slug


def _classify(session, obj, is_new_or_deleted: bool,
              link_owner: Callable[[object], str | None]) -> None:
    from app.practices.models import Practice

    table = getattr(obj, "__tablename__", "")
    changes = _changes(session)
    if table in QUIET_TABLES:
        return
    if isinstance(obj, Practice) and not is_new_or_deleted:
        state = inspect(obj)
        if not any(state.attrs[name].history.has_changes()
                   for name in GLOBAL_PRACTICE_COLUMNS):
            changes["entries"].add(obj.slug)
            return
    elif table in ENTRY_TABLES:
        slug = _entry_slug(session, obj, link_owner)
        if slug is not None:
            changes["entries"].add(slug)
            return
    changes["global"] = True


@event.listens_for(Session, "before_flush")
def _writing(session, _context, _instances):
    # Before the flush: afterwards the changed attributes' history is gone. Once every page
    # is stale, nothing else needs a look (an import flushes tens of thousands of rows).
    changes = _changes(session)
    owners: dict[int, str] | None = None

    def link_owner(obj) -> str | None:
        nonlocal owners
        if owners is None:  # once per flush, for the rows whose entry has no key yet
            owners = _link_owners(session)
        return owners.get(id(obj))

    for obj in itertools.chain(session.new, session.deleted):
        if changes["global"]:
            return
        _classify(session, obj, True, link_owner)
    for obj in session.dirty:
        if changes["global"]:
            return
        if session.is_modified(obj):
            _classify(session, obj, False, link_owner)


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state):
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    if state.execution_options.get(ROW_LOCK_ONLY):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) not in QUIET_TABLES:
        _changes(state.session)["global"] = True


@event.listens_for(Session, "after_commit")
def _committed(session):
    changes = session.info.pop("kff_page_changes", None)
    if not changes or not has_app_context():
        return
    path = current_app.config.get("DATA_VERSION_FILE")
    if not path:
        return
    if changes["global"]:
        bump(path)
    else:
        for slug in changes["entries"]:
            bump(entry_version_file(slug))


@event.listens_for(Session, "after_rollback")
def _rolled_back(session):
    session.info.pop("kff_page_changes", None)


def _ttl(endpoint: str) -> float:
    seconds = current_app.config["PAGE_CACHE_SECONDS"]
    if endpoint in ENTRY_ENDPOINTS:  # checked against the entry's own version as well
        return current_app.config.get("ENTRY_PAGE_CACHE_SECONDS", seconds)
    return min(seconds, 1.0) if endpoint in SEARCH_ENDPOINTS else seconds


def _versions() -> tuple[int, int]:
    """The installation's data version and, on an entry's page, the entry's."""
    data = data_version(current_app.config["DATA_VERSION_FILE"])
    slug = (request.view_args or {}).get("slug")
    if request.endpoint not in ENTRY_ENDPOINTS or not isinstance(slug, str):
        return data, 0
    return data, data_version(entry_version_file(slug))


def _cacheable_request() -> bool:
    return (request.method == "GET" and not request.cookies and request.endpoint in
            CACHED_ENDPOINTS and "Authorization" not in request.headers)


def _key() -> tuple[str, str]:
    """The installation (several apps may share a process in tests) and the address."""
    return current_app.config["DATA_VERSION_FILE"], request.full_path


# --- the copy every process shares: one file per address beside the index -----------------

def _file_for(key: tuple[str, str]) -> Path:
    name = hashlib.sha256(key[1].encode("utf-8", "surrogatepass")).hexdigest()
    return Path(key[0]).parent / "page-cache" / name


def _read_shared(key: tuple[str, str]) -> tuple | None:
    """A page another worker kept: a JSON line (address, time, versions, headers), the body."""
    try:
        head, _, body = _file_for(key).read_bytes().partition(b"\n")
        meta = json.loads(head)
        if meta["path"] != key[1]:
            return None
        return (meta["stored"], tuple(meta["versions"]), meta["status"], body,
                [tuple(header) for header in meta["headers"]])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_shared(key: tuple[str, str], entry: tuple) -> None:
    stored, versions, status, body, headers = entry
    target = _file_for(key)
    head = json.dumps({"path": key[1], "stored": stored, "versions": list(versions),
                       "status": status, "headers": headers}).encode()
    with contextlib.suppress(OSError):  # a full disk only costs a render
        target.parent.mkdir(mode=0o700, exist_ok=True)
        temporary = target.with_name(f".{uuid.uuid4().hex}")
        temporary.write_bytes(head + b"\n" + body)
        os.replace(temporary, target)  # readers see the old or the new page, never half
        if next(_writes) % PRUNE_EVERY == 0:
            _prune(target.parent)


def _prune(folder: Path) -> None:
    """Drop pages older than any lifetime, and the oldest beyond MAX_FILES."""
    longest = max(current_app.config["PAGE_CACHE_SECONDS"],
                  current_app.config.get("ENTRY_PAGE_CACHE_SECONDS", 0))
    now = time.time()
    files = []
    for path in folder.iterdir():
        with contextlib.suppress(OSError):
            modified = path.stat().st_mtime
            if now - modified > longest + 60:
                path.unlink()
            else:
                files.append((modified, path))
    for _modified, path in sorted(files)[:max(0, len(files) - MAX_FILES)]:
        with contextlib.suppress(OSError):
            path.unlink()


def _fresh(entry: tuple | None) -> bool:
    if entry is None:
        return False
    age = time.time() - entry[0]
    return entry[1] == _versions() and 0 <= age <= _ttl(request.endpoint)


def serve_cached():
    """Answer from the cache when a fresh page for this exact address is there: this
    process's copy, or the one another worker rendered."""
    if not _cacheable_request():
        return None
    key = _key()
    with _lock:
        entry = _pages.get(key)
    if not _fresh(entry):
        entry = _read_shared(key)
        if not _fresh(entry):
            return None
        _keep(key, entry)
    _stored, _versions_, status, body, headers = entry
    g.page_cache_hit = True
    response = current_app.response_class(body, status=status, headers=headers)
    response.headers["X-Page-Cache"] = "hit"
    return response


def _keep(key: tuple[str, str], entry: tuple) -> None:
    with _lock, contextlib.suppress(ValueError):  # larger than the whole budget: not kept
        _pages[key] = entry


def remember(response):
    """Keep a fresh anonymous 200 page (no cookie set, not marked private)."""
    if (g.get("page_cache_hit") or "page_cache_versions" not in g
            or not _cacheable_request() or response.status_code != 200
            or "Set-Cookie" in response.headers or response.direct_passthrough
            or "no-store" in response.headers.get("Cache-Control", "")):
        return response
    body = response.get_data()
    if len(body) > MAX_BODY:
        return response
    headers = [(k, v) for k, v in response.headers.items()
               if k.lower() not in ("content-length", "set-cookie", "x-request-id")]
    entry = (g.page_cache_started, g.page_cache_versions, response.status_code, body, headers)
    _keep(_key(), entry)
    _write_shared(_key(), entry)
    return response


def _note_version() -> None:
    """The version a page is rendered from is read before rendering starts."""
    if _cacheable_request():
        g.page_cache_started = time.time()  # compared across processes
        g.page_cache_versions = _versions()


def kept_for_lists(key: tuple, compute: Callable[[], T]) -> T:
    """A value that lists show (the home page's counts), kept by this process while the
    installation's data version stays the same and at most PAGE_CACHE_SECONDS: as long as
    a cached list page may lag behind an entry edit. Signed-in pages are never cached, so
    this is what spares them recounting every entry (3,000 entries: 100 of the home page's
    210 ms). Computed every time where the page cache is off."""
    if not current_app.extensions.get("page_cache"):
        return compute()
    path = current_app.config["DATA_VERSION_FILE"]  # one per installation
    version = data_version(path)  # read before computing
    now = time.monotonic()
    key = (path, *key)
    found = _values.get(key)
    if found and found[1] == version and now - found[0] <= current_app.config[
            "PAGE_CACHE_SECONDS"]:
        return found[2]
    value = compute()
    with _lock:
        if len(_values) >= MAX_VALUES:
            _values.clear()
        _values[key] = (now, version, value)
    return value


def clear() -> None:
    with _lock:
        _pages.clear()
        _values.clear()


def init_app(app: Flask) -> None:
    """Name the version file and, when enabled, install the cache (after the other hooks)."""
    app.config.setdefault("DATA_VERSION_FILE",
                          str(Path(app.config["SEARCH_INDEX_DIR"]) / "data-version"))
    if app.config.get("PAGE_CACHE_SECONDS", 0) <= 0 or (
            app.testing and not app.config.get("PAGE_CACHE_IN_TESTS")):
        return
    app.extensions["page_cache"] = True
    app.before_request(_note_version)
    app.before_request(serve_cached)
    app.after_request(remember)

"""A short-lived cache of public pages for anonymous readers, per worker process.

Measured under load (benchmarks/load.py): most requests are anonymous reads of the same
pages, and rendering them (templates, a dozen queries) was most of the work. A page is
kept only when the request carried no cookie at all (so no session, no sign-in, no
flash message, no Merkliste) and the answer is a 200 that sets no cookie. It is served
again only while

- the data version is unchanged: every commit that wrote anything, in any process of
  this installation, touches a small file (`DATA_VERSION_FILE`), and
- it is younger than PAGE_CACHE_SECONDS (search results: at most one second, so the
  search agrees with the database as soon as the index has applied a change).

PAGE_CACHE_SECONDS=0 turns it off; it is off in tests (TESTING) unless a test asks.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import OrderedDict
from pathlib import Path

from flask import Flask, current_app, g, has_app_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

CACHED_ENDPOINTS = {
    "home.index", "practices.detail", "search_ui.search", "api.list_practices",
    "api.get_practice", "api.openapi", "workshops.module", "workshops.modules",
    "workshops.workshop", "municipalities.index", "municipalities.detail", "feeds.newest",
    "feeds.lever", "feeds.module",
}
SEARCH_ENDPOINTS = {"search_ui.search", "api.list_practices"}
MAX_ENTRIES = 512
MAX_BODY = 512 * 1024

_pages: OrderedDict[str, tuple[float, int, int, bytes, list]] = OrderedDict()
_lock = threading.Lock()


def data_version(path: str) -> int:
    """The version file's modification time in nanoseconds (0 when it does not exist)."""
    try:
        return os.stat(path).st_mtime_ns
    except FileNotFoundError:
        return 0


def bump(path: str) -> None:
    """A commit wrote data: every process's cached pages are out of date."""
    with contextlib.suppress(OSError):  # no index folder yet: nothing was cached from it
        Path(path).touch()


@event.listens_for(Session, "after_flush")
def _wrote(session, _context):
    session.info["kff_wrote"] = True


@event.listens_for(Session, "after_commit")
def _committed(session):
    if session.info.pop("kff_wrote", False) and has_app_context():
        path = current_app.config.get("DATA_VERSION_FILE")
        if path:
            bump(path)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session):
    session.info.pop("kff_wrote", None)


def _ttl(endpoint: str) -> float:
    seconds = current_app.config["PAGE_CACHE_SECONDS"]
    return min(seconds, 1.0) if endpoint in SEARCH_ENDPOINTS else seconds


def _cacheable_request() -> bool:
    return (request.method == "GET" and not request.cookies and request.endpoint in
            CACHED_ENDPOINTS and "Authorization" not in request.headers)


def _key() -> str:
    return request.full_path


def serve_cached():
    """Answer from the cache when a fresh page for this exact address is there."""
    if not _cacheable_request():
        return None
    with _lock:
        entry = _pages.get(_key())
    if entry is None:
        return None
    stored, version, status, body, headers = entry
    if (version != data_version(current_app.config["DATA_VERSION_FILE"])
            or time.monotonic() - stored > _ttl(request.endpoint)):
        return None
    g.page_cache_hit = True
    response = current_app.response_class(body, status=status, headers=headers)
    response.headers["X-Page-Cache"] = "hit"
    return response


def remember(response):
    """Keep a fresh anonymous 200 page (no cookie set, not marked private)."""
    if (g.get("page_cache_hit") or not _cacheable_request() or response.status_code != 200
            or "Set-Cookie" in response.headers or response.direct_passthrough
            or "no-store" in response.headers.get("Cache-Control", "")):
        return response
    body = response.get_data()
    if len(body) > MAX_BODY:
        return response
    version = g.get("page_cache_version")
    headers = [(k, v) for k, v in response.headers.items()
               if k.lower() not in ("content-length", "set-cookie", "x-request-id")]
    with _lock:
        _pages[_key()] = (g.page_cache_started, version, response.status_code, body, headers)
        _pages.move_to_end(_key())
        while len(_pages) > MAX_ENTRIES:
            _pages.popitem(last=False)
    return response


def _note_version() -> None:
    """The version a page is rendered from is read before rendering starts."""
    if _cacheable_request():
        g.page_cache_started = time.monotonic()
        g.page_cache_version = data_version(current_app.config["DATA_VERSION_FILE"])


def clear() -> None:
    with _lock:
        _pages.clear()


def init_app(app: Flask) -> None:
    """Name the version file and, when enabled, install the cache (after the other hooks)."""
    app.config.setdefault("DATA_VERSION_FILE",
                          str(Path(app.config["SEARCH_INDEX_DIR"]) / "data-version"))
    if app.config.get("PAGE_CACHE_SECONDS", 0) <= 0 or (
            app.testing and not app.config.get("PAGE_CACHE_IN_TESTS")):
        return
    app.before_request(_note_version)
    app.before_request(serve_cached)
    app.after_request(remember)

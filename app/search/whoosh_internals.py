"""The only place that reads Whoosh internals; everything else uses its public API.

The query engine reads every term's postings of a segment, and the per-document field
lengths of a segment, once into NumPy arrays (segments never change). Whoosh's public API
gives both only one posting (or one document) per Python call, which is 10–50 times slower
at 20,000 entries, so the two functions here read Whoosh's own blocks and columns directly:

- ``segment_postings``: all (docnum, weight) postings of a term in one segment, as arrays,
  read block by block from ``whoosh.codec.whoosh3.W3LeafMatcher`` (``_read_ids``,
  ``_read_weights``, ``_ids``, ``_weights``, ``_next_block``), below the ``child`` of the
  wrapper that hides deleted documents;
- ``field_lengths``: the length of one field in every document of a segment, from the
  segment's cached length column (``SegmentReader._perdoc._cached_reader`` with
  ``whoosh3._lenfield`` and ``LENGTHS_COLUMN``), decoded with ``byte_to_length``.

These are written against the pinned ``whoosh-reloaded==2.7.5`` (``PINNED_VERSION``). What
they rely on is checked when this module is imported (classes, functions, methods) and on
first use (attributes that only instances have); if anything is missing, ``WhooshContractError``
names the pinned and the installed version instead of a wrong ranking somewhere later.
``tests/test_whoosh_contract.py`` compares both with Whoosh's public API on a real index
with several segments and deletions: run it after changing the pin.
"""

from __future__ import annotations

from importlib import metadata

import numpy as np
from whoosh.codec import whoosh3
from whoosh.reading import SegmentReader
from whoosh.util.numeric import byte_to_length

PINNED_VERSION = "2.7.5"
DISTRIBUTION = "whoosh-reloaded"


class WhooshContractError(RuntimeError):
    """The installed Whoosh lacks an internal this module reads."""


def installed_version() -> str:
    """The installed whoosh-reloaded version ("unknown" if not installed as a distribution)."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown"


def _broken(what: str) -> WhooshContractError:
    return WhooshContractError(
        f"app/search/whoosh_internals.py reads Whoosh internals written for "
        f"{DISTRIBUTION}=={PINNED_VERSION}, but {what} (installed: {DISTRIBUTION} "
        f"{installed_version()}). Pin {DISTRIBUTION}=={PINNED_VERSION} again, or adapt this "
        f"module and run tests/test_whoosh_contract.py.")


def check_contract() -> None:
    """Raise WhooshContractError unless the classes and functions used here exist."""
    required = {
        whoosh3: ("W3LeafMatcher", "W3PerDocReader", "LENGTHS_COLUMN", "_lenfield"),
        getattr(whoosh3, "W3LeafMatcher", None): (
            "_read_ids", "_read_weights", "_next_block", "is_active", "id", "weight", "next"),
        getattr(whoosh3, "W3PerDocReader", None): ("_cached_reader",),
    }
    for owner, names in required.items():
        if owner is None:
            continue  # reported as missing from whoosh3 below
        for name in names:
            if not hasattr(owner, name):
                raise _broken(f"{getattr(owner, '__name__', owner)}.{name} does not exist")
    if whoosh3._lenfield("title") != "_title_len":
        raise _broken("whoosh3._lenfield names the length column otherwise")


check_contract()

_LeafMatcher = whoosh3.W3LeafMatcher
_LENGTHS_COLUMN = whoosh3.LENGTHS_COLUMN
_LENGTH_TABLE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)
_checked_instances: set[str] = set()  # instance attributes verified once per process
_NO_IDS = np.zeros(0, dtype=np.int32)
_NO_WEIGHTS = np.zeros(0, dtype=np.float32)


def _check_matcher(matcher) -> None:
    if "matcher" not in _checked_instances:
        for name in ("_ids", "_weights", "_blocklength"):
            if not hasattr(matcher, name):
                raise _broken(f"W3LeafMatcher instances have no attribute {name}")
        _checked_instances.add("matcher")


def _perdoc(reader):
    """The per-document reader of a segment reader (its length and stored-field columns)."""
    if "perdoc" not in _checked_instances:
        if isinstance(reader, SegmentReader) and not hasattr(reader, "_perdoc"):
            raise _broken("SegmentReader instances have no attribute _perdoc")
        _checked_instances.add("perdoc")
    return getattr(reader, "_perdoc", None)


def segment_postings(reader, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """All postings of a term in one segment reader: docnums within the segment (int32,
    ascending) and the term's frequency in each (float32); empty when it lacks the term.

    Documents that are deleted but not yet merged away are included: callers mask them
    with their own live-document column, which is cheaper than Whoosh's per-posting filter.
    """
    if (field, text) not in reader:
        return _NO_IDS, _NO_WEIGHTS
    matcher = reader.postings(field, text)
    while not isinstance(matcher, _LeafMatcher) and hasattr(matcher, "child"):
        matcher = matcher.child  # the wrapper that skips deleted documents
    ids: list[int] = []
    weights: list[float] = []
    if isinstance(matcher, _LeafMatcher):
        _check_matcher(matcher)
        while matcher.is_active():  # one block (up to 128 postings) per round
            matcher._read_ids()
            matcher._read_weights()
            ids.extend(matcher._ids)
            weights.extend(matcher._weights)
            matcher._next_block()
    else:  # a term in one document only: its posting is inlined in the term info
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
    return np.array(ids, dtype=np.int32), np.array(weights, dtype=np.float32)


def join_postings(parts) -> tuple[np.ndarray, np.ndarray]:
    """One pair of arrays from (segment docnums, weights, segment offset) triples."""
    parts = [(ids.astype(np.int64) + offset, weights)
             for ids, weights, offset in parts if len(ids)]
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    if len(parts) == 1:
        return parts[0]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def field_lengths(reader, field: str) -> np.ndarray:
    """The field's length in each document of one segment reader (float32, by docnum).

    Whoosh stores lengths as one byte (exact up to 8, then a few percent coarse); these are
    the decoded values ``reader.doc_field_length(docnum, field, 0)`` returns, 0 for none.
    """
    count = reader.doc_count_all()
    perdoc = _perdoc(reader)
    column = (perdoc._cached_reader(whoosh3._lenfield(field), _LENGTHS_COLUMN)
              if perdoc is not None else None)
    if column is None:  # no document has the field (or no segment): Whoosh answers per doc
        return np.array([reader.doc_field_length(n, field, 0) or 0 for n in range(count)],
                        dtype=np.float32)
    codes = np.fromiter((column[n] for n in range(count)), dtype=np.uint8, count=count)
    return _LENGTH_TABLE[codes]

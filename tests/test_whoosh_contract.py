"""Contract of app/search/whoosh_internals.py with the pinned Whoosh.

The module reads Whoosh internals for speed; here a real on-disk index (several segments,
deleted documents, terms in one document only, long and short fields) shows that what it
returns equals what Whoosh's public API answers. After changing the whoosh-reloaded pin
this file is the one that fails, with the module's error naming the pinned version.
"""

import re
import tomllib
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.searching import Searcher

from app.search import whoosh_internals
from app.search.whoosh_internals import (
    PINNED_VERSION,
    WhooshContractError,
    field_lengths,
    join_postings,
    segment_postings,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def term_postings(searcher, field: str, text: str):
    """A term's postings over all segments of a searcher, as the app's View joins them."""
    return join_postings(segment_postings(reader, field, text) + (offset,)
                         for reader, offset in searcher.reader().leaf_readers())


WORDS = ["hecke", "zisterne", "solar", "bürgerbus", "streuobst", "wärmenetz", "laden", "rad"]


def test_installed_whoosh_is_the_pinned_version():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = [d for d in project["project"]["dependencies"] if re.match(r"whoosh-reloaded\b", d)]
    assert pins == [f"whoosh-reloaded=={PINNED_VERSION}"]
    assert whoosh_internals.installed_version() == PINNED_VERSION


def _document(number: int) -> dict:
    """Varied term frequencies and lengths; some words occur in one document only."""
    words = [WORDS[(number * k) % len(WORDS)] for k in range(1, 2 + number % 7)]
    body = " ".join(words * (1 + number % 4)) + f" einzeln{number}"
    return {"slug": f"e{number}", "title": WORDS[number % len(WORDS)],
            "body": body + " lang" * (number % 3 * 40), "data": {"n": number}}


@pytest.fixture
def searcher(tmp_path):
    """An index of four segments (no merging), with deletions in two of them."""
    schema = Schema(slug=ID(stored=True, unique=True), title=TEXT(), body=TEXT(phrase=True),
                    lessons=TEXT(), data=STORED())
    index = whoosh_index.create_in(str(tmp_path), schema)
    number = 0
    for size in (300, 1, 170, 40):  # more than one posting block (128) in some segments
        writer = index.writer()
        for _ in range(size):
            writer.add_document(**_document(number))
            number += 1
        writer.commit(merge=False)
    writer = index.writer()
    for deleted in (3, 4, 5, 130, 299, 310, 311, 480):
        writer.delete_by_term("slug", f"e{deleted}")
    writer.commit(merge=False)
    searcher = Searcher(index.reader(), fromindex=index)
    assert len(list(searcher.reader().leaf_readers())) == 4
    assert searcher.reader().has_deletions()
    yield searcher
    searcher.close()


def _terms(searcher, field: str) -> list[str]:
    return sorted(searcher.reader().field_terms(field))


def test_term_postings_equal_the_public_postings(searcher):
    reader = searcher.reader()
    checked = 0
    for field in ("title", "body"):
        for text in [*_terms(searcher, field), "fehlt"]:
            ids, weights = term_postings(searcher, field, text)
            assert ids.dtype == np.int64 and weights.dtype == np.float32
            assert list(ids) == sorted(ids)
            live = np.array([not reader.is_deleted(int(n)) for n in ids], dtype=bool)
            expected = (searcher.postings(field, text).items_as("weight")
                        if (field, text) in reader else [])
            expected = list(expected)
            assert [int(n) for n in ids[live]] == [n for n, _ in expected], (field, text)
            assert [float(w) for w in weights[live]] == [float(w) for _, w in expected]
            # deleted documents stay in (the engine masks them with its live column)
            assert all(reader.is_deleted(int(n)) for n in ids[~live])
            checked += 1
    assert checked > 300


def test_term_postings_keep_deleted_documents_as_they_were_indexed(tmp_path):
    schema = Schema(slug=ID(stored=True, unique=True), body=TEXT())
    index = whoosh_index.create_in(str(tmp_path), schema)
    for part in range(2):
        writer = index.writer()
        for number in range(200):
            writer.add_document(slug=f"{part}-{number}", body="hecke " * (1 + number % 5))
        writer.commit(merge=False)
    with index.searcher() as before:
        expected = list(before.postings("body", "hecke").items_as("weight"))
    writer = index.writer()
    for slug in ("0-0", "0-150", "1-7"):
        writer.delete_by_term("slug", slug)
    writer.commit(merge=False)
    with index.searcher() as after:
        ids, weights = term_postings(after, "body", "hecke")
        assert list(zip(ids.tolist(), weights.tolist(), strict=True)) == expected
        assert len(list(after.postings("body", "hecke").all_ids())) == len(expected) - 3


def test_field_lengths_equal_the_public_lengths(searcher):
    for reader, _ in searcher.reader().leaf_readers():
        count = reader.doc_count_all()
        for field in ("title", "body", "lessons"):  # lessons: no document has it
            lengths = field_lengths(reader, field)
            assert lengths.dtype == np.float32 and len(lengths) == count
            expected = [reader.doc_field_length(n, field, 0) or 0 for n in range(count)]
            assert lengths.tolist() == expected, field
    assert max(field_lengths(reader, "body")) > 100  # coarse (one byte) lengths covered too


def test_an_empty_index_has_no_postings_and_no_lengths(tmp_path):
    index = whoosh_index.create_in(str(tmp_path), Schema(body=TEXT()))
    with index.searcher() as searcher:
        ids, weights = term_postings(searcher, "body", "hecke")
        assert ids.size == 0 and weights.size == 0
        for reader, _ in searcher.reader().leaf_readers():
            assert field_lengths(reader, "body").size == 0


def test_a_missing_internal_fails_with_the_pinned_version(monkeypatch):
    whoosh_internals.check_contract()
    monkeypatch.delattr(whoosh_internals.whoosh3.W3LeafMatcher, "_read_weights")
    with pytest.raises(WhooshContractError, match=r"whoosh-reloaded==2\.7\.5.*_read_weights"):
        whoosh_internals.check_contract()

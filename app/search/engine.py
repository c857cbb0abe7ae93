"""Vectorised evaluation, scoring, filtering and facet counting over one searcher view.

Whoosh's matchers score document by document in Python, which costs 0.1–1 s for broad
queries at 20,000 entries. Here every term's postings are read once per index state into
NumPy arrays (docnums and BM25 weights) and a query tree is evaluated as dense mask and
score arrays; filters and facets become array operations on per-document columns. Whoosh
still stores, analyses and serves the postings; phrases are answered by Whoosh itself.
"""

from __future__ import annotations

import contextlib
import math
import threading
from functools import cached_property

import numpy as np
from cachetools import LRUCache
from whoosh import query as wq

from app.search.documents import cost_band
from app.search.index import TEXT_FIELDS, Segment, View, joined

K1 = 1.2
B = {"title": 0.4, "summary": 0.6, "body": 0.75, "lessons": 0.75, "meta": 0.3}
# An engine keeps the postings of the most recently used terms within TERM_CACHE_BYTES,
# counted as their arrays plus TERM_OVERHEAD for key and array objects (a word in every
# one of 100,000 entries takes 1.2 MB).
TERM_CACHE_BYTES = 32 * 1024 * 1024
TERM_OVERHEAD = 256


def _postings_bytes(postings: tuple[np.ndarray, np.ndarray]) -> int:
    return postings[0].nbytes + postings[1].nbytes + TERM_OVERHEAD


SINGLE_FACETS = (("status", "status"), ("municipality", "municipality"),
                 ("size_class", "size_class"), ("district", "district"), ("region", "region"),
                 ("effort", "effort"))
MULTI_FACETS = (("lever", "levers"), ("topic", "topics"), ("module", "modules"), ("sdg", "sdgs"))
UNKNOWN_COSTS = 2**62  # sorting by cost: unknown costs after every known amount


class SegmentColumns:
    """One segment's facet values (coded by labels of its own) and sort keys, computed
    once per segment: a view after an edit joins them instead of reading every entry."""

    def __init__(self, metas: list):
        self.single = {name: _coded([getattr(m, attribute) if m else None for m in metas])
                       for name, attribute in SINGLE_FACETS}
        self.single["cost"] = _coded([cost_band(m.costs_eur) if m else None for m in metas])
        self.multi = {name: _matrix([getattr(m, attribute) if m else () for m in metas])
                      for name, attribute in MULTI_FACETS}
        self.costs = np.array([m.costs_eur if m and m.costs_eur is not None else UNKNOWN_COSTS
                               for m in metas], dtype=np.int64)
        self.population = np.array([m.population if m and m.population is not None else -1
                                    for m in metas], dtype=np.int64)
        self.published = np.array([m.published if m else 0.0 for m in metas], dtype=np.float64)
        # Slugs are short ASCII ([a-z0-9-], at most 80): as bytes they sort like the strings
        # and take a byte per letter (titles would take four per letter: sorted on demand).
        self.slugs = np.array([m.slug.encode() if m else b"" for m in metas], dtype=np.bytes_)


def _coded(values: list) -> tuple[list, np.ndarray]:
    labels = sorted({v for v in values if v is not None}, key=str)
    index = {label: code for code, label in enumerate(labels)}
    return labels, np.array([index[v] if v is not None else -1 for v in values], dtype=np.int32)


def _matrix(values: list[tuple]) -> tuple[list, np.ndarray]:
    labels = sorted({v for row in values for v in row}, key=str)
    index = {label: code for code, label in enumerate(labels)}
    matrix = np.zeros((len(values), max(1, len(labels))), dtype=bool)
    for number, row in enumerate(values):
        for value in row:
            matrix[number, index[value]] = True
    return labels, matrix


def segment_columns(segment: Segment) -> SegmentColumns:
    columns = segment.data.derived.get("columns")
    if columns is None:
        columns = segment.data.derived["columns"] = SegmentColumns(segment.data.metas)
    return columns


class Columns:
    """Per-document arrays of a view: visibility, facet values, sort keys."""

    def __init__(self, view: View):
        parts = [(segment.offset, segment_columns(segment)) for segment in view.segments]
        n = self.size = len(view.metas)
        self.live = view.live
        self.public = view.public
        self.labels: dict[str, list] = {}
        self.single: dict[str, np.ndarray] = {}
        self.multi: dict[str, np.ndarray] = {}
        for name in (*(name for name, _ in SINGLE_FACETS), "cost"):
            labels, index = self._labels(name, [columns.single[name][0] for _, columns in parts])
            codes = np.full(n, -1, dtype=np.int32)
            for offset, columns in parts:
                local_labels, local_codes = columns.single[name]
                # the last entry answers the local code -1 (no value) with -1
                lookup = np.array([index[label] for label in local_labels] + [-1], dtype=np.int32)
                codes[offset:offset + len(local_codes)] = lookup[local_codes]
            self.single[name] = codes
        for name, _attribute in MULTI_FACETS:
            labels, index = self._labels(name, [columns.multi[name][0] for _, columns in parts])
            matrix = np.zeros((n, max(1, len(labels))), dtype=bool)
            for offset, columns in parts:
                local_labels, local_matrix = columns.multi[name]
                if local_labels:
                    matrix[offset:offset + len(local_matrix),
                           [index[label] for label in local_labels]] = local_matrix
            self.multi[name] = matrix
        self.costs = self._joined(parts, "costs", np.int64)
        self.population = self._joined(parts, "population", np.int64)
        self.published = self._joined(parts, "published", np.float64)
        slugs = self._joined(parts, "slugs", np.bytes_)
        self.slug_rank = _ranks(np.argsort(slugs, kind="stable"))  # ties break by slug
        self._metas = view.metas

    @cached_property
    def title_rank(self) -> np.ndarray:
        """Rank by title, then slug (computed when a search first sorts by title)."""
        metas, slug_rank = self._metas, self.slug_rank
        return _ranks(np.array(sorted(range(self.size), key=lambda i: (
            metas[i].title_key if metas[i] else "", slug_rank[i])), dtype=np.int64))

    def _labels(self, name: str, local: list[list]) -> tuple[list, dict]:
        labels = self.labels[name] = sorted({v for values in local for v in values}, key=str)
        return labels, {label: code for code, label in enumerate(labels)}

    @staticmethod
    def _joined(parts: list, attribute: str, dtype) -> np.ndarray:
        return joined([getattr(columns, attribute) for _, columns in parts], dtype)

    def any_of(self, name: str, wanted) -> np.ndarray:
        """Mask of entries having any of the wanted values in a facet."""
        labels = self.labels[name]
        codes = [labels.index(w) for w in wanted if w in labels]
        if name in self.multi:
            if not codes:
                return np.zeros(self.size, dtype=bool)
            return self.multi[name][:, codes].any(axis=1)
        return np.isin(self.single[name], codes)

    def counts(self, name: str, ids: np.ndarray) -> dict[str, int]:
        """Facet counts over the given docnums, largest first."""
        labels = self.labels[name]
        if not labels or not len(ids):
            return {}
        if name in self.multi:
            totals = self.multi[name][ids].sum(axis=0)
        else:
            codes = self.single[name][ids]
            totals = np.bincount(codes[codes >= 0], minlength=len(labels))
        pairs = [(str(labels[i]), int(c)) for i, c in enumerate(totals) if c]
        return dict(sorted(pairs, key=lambda p: (-p[1], p[0])))


def _ranks(order: np.ndarray) -> np.ndarray:
    """Each position's rank in a sort order."""
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(len(order))
    return ranks


class Engine:
    """Evaluates Whoosh query trees as arrays over one view."""

    def __init__(self, view: View):
        self.view = view
        self.columns = Columns(view)
        self.size = self.columns.size
        self.lengths = view.lengths
        # Statistics over the live documents only: replaced documents that Whoosh still
        # keeps until a merge count nowhere, so scores equal those of a fresh rebuild.
        live = self.columns.live
        self.docs = max(1, int(live.sum()))
        self.average = {f: max(1.0, float(self.lengths[f][live].sum()) / self.docs)
                        for f in TEXT_FIELDS}
        self.terms: LRUCache = LRUCache(TERM_CACHE_BYTES, getsizeof=_postings_bytes)
        self.lock = threading.Lock()

    # postings

    def postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Docnums and BM25 weights of a term, read once per index state."""
        key = (field, text)
        with self.lock:
            cached = self.terms.get(key)
            if cached is not None:
                return cached
        ids, freqs = self.view.term_postings(field, text)
        keep = self.columns.live[ids] if len(ids) else np.zeros(0, dtype=bool)
        ids, freqs = ids[keep], freqs[keep]
        if len(ids):
            idf = math.log(1 + (self.docs - len(ids) + 0.5) / (len(ids) + 0.5))
            lengths = self.lengths[field][ids]
            norm = K1 * (1 - B[field] + B[field] * lengths / self.average[field])
            weights = (idf * freqs * (K1 + 1) / (freqs + norm)).astype(np.float32)
        else:
            weights = np.zeros(0, dtype=np.float32)
        with self.lock, contextlib.suppress(ValueError):  # larger than the budget: not kept
            self.terms[key] = (ids, weights)
        return ids, weights

    # evaluation

    def evaluate(self, query: wq.Query, memo: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(mask, scores) of a query over all docnums; memo shares repeated subqueries."""
        if memo is None:
            return self._evaluate(query, {})
        return self._evaluate(query, memo)

    def _evaluate(self, query: wq.Query, memo: dict) -> tuple[np.ndarray, np.ndarray]:
        key = id(query)
        if key not in memo:
            memo[key] = (query, self._compute(query, memo))  # the query keeps its id alive
        return memo[key][1]

    def _compute(self, query: wq.Query, memo: dict) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(query, wq.Term):
            ids, weights = self.postings(query.fieldname, query.text)
            mask = np.zeros(self.size, dtype=bool)
            scores = np.zeros(self.size, dtype=np.float32)
            mask[ids] = True
            scores[ids] = weights * query.boost
            return mask, scores
        if isinstance(query, wq.And):
            return self._and([self._evaluate(q, memo) for q in query.subqueries], query.boost)
        if isinstance(query, wq.Or):
            return self._or([self._evaluate(q, memo) for q in query.subqueries], query.boost)
        if isinstance(query, wq.AndNot):
            mask, scores = self._evaluate(query.a, memo)
            excluded, _ = self._evaluate(query.b, memo)
            mask = mask & ~excluded
            return mask, scores * mask
        if query is wq.NullQuery or isinstance(query, type(wq.NullQuery)):
            return np.zeros(self.size, dtype=bool), np.zeros(self.size, dtype=np.float32)
        return self._whoosh(query)

    def _and(self, parts, boost: float):
        if not parts:
            return self.evaluate(wq.NullQuery)
        mask = parts[0][0].copy()
        scores = parts[0][1].copy()
        for part_mask, part_scores in parts[1:]:
            mask &= part_mask
            scores += part_scores
        return mask, scores * mask * boost

    def _or(self, parts, boost: float):
        if not parts:
            return self.evaluate(wq.NullQuery)
        mask = parts[0][0].copy()
        scores = parts[0][1].copy()
        for part_mask, part_scores in parts[1:]:
            mask |= part_mask
            scores += part_scores
        return mask, scores * boost

    def document_frequency(self, field: str, text: str) -> int:
        """Live documents having the term in the field."""
        return len(self.postings(field, text)[0])

    def _whoosh(self, query: wq.Query):
        """Phrases: Whoosh finds them; scored as their words' BM25 weights in that field."""
        mask = np.zeros(self.size, dtype=bool)
        numbers = self.view.docs_for_query(query)
        if numbers:
            mask[numbers] = True
        mask &= self.columns.live
        scores = np.zeros(self.size, dtype=np.float32)
        if isinstance(query, wq.Phrase):
            for word in dict.fromkeys(query.words):
                ids, weights = self.postings(query.fieldname, word)
                scores[ids] += weights
        else:
            scores[mask] = 1.0
        return mask, scores * mask * query.boost


_engine_lock = threading.Lock()


def engine_for(view: View) -> Engine:
    """The engine of a view, built once per index state."""
    if view.engine is None:
        with _engine_lock:
            if view.engine is None:
                view.engine = Engine(view)
    return view.engine

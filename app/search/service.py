"""The search service: one code path for the JSON API and the HTML search page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from whoosh.reading import ReaderClosed

from app.extensions import db
from app.municipalities.models import SIZE_CLASSES, Municipality
from app.permissions import can_see_members_only
from app.practices.models import STATUSES, Practice
from app.search.documents import plain_text
from app.search.engine import engine_for
from app.search.highlight import make_snippet
from app.search.index import View
from app.search.query import MAX_QUERY_CHARS, ParsedQuery, parse_query
from app.taxonomies.models import Lever, Topic
from app.workshops.models import Module

SORTS = ("relevance", "newest", "title")
MAX_PER_PAGE = 100
MAX_PAGE = 1000
MAX_VALUES = 50
LIKE_BONUS = 0.12  # relevance bonus per similarity point for "Kommunen wie meine"
SUPPLEMENT_BELOW = 10  # fewer AND hits than this are followed by partial matches
FACETS = ("lever", "topic", "module", "status", "municipality", "size_class", "sdg")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


class SearchArgumentError(ValueError):
    """A search parameter is invalid; .message is German text for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class SearchRequest:
    """What a person asks for (URL parameters of SPEC §5 plus size_class and like)."""

    q: str = ""
    levers: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    modules: list[int] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    municipalities: list[str] = field(default_factory=list)
    sdgs: list[int] = field(default_factory=list)
    size_classes: list[str] = field(default_factory=list)
    population_min: int | None = None
    population_max: int | None = None
    sort: str | None = None
    page: int = 1
    per_page: int = 20
    like_municipality: str | None = None

    @property
    def effective_sort(self) -> str:
        return self.sort or ("relevance" if self.q.strip() else "newest")


@dataclass
class SearchHit:
    """One entry in a result list."""

    slug: str
    title: str
    summary: str
    status: str
    municipality: str
    municipality_slug: str
    population: int | None
    size_class: str | None
    levers: list[str]
    topics: list[str]
    modules: list[int]
    sdgs: list[int]
    snippet: Markup
    url: str
    published_at: datetime | None
    score: float
    similarity: int | None = None
    members_only: bool = False


@dataclass
class SearchResult:
    """A page of hits with facet counts and hints."""

    total: int
    page: int
    per_page: int
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]]
    suggestion: str | None = None
    notice: str | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


# Parsing URL parameters


def _ints(values: list[str], name: str, low: int, high: int) -> list[int]:
    result = []
    for value in values:
        if not value.strip().isdigit() or not low <= int(value) <= high:
            raise SearchArgumentError(_("Ungültiger Wert für %(name)s: %(value)s",
                                        name=name, value=value[:40]))
        result.append(int(value))
    return result


def _one_int(args: MultiDict, name: str, default: int | None, low: int, high: int) -> int | None:
    value = args.get(name, "")
    if value == "":
        return default
    return _ints([value], name, low, high)[0]


def _choices(values: list[str], name: str, allowed) -> list[str]:
    if values and callable(allowed):
        allowed = allowed()
    for value in values:
        if value not in allowed:
            raise SearchArgumentError(_("Unbekannter Wert für %(name)s: %(value)s",
                                        name=name, value=value[:40]))
    return list(dict.fromkeys(values))


def _slugs(values: list[str], name: str) -> list[str]:
    for value in values:
        if not SLUG_RE.match(value):
            raise SearchArgumentError(_("Ungültiger Wert für %(name)s: %(value)s",
                                        name=name, value=value[:40]))
    return list(dict.fromkeys(values))


def _values(args: MultiDict, name: str) -> list[str]:
    values = [v.strip() for v in args.getlist(name) if v.strip()]
    if len(values) > MAX_VALUES:
        raise SearchArgumentError(_("Zu viele Werte für %(name)s.", name=name))
    return values


def _known(column) -> set[str]:
    return set(db.session.scalars(select(column)))


def parse_search_args(args: MultiDict) -> SearchRequest:
    """Read and validate search parameters; raise SearchArgumentError on bad values."""
    q = args.get("q", "")
    if len(q) > MAX_QUERY_CHARS:
        raise SearchArgumentError(_("Die Suchanfrage ist zu lang (höchstens %(n)s Zeichen).",
                                    n=MAX_QUERY_CHARS))
    sort = args.get("sort", "").strip() or None
    if sort is not None and sort not in SORTS:
        raise SearchArgumentError(_("Unbekannte Sortierung: %(value)s", value=sort[:40]))
    request = SearchRequest(
        q=q.strip(),
        levers=_choices(_values(args, "lever"), "lever", lambda: _known(Lever.slug)),
        topics=_choices(_values(args, "topic"), "topic", lambda: _known(Topic.slug)),
        modules=_ints(_values(args, "module"), "module", 0, 99),
        statuses=_choices(_values(args, "status"), "status", STATUSES),
        municipalities=_slugs(_values(args, "municipality"), "municipality"),
        sdgs=_ints(_values(args, "sdg"), "sdg", 1, 17),
        size_classes=_choices(_values(args, "size_class"), "size_class",
                              {slug for slug, *_ in SIZE_CLASSES}),
        population_min=_one_int(args, "population_min", None, 0, 100_000_000),
        population_max=_one_int(args, "population_max", None, 0, 100_000_000),
        sort=sort,
        page=_one_int(args, "page", 1, 1, MAX_PAGE),
        per_page=_one_int(args, "per_page", 20, 1, MAX_PER_PAGE),
        like_municipality=(_slugs(_values(args, "like"), "like") or [None])[0],
    )
    _choices([str(m) for m in request.modules], "module",
             lambda: {str(m) for m in db.session.scalars(select(Module.number))})
    if (request.population_min is not None and request.population_max is not None
            and request.population_min > request.population_max):
        raise SearchArgumentError(_("Die Mindesteinwohnerzahl ist größer als die höchste."))
    return request


# Filtering and facets


def _filter_key(request: SearchRequest, members: bool) -> tuple:
    return (members, tuple(request.levers), tuple(request.topics), tuple(request.modules),
            tuple(request.statuses), tuple(request.municipalities), tuple(request.sdgs),
            tuple(request.size_classes), request.population_min, request.population_max)


def allowed_mask(view: View, request: SearchRequest, members: bool) -> np.ndarray:
    """Entries this viewer may see that pass the filters (OR within, AND across fields)."""
    def compute() -> np.ndarray:
        columns = engine_for(view).columns
        mask = columns.live if members else columns.public
        for name, values in (("lever", request.levers), ("topic", request.topics),
                             ("module", request.modules), ("status", request.statuses),
                             ("municipality", request.municipalities), ("sdg", request.sdgs),
                             ("size_class", request.size_classes)):
            if values:
                mask = mask & columns.any_of(name, values)
        if request.population_min is not None:
            mask = mask & (columns.population >= request.population_min)
        if request.population_max is not None:
            mask = mask & (columns.population >= 0) & (columns.population
                                                       <= request.population_max)
        return mask
    return view.cached(("allowed", _filter_key(request, members)), compute)


def count_facets(view: View, ids: np.ndarray) -> dict[str, dict[str, int]]:
    """Facet counts over the matching entries the viewer may see."""
    columns = engine_for(view).columns
    return {name: columns.counts(name, ids) for name in FACETS}


# Running the query


def _store():
    from app.search import store_for_app

    return store_for_app(current_app)


@dataclass
class Matches:
    """Matching docnums with their scores (aligned arrays)."""

    ids: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


def _run(view: View, parsed: ParsedQuery, mode: str, allowed: np.ndarray,
         memo: dict) -> Matches:
    """Matches of one mode among the allowed entries."""
    mask, scores = engine_for(view).evaluate(parsed.build(mode), memo)
    ids = np.flatnonzero(mask & allowed)
    return Matches(ids=ids, scores=scores[ids])


def _supplement(strict: Matches, loose: Matches) -> Matches:
    """Entries matching only some words, ranked below every entry matching all of them."""
    extra = ~np.isin(loose.ids, strict.ids)
    if not extra.any():
        return strict
    extra_scores = loose.scores[extra]
    floor = float(strict.scores.min()) * 0.5 / max(float(extra_scores.max()), 1e-9)
    return Matches(ids=np.concatenate([strict.ids, loose.ids[extra]]),
                   scores=np.concatenate([strict.scores, extra_scores * floor]))


def _match(view: View, parsed: ParsedQuery, allowed: np.ndarray,
           scored: bool) -> tuple[Matches, str | None]:
    """AND first; if it finds nothing, looser modes. Few AND hits are followed by partial ones."""
    modes = parsed.modes()
    memo: dict = {}  # the modes share their words' subqueries
    for mode in modes:
        matches = _run(view, parsed, mode, allowed, memo)
        if not len(matches):
            continue
        if mode != "and":
            return matches, _("Kein Eintrag enthält alle Suchbegriffe. Angezeigt werden "
                              "Einträge, die einige der Begriffe enthalten.")
        if scored and len(matches) < SUPPLEMENT_BELOW and len(modes) > 1:
            matches = _supplement(matches, _run(view, parsed, modes[-1], allowed, memo))
        return matches, None
    return Matches(ids=np.zeros(0, dtype=np.int64), scores=np.zeros(0, dtype=np.float32)), None


def _similarity(view: View, ids: np.ndarray, like: Municipality | None) -> np.ndarray | None:
    """0–3 per entry: same size class, same district, same region as the given municipality."""
    if like is None:
        return None
    columns = engine_for(view).columns
    total = np.zeros(len(ids), dtype=np.int64)
    for name, value in (("size_class", like.size_class), ("district", like.district),
                        ("region", like.region)):
        if value and value in columns.labels[name]:
            total += columns.single[name][ids] == columns.labels[name].index(value)
    return total


def _order(view: View, matches: Matches, sort: str, like: Municipality | None) -> np.ndarray:
    """Positions into matches, sorted by relevance (with "like mine"), newest or title."""
    columns = engine_for(view).columns
    ids = matches.ids
    similarity = _similarity(view, ids, like)
    if sort == "relevance":
        scores = matches.scores * (1 + LIKE_BONUS * similarity) if like is not None \
            else matches.scores
        return np.lexsort((ids, -scores))
    if sort == "title":
        return np.argsort(columns.title_rank[ids], kind="stable")
    keys = [ids, -columns.published[ids]]
    if similarity is not None:
        keys.append(-similarity)
    return np.lexsort(keys)


def _hits(view: View, numbers: list[int], scores: list[float], parsed: ParsedQuery | None,
          like: Municipality | None, members: bool) -> list[SearchHit]:
    """Build the hits of one page; text comes from the database (the index stores none)."""
    metas = [view.metas[n] for n in numbers]
    if not metas:
        return []
    # Only the slug in SQL, so that the unique slug index is used; visibility checked below.
    rows = {row.slug: row for row in db.session.execute(
        select(Practice.slug, Practice.title, Practice.summary, Practice.body,
               Practice.published_at, Practice.publication, Practice.visibility,
               Municipality.name.label("municipality"))
        .join(Municipality, Practice.municipality_id == Municipality.id)
        .where(Practice.slug.in_([m.slug for m in metas])))
        if row.publication == "published" and (members or row.visibility == "public")}
    terms = parsed.terms if parsed else set()
    similarity = _similarity(view, np.array(numbers, dtype=np.int64), like)
    hits = []
    for position, (score, meta) in enumerate(zip(scores, metas, strict=True)):
        row = rows.get(meta.slug)
        if row is None:  # changed in the database since it was indexed
            continue
        hits.append(SearchHit(
            slug=meta.slug, title=row.title, summary=row.summary, status=meta.status,
            municipality=row.municipality, municipality_slug=meta.municipality,
            population=meta.population, size_class=meta.size_class, levers=list(meta.levers),
            topics=list(meta.topics), modules=list(meta.modules), sdgs=list(meta.sdgs),
            snippet=make_snippet(row.summary, plain_text(row.body), terms),
            url=f"/praxis/{meta.slug}", published_at=row.published_at,
            score=round(float(score), 4),
            similarity=int(similarity[position]) if similarity is not None else None,
            members_only=row.visibility != "public",
        ))
    return hits


def _suggestion(view: View, parsed: ParsedQuery, allowed: np.ndarray, q: str) -> str | None:
    """"Meinten Sie …": the query with unknown words replaced by close known ones."""
    corrected = q
    for concept in parsed.concepts:
        if concept.correction and concept.correction != concept.norm:
            replacement = _match_case(concept.text, concept.correction)
            corrected = corrected.replace(concept.text, replacement, 1)
    if corrected.lower() == q.lower():
        return None
    check = parse_query(corrected, view)
    if check.empty:
        return None
    # Offered only if the corrected query finds entries this viewer may see.
    mask, _scores = engine_for(view).evaluate(check.build("and"))
    return corrected if (mask & allowed).any() else None


def _match_case(original: str, word: str) -> str:
    return word[:1].upper() + word[1:] if original[:1].isupper() else word


def _like(slug: str | None) -> Municipality | None:
    if not slug:
        return None
    return db.session.scalar(select(Municipality).where(Municipality.slug == slug))


def search_practices(request: SearchRequest, viewer=None) -> SearchResult:
    """Search the published entries this viewer may see."""
    store = _store()
    try:
        return _search(store.view(), request, viewer)
    except ReaderClosed:  # the index changed under a concurrent refresh: once more
        store.invalidate()
        return _search(store.view(), request, viewer)


def _search(view: View, request: SearchRequest, viewer) -> SearchResult:
    from app.search import catch_up

    catch_up()
    members = can_see_members_only(viewer)
    allowed = allowed_mask(view, request, members)
    sort = request.effective_sort
    like = _like(request.like_municipality)
    parsed = parse_query(request.q, view) if request.q.strip() else None
    notice = suggestion = None
    if parsed is None or parsed.empty:
        ids = np.flatnonzero(allowed)
        matches = Matches(ids=ids, scores=np.zeros(len(ids), dtype=np.float32))
        sort = "newest" if sort == "relevance" else sort
    else:
        matches, notice = _match(view, parsed, allowed, scored=sort == "relevance")
        suggestion = _suggestion(view, parsed, allowed, request.q)
        if parsed.truncated:
            notice = _("Nur die ersten Suchbegriffe wurden berücksichtigt.")
    order = _order(view, matches, sort, like)
    start = (request.page - 1) * request.per_page
    page = order[start:start + request.per_page]
    return SearchResult(
        total=len(matches), page=request.page, per_page=request.per_page,
        hits=_hits(view, [int(n) for n in matches.ids[page]],
                   [float(s) for s in matches.scores[page]], parsed, like, members),
        facets=count_facets(view, matches.ids),
        suggestion=suggestion, notice=notice,
    )


def similar_practices(slug: str, viewer=None, limit: int = 5) -> list[SearchHit]:
    """Entries about the same things as this one, most similar first."""
    from app.search.similar import similar_query

    view = _store().view()
    members = can_see_members_only(viewer)
    practice = db.session.scalar(select(Practice).where(Practice.slug == slug))
    if practice is None:
        return []
    query = similar_query(view, practice)
    if query is None:
        return []
    engine = engine_for(view)
    mask, scores = engine.evaluate(query)
    mask &= engine.columns.live if members else engine.columns.public
    ids = [n for n in np.flatnonzero(mask) if view.metas[n].slug != slug]
    ids.sort(key=lambda n: -scores[n])
    top = ids[:limit]
    return _hits(view, top, [float(scores[n]) for n in top], None, None, members)


def facet_labels() -> dict[str, dict[str, str]]:
    """German labels for facet values (levers, topics, modules, statuses, size classes)."""
    from app.practices.models import STATUS_LABELS

    return {
        "lever": {row.slug: row.name for row in db.session.scalars(select(Lever))},
        "topic": {row.slug: row.name for row in db.session.scalars(select(Topic))},
        "module": {str(row.number): f"Modul {row.number}: {row.title}"
                   for row in db.session.scalars(select(Module))},
        "status": dict(STATUS_LABELS),
        "size_class": {slug: label for slug, label, *_ in SIZE_CLASSES},
        "sdg": {str(n): f"SDG {n}" for n in range(1, 18)},
        "municipality": {row.slug: row.name for row in db.session.scalars(select(Municipality))},
    }

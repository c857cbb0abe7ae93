"""The search service: one code path for the JSON API and the HTML search page."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import literal, select
from werkzeug.datastructures import MultiDict
from whoosh.reading import ReaderClosed

from app.extensions import db
from app.municipalities.models import SIZE_CLASSES, Municipality
from app.permissions import can_see_members_only
from app.practices.models import STATUSES, Practice
from app.search.analysis import evict_oldest
from app.search.documents import COST_BANDS, EFFORTS
from app.search.engine import engine_for
from app.search.highlight import make_snippet
from app.search.index import DocMeta, View
from app.search.query import MAX_QUERY_CHARS, ParsedQuery, parse_query
from app.taxonomies.models import Lever, Topic
from app.workshops.models import Module

SORTS = ("relevance", "newest", "title", "cost")
# "Kommunen wie meine": hits scoring at least this share of the best count as relevant, and
# among them similar municipalities come first. 0.4 left a query's second tier (an entry
# about PV roofs for "Energie", at 37 % of the best) behind three entries of other towns.
RELEVANT_SHARE = 0.25
PARTIAL_SHARE = 0.25  # partial matches this far below the best are not listed
SUPPLEMENT_SHARE = 0.0  # the same for the partial ones listed after few full matches
MAX_PER_PAGE = 100
MAX_PAGE = 1000
MAX_VALUES = 50
SUPPLEMENT_BELOW = 10  # fewer AND hits than this are followed by partial matches
FACETS = ("lever", "topic", "module", "status", "municipality", "size_class", "sdg", "cost",
          "effort")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


class SearchArgumentError(ValueError):
    """A search parameter is invalid; .message is German text for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PageOutOfRange(SearchArgumentError):
    """A page past the end of the results; .last_page is the last one there is."""

    def __init__(self, page: int, last_page: int):
        super().__init__(_("Seite %(page)s gibt es nicht: die Ergebnisse enden auf Seite "
                           "%(last)s.", page=page, last=last_page))
        self.page = page
        self.last_page = last_page


@dataclass(frozen=True)
class Likeness:
    """A municipality to compare with ("Kommunen wie meine"), listed or only described."""

    name: str
    size_class: str | None
    district: str | None
    region: str | None
    slug: str | None = None
    id: int | None = None


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
    like_population: int | None = None  # a town not in the knowledge base: its size …
    like_district: str | None = None  # … and its Landkreis (nothing is stored)
    costs: list[str] = field(default_factory=list)  # COST_BANDS slugs
    efforts: list[str] = field(default_factory=list)
    exact: bool = False  # no automatic spelling correction

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
    costs_eur: int | None = None
    effort: str | None = None
    partial: bool = False  # listed after the full matches, has only some of the words


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
    corrected_query: str | None = None  # the results are those of this corrected query
    original_query: str | None = None  # what was typed, when corrected_query is set
    match: str = "all"  # "partial": no entry has every concept of the query
    like: Likeness | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def partial_hits(self) -> int:
        return sum(1 for hit in self.hits if hit.partial)


# Parsing URL parameters


def _ints(values: list[str], name: str, low: int, high: int) -> list[int]:
    result = []
    for value in values:
        digits = value.strip()
        if (not (digits.isascii() and digits.isdigit()) or len(digits) > 12
                or not low <= int(digits) <= high):
            raise SearchArgumentError(_("Ungültiger Wert für %(name)s: %(value)s",
                                        name=name, value=value[:40]))
        result.append(int(value))
    return result


def _one_int(args: MultiDict, name: str, default: int | None, low: int, high: int) -> int | None:
    value = _single(args, name)
    if value == "":
        return default
    return _ints([value], name, low, high)[0]


def _single(args: MultiDict, name: str) -> str:
    """A single-value parameter: every value is checked, repeats must agree."""
    values = args.getlist(name)
    if len(set(values)) > 1:
        raise SearchArgumentError(_("%(name)s darf nur einen Wert haben.", name=name))
    return values[0] if values else ""


def _check_sizes(args: MultiDict) -> None:
    """A short refusal for requests that repeat parameters more than any form does."""
    for name in args:
        if len(args.getlist(name)) > MAX_VALUES:
            raise SearchArgumentError(_("Zu viele Werte für %(name)s.", name=name[:40]))


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
    _check_sizes(args)
    q = _single(args, "q")
    if len(q) > MAX_QUERY_CHARS:
        raise SearchArgumentError(_("Die Suchanfrage ist zu lang (höchstens %(n)s Zeichen).",
                                    n=MAX_QUERY_CHARS))
    sort = _single(args, "sort").strip() or None
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
        like_municipality=(_slugs([_single(args, "like").strip()], "like")[0]
                           if _single(args, "like").strip() else None),
    )
    _read_more_args(args, request)
    _choices([str(m) for m in request.modules], "module",
             lambda: {str(m) for m in db.session.scalars(select(Module.number))})
    if (request.population_min is not None and request.population_max is not None
            and request.population_min > request.population_max):
        raise SearchArgumentError(_("Die Mindesteinwohnerzahl ist größer als die höchste."))
    return request


def _read_more_args(args: MultiDict, request: SearchRequest) -> None:
    """Costs, effort, exact spelling and an unlisted municipality to compare with."""
    request.costs = _choices(_values(args, "cost"), "cost", {slug for slug, *_ in COST_BANDS})
    request.efforts = _choices(_values(args, "effort"), "effort", EFFORTS)
    request.exact = _choices(_values(args, "exact"), "exact", {"1"}) == ["1"]
    request.like_population = _one_int(args, "like_population", None, 0, 100_000_000)
    district = " ".join(_single(args, "like_district").split())
    if district:
        if len(district) > 120 or not known_district(district):
            raise SearchArgumentError(_("Unbekannter Landkreis: %(value)s", value=district[:40]))
        request.like_district = district


def known_district(name: str) -> bool:
    """A Bavarian district (or Regierungsbezirk) the project knows."""
    from app.municipalities.regions import REGIONS, region_for_district

    return name in REGIONS or region_for_district(name) is not None or name in _known(
        Municipality.district)


# Filtering and facets


def _filter_key(request: SearchRequest, members: bool) -> tuple:
    return (members, tuple(request.levers), tuple(request.topics), tuple(request.modules),
            tuple(request.statuses), tuple(request.municipalities), tuple(request.sdgs),
            tuple(request.size_classes), request.population_min, request.population_max,
            tuple(request.costs), tuple(request.efforts))


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
        if request.costs:
            mask = mask & columns.any_of("cost", request.costs)
        if request.efforts:
            mask = mask & columns.any_of("effort", request.efforts)
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
    """Matching docnums with their scores (aligned arrays); partial marks the entries
    listed after the full matches because they have only some of the query's concepts."""

    ids: np.ndarray
    scores: np.ndarray
    partial: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def full(self) -> int:
        """How many entries match every concept (the count a reader is told)."""
        return len(self.ids) - (int(self.partial.sum()) if self.partial is not None else 0)

    @property
    def full_ids(self) -> np.ndarray:
        return self.ids if self.partial is None else self.ids[~self.partial]


NO_MATCHES = Matches(ids=np.zeros(0, dtype=np.int64), scores=np.zeros(0, dtype=np.float32))


def _run(view: View, parsed: ParsedQuery, mode: str, allowed: np.ndarray,
         memo: dict) -> Matches:
    """Matches of one mode among the allowed entries."""
    mask, scores = engine_for(view).evaluate(parsed.build(mode), memo)
    ids = np.flatnonzero(mask & allowed)
    return Matches(ids=ids, scores=scores[ids])


def _best_share(matches: Matches, share: float) -> Matches:
    """The matches scoring at least this share of the best one."""
    if not len(matches):
        return matches
    keep = matches.scores >= float(matches.scores.max()) * share
    return Matches(ids=matches.ids[keep], scores=matches.scores[keep])


def _supplement(strict: Matches, loose: Matches) -> Matches:
    """A few entries matching only some words, ranked below every entry matching all."""
    extra = ~np.isin(loose.ids, strict.ids)
    loose = _best_share(Matches(ids=loose.ids[extra], scores=loose.scores[extra]),
                        SUPPLEMENT_SHARE)
    room = SUPPLEMENT_BELOW
    if not len(loose) or room <= 0:
        return strict
    best = np.lexsort((loose.ids, -loose.scores))[:room]
    extra_ids, extra_scores = loose.ids[best], loose.scores[best]
    floor = float(strict.scores.min()) * 0.5 / max(float(extra_scores.max()), 1e-9)
    return Matches(ids=np.concatenate([strict.ids, extra_ids]),
                   scores=np.concatenate([strict.scores, extra_scores * floor]),
                   partial=np.concatenate([np.zeros(len(strict), dtype=bool),
                                           np.ones(len(extra_ids), dtype=bool)]))


def _match(view: View, parsed: ParsedQuery, allowed: np.ndarray,
           scored: bool) -> tuple[Matches, str]:
    """AND first; if it finds nothing, looser modes ("partial"). A few AND hits are followed
    by a few of the best partial ones, which are not counted as matches."""
    modes = parsed.modes()
    memo: dict = {}  # the modes share their words' subqueries
    for mode in modes:
        matches = _run(view, parsed, mode, allowed, memo)
        if not len(matches):
            continue
        if mode != "and" or parsed.partial:
            return _best_share(matches, PARTIAL_SHARE), "partial"
        if scored and len(matches) < SUPPLEMENT_BELOW and len(modes) > 1:
            matches = _supplement(matches, _run(view, parsed, modes[-1], allowed, memo))
        return matches, "all"
    return NO_MATCHES, "all"


def _similarity(view: View, ids: np.ndarray, like: Likeness | None) -> np.ndarray | None:
    """0–3 per entry: same size class, same district, same region as the given municipality."""
    if like is None:
        return None
    columns = engine_for(view).columns
    total = np.zeros(len(ids), dtype=np.int64)
    for name, value in (("size_class", like.size_class), ("district", like.district),
                        ("region", like.region)):
        if value and value in columns.labels[name]:
            total += columns.single[name][ids] == columns.labels[name].index(value)
    if like.slug and like.slug in columns.labels["municipality"]:
        own = columns.single["municipality"][ids] == columns.labels["municipality"].index(
            like.slug)
        total = np.where(own, 4, total)  # the municipality's own entries first
    return total


def _order(view: View, matches: Matches, sort: str, like: Likeness | None) -> np.ndarray:
    """Positions into matches, sorted by relevance (similar municipalities first among the
    relevant entries), newest, title or cost."""
    columns = engine_for(view).columns
    ids = matches.ids
    similarity = _similarity(view, ids, like)
    if sort == "relevance":
        keys = [columns.slug_rank[ids], -matches.scores]
        if similarity is not None and len(ids):
            # Among the entries that answer the query well, the most similar come first.
            full = matches.partial is None or ~matches.partial
            relevant = full & (matches.scores >= float(matches.scores.max()) * RELEVANT_SHARE)
            keys += [-(similarity * relevant), ~relevant]
        elif matches.partial is not None:
            keys.append(matches.partial)
        return np.lexsort(keys)
    if sort == "title":
        return np.argsort(columns.title_rank[ids], kind="stable")
    keys = [columns.slug_rank[ids], -columns.published[ids]]
    if sort == "cost":
        keys.append(columns.costs[ids])
    if similarity is not None:
        keys.append(-similarity)
    return np.lexsort(keys)


def _hits(view: View, numbers: list[int], scores: list[float], parsed: ParsedQuery | None,
          like: Likeness | None, members: bool, partial=None) -> list[SearchHit]:
    """Build the hits of one page; text comes from the database (the index stores none)."""
    similarity = _similarity(view, np.array(numbers, dtype=np.int64), like)
    return _hits_for([view.metas[n] for n in numbers], scores, parsed, similarity, members,
                     partial)


def _hits_for(metas: list[DocMeta], scores: list[float], parsed: ParsedQuery | None,
              similarity, members: bool, partial=None, snippets: bool = True
              ) -> list[SearchHit]:
    if not metas:
        return []
    # Only the slug in SQL, so that the unique slug index is used; visibility checked below.
    rows = {row.slug: row for row in db.session.execute(
        select(Practice.slug, Practice.title, Practice.summary,
               (Practice.body if snippets else literal("")).label("body"), Practice.published_at,
               Practice.publication, Practice.visibility,
               Municipality.name.label("municipality"))
        .join(Municipality, Practice.municipality_id == Municipality.id)
        .where(Practice.slug.in_([m.slug for m in metas])))
        if row.publication == "published" and (members or row.visibility == "public")}
    terms = parsed.terms if parsed else set()
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
            snippet=make_snippet(row.summary, row.body, terms) if snippets
            else Markup(""),
            url=f"/praxis/{meta.slug}", published_at=row.published_at,
            score=round(float(score), 4),
            similarity=int(similarity[position]) if similarity is not None else None,
            members_only=row.visibility != "public", costs_eur=meta.costs_eur,
            effort=meta.effort, partial=bool(partial[position]) if partial is not None else False,
        ))
    return hits


def _suggestion(view: View, parsed: ParsedQuery, allowed: np.ndarray, q: str,
                members: bool) -> str | None:
    """"Meinten Sie …": the query with unknown words replaced by close known ones."""
    corrected = q
    for concept in parsed.concepts:
        if concept.correction and concept.correction != concept.norm:
            replacement = _match_case(concept.text, concept.correction)
            corrected = corrected.replace(concept.text, replacement, 1)
    if corrected.lower() == q.lower():
        return None
    check = parse_query(corrected, view, members)
    if check.empty:
        return None
    # Offered only if the corrected query finds entries this viewer may see.
    mask, _scores = engine_for(view).evaluate(check.build("and"))
    return corrected if (mask & allowed).any() else None


def _match_case(original: str, word: str) -> str:
    return word[:1].upper() + word[1:] if original[:1].isupper() else word


def _like(request: SearchRequest) -> Likeness | None:
    """The municipality to compare with: a listed one, or one described by size and district."""
    if request.like_municipality:
        found = db.session.scalar(select(Municipality).where(
            Municipality.slug == request.like_municipality))
        if found is not None:
            return Likeness(name=found.name, size_class=found.size_class,
                            district=found.district, region=found.region, slug=found.slug,
                            id=found.id)
    if request.like_population is None and not request.like_district:
        return None
    from app.municipalities.models import size_class
    from app.municipalities.regions import REGIONS, region_for_district

    district = request.like_district
    region = district if district in REGIONS else region_for_district(district)
    return Likeness(name=_("Ihre Kommune"), size_class=size_class(request.like_population),
                    district=None if district in REGIONS else district, region=region)


def search_practices(request: SearchRequest, viewer=None) -> SearchResult:
    """Search the published entries this viewer may see."""
    store = _store()
    try:
        return _search(store.view(), request, viewer)
    except ReaderClosed:  # the index changed under a concurrent refresh: once more
        store.invalidate()
        return _search(store.view(), request, viewer)


@dataclass
class _Answer:
    """The matches of a query with what the reader is told about them."""

    parsed: ParsedQuery | None
    matches: Matches
    match: str = "all"
    suggestion: str | None = None
    corrected: str | None = None


def _answer(view: View, request: SearchRequest, allowed: np.ndarray, members: bool,
            scored: bool) -> _Answer:
    """Match the query; a misspelt one that finds little gives the corrected one's results."""
    parsed = parse_query(request.q, view, members)
    matches, match = _match(view, parsed, allowed, scored)
    answer = _Answer(parsed, matches, match, _suggestion(view, parsed, allowed, request.q,
                                                         members))
    if answer.suggestion is None or request.exact:
        return answer
    found = matches.full if match == "all" else 0
    if found >= SUPPLEMENT_BELOW:
        return answer
    alternative = parse_query(answer.suggestion, view, members)
    other, other_match = _match(view, alternative, allowed, scored)
    other_found = other.full if other_match == "all" else 0
    if other_found >= max(1, 2 * found) or (found == 1 and other_found):  # little → more
        return _Answer(alternative, other, other_match, None, answer.suggestion)
    return answer


def _search(view: View, request: SearchRequest, viewer) -> SearchResult:
    from app.search import catch_up

    catch_up()
    members = can_see_members_only(viewer)
    allowed = allowed_mask(view, request, members)
    sort = request.effective_sort
    like = _like(request)
    notice = None
    if not request.q.strip() or parse_query(request.q, view, members).empty:
        ids = np.flatnonzero(allowed)
        answer = _Answer(None, Matches(ids=ids, scores=np.zeros(len(ids), dtype=np.float32)))
        sort = "newest" if sort == "relevance" else sort
    else:
        answer = _answer(view, request, allowed, members, scored=sort == "relevance")
        if answer.match == "partial":
            notice = _("Kein Eintrag enthält alle Suchbegriffe; Einträge zu einem Teil davon:")
        if answer.parsed.truncated:
            notice = _("Nur die ersten Suchbegriffe wurden berücksichtigt.")
    matches = answer.matches
    total = matches.full
    last_page = max(1, -(-total // request.per_page))
    if request.page > last_page:
        raise PageOutOfRange(request.page, last_page)
    order = _order(view, matches, sort, like)
    start = (request.page - 1) * request.per_page
    page = order[start:start + request.per_page]
    partial = np.zeros(len(page), dtype=bool) if matches.partial is None \
        else matches.partial[page]
    hits = _hits(view, [int(n) for n in matches.ids[page]],
                 [float(s) for s in matches.scores[page]], answer.parsed, like, members,
                 partial | (answer.match == "partial"))
    return SearchResult(
        total=total, page=request.page, per_page=request.per_page, hits=hits,
        facets=count_facets(view, matches.full_ids), suggestion=answer.suggestion,
        notice=notice, corrected_query=answer.corrected,
        original_query=request.q if answer.corrected else None,
        match=answer.match if answer.parsed is not None else "all", like=like,
    )


def _same_subject(columns, practice: Practice) -> np.ndarray:
    """Entries sharing a topic with this one (a lever, when it has no topic).

    Measured on the judged sets (benchmarks/search_quality.py): this keeps 69 of the 70
    pairs judged relevant together that the text alone found, with 4.5 instead of 5
    neighbours shown; requiring the main topic, or a share of the best score, lost more.
    """
    for name, values in (("topic", practice.topics), ("lever", practice.levers)):
        labels = columns.labels[name]
        wanted = [labels.index(v.slug) for v in values if v.slug in labels]
        if wanted:
            return columns.multi[name][:, wanted].any(axis=1)
    return np.ones(columns.size, dtype=bool)


SIMILAR_SECONDS = 300.0


def similar_practices(slug: str, viewer=None, limit: int = 5,
                      practice: Practice | None = None) -> list[SearchHit]:
    """Entries about the same things as this one, most similar first (`practice`: the entry
    of that slug when the caller has loaded it already).

    The ranking is kept per entry text for SIMILAR_SECONDS: it was half of an entry page's
    time. An edit of the entry itself ranks again at once; an edit of another entry shows
    in its list within that time. Visibility and titles are always read fresh (_hits)."""
    store = _store()
    view = store.view()
    members = can_see_members_only(viewer)
    if practice is None or practice.slug != slug:
        practice = db.session.scalar(select(Practice).where(Practice.slug == slug))
    if practice is None:
        return []
    key = (view.key[0], slug, members, practice.updated_at, limit)
    cached = store.similar_cache.get(key)
    if cached is None or time.monotonic() - cached[0] > SIMILAR_SECONDS:
        cached = (time.monotonic(), _rank_similar(view, practice, members, limit))
        if len(store.similar_cache) >= 2048:  # the oldest goes
            evict_oldest(store.similar_cache)
        store.similar_cache[key] = cached
    ranked = cached[1]
    return _hits_for([meta for meta, _score in ranked], [score for _meta, score in ranked],
                     None, None, members, snippets=False)


def _rank_similar(view: View, practice: Practice, members: bool,
                  limit: int) -> list[tuple[DocMeta, float]]:
    from app.search.similar import similar_query

    query = similar_query(view, practice)
    if query is None:
        return []
    engine = engine_for(view)
    mask, scores = engine.evaluate(query)
    mask &= engine.columns.live if members else engine.columns.public
    mask &= _same_subject(engine.columns, practice)
    ids = [n for n in np.flatnonzero(mask) if view.metas[n].slug != practice.slug]
    ids.sort(key=lambda n: -scores[n])
    return [(view.metas[n], float(scores[n])) for n in ids[:limit]]


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

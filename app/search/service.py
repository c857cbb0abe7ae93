"""The search service: one code path for the JSON API and the HTML search page."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

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
from app.search.documents import DocMeta, plain_text
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
        levers=_choices(_values(args, "lever"), "lever", _known(Lever.slug)),
        topics=_choices(_values(args, "topic"), "topic", _known(Topic.slug)),
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
    known_modules = set(db.session.scalars(select(Module.number)))
    _choices([str(m) for m in request.modules], "module", {str(m) for m in known_modules})
    if (request.population_min is not None and request.population_max is not None
            and request.population_min > request.population_max):
        raise SearchArgumentError(_("Die Mindesteinwohnerzahl ist größer als die höchste."))
    return request


# Filtering and facets


def _filter_key(request: SearchRequest, members: bool) -> tuple:
    return (members, tuple(request.levers), tuple(request.topics), tuple(request.modules),
            tuple(request.statuses), tuple(request.municipalities), tuple(request.sdgs),
            tuple(request.size_classes), request.population_min, request.population_max)


def _accepts(meta: DocMeta, request: SearchRequest) -> bool:
    """Whether an entry passes the request's filters (OR within, AND across fields)."""
    checks = (
        (request.levers, lambda: set(request.levers) & set(meta.levers)),
        (request.topics, lambda: set(request.topics) & set(meta.topics)),
        (request.modules, lambda: set(request.modules) & set(meta.modules)),
        (request.sdgs, lambda: set(request.sdgs) & set(meta.sdgs)),
        (request.statuses, lambda: meta.status in request.statuses),
        (request.municipalities, lambda: meta.municipality in request.municipalities),
        (request.size_classes, lambda: meta.size_class in request.size_classes),
    )
    if not all(check() for values, check in checks if values):
        return False
    if request.population_min is not None and (meta.population or 0) < request.population_min:
        return False
    return not (request.population_max is not None
                and (meta.population is None or meta.population > request.population_max))


def allowed_ids(view: View, request: SearchRequest, members: bool) -> frozenset[int]:
    """The entries this viewer may see that pass the filters; cached per index state."""
    def compute() -> frozenset[int]:
        base = view.all_ids if members else view.public_ids
        key = _filter_key(request, members)
        if not any(key[1:]) and key[-2:] == (None, None):
            return base
        return frozenset(n for n in base if _accepts(view.metas[n], request))
    return view.cached(("allowed", _filter_key(request, members)), compute)


def count_facets(view: View, ids) -> dict[str, dict[str, int]]:
    """Facet counts over the matching entries the viewer may see."""
    counters = {name: Counter() for name in FACETS}
    metas = view.metas
    for number in ids:
        meta = metas[number]
        counters["lever"].update(meta.levers)
        counters["topic"].update(meta.topics)
        counters["module"].update(str(m) for m in meta.modules)
        counters["sdg"].update(str(s) for s in meta.sdgs)
        counters["status"][meta.status] += 1
        counters["municipality"][meta.municipality] += 1
        if meta.size_class:
            counters["size_class"][meta.size_class] += 1
    return {name: dict(counter.most_common()) for name, counter in counters.items()}


# Running the query


def _store():
    from app.search import store_for_app

    return store_for_app(current_app)


def _run(view: View, parsed: ParsedQuery, mode: str, allowed: frozenset[int],
         scored: bool) -> list[tuple[float, int]]:
    """Matches of one mode among the allowed entries, best first when scored."""
    query = parsed.build(mode)
    if scored:
        return [(s, n) for s, n in view.searcher.search(query, limit=None).top_n if n in allowed]
    return [(0.0, n) for n in view.searcher.docs_for_query(query) if n in allowed]


def _supplement(strict: list[tuple[float, int]],
                loose: list[tuple[float, int]]) -> list[tuple[float, int]]:
    """Entries matching only some words, ranked below every entry matching all of them."""
    seen = {n for _, n in strict}
    extra = [(s, n) for s, n in loose if n not in seen]
    if not extra:
        return strict
    floor = min(s for s, _ in strict) * 0.5 / max(s for s, _ in extra)
    return strict + [(s * floor, n) for s, n in extra]


def _match(view: View, parsed: ParsedQuery, allowed: frozenset[int],
           scored: bool) -> tuple[list[tuple[float, int]], str | None]:
    """AND first; if it finds nothing, looser modes. Few AND hits are followed by partial ones."""
    modes = parsed.modes()
    for mode in modes:
        matches = _run(view, parsed, mode, allowed, scored)
        if not matches:
            continue
        if mode != "and":
            return matches, _("Kein Eintrag enthält alle Suchbegriffe. Angezeigt werden "
                              "Einträge, die einige der Begriffe enthalten.")
        if scored and len(matches) < SUPPLEMENT_BELOW and len(modes) > 1:
            matches = _supplement(matches, _run(view, parsed, modes[-1], allowed, scored))
        return matches, None
    return [], None


def _similarity(meta: DocMeta, like: Municipality | None) -> int | None:
    if like is None:
        return None
    return sum((
        bool(like.size_class) and meta.size_class == like.size_class,
        bool(like.district) and meta.district == like.district,
        bool(like.region) and meta.region == like.region,
    ))


def _order(view: View, matches: list[tuple[float, int]], sort: str,
           like: Municipality | None) -> list[tuple[float, int]]:
    """Sort matches by relevance (with the "like mine" bonus), newest or title."""
    metas = view.metas
    if sort == "relevance":
        if like is not None:
            return sorted(matches, key=lambda m: -m[0] * (
                1 + LIKE_BONUS * _similarity(metas[m[1]], like)))
        return matches
    if sort == "title":
        return sorted(matches, key=lambda m: (metas[m[1]].title_key, m[1]))
    if like is not None:
        return sorted(matches, key=lambda m: (-_similarity(metas[m[1]], like),
                                              -metas[m[1]].published, m[1]))
    return sorted(matches, key=lambda m: (-metas[m[1]].published, m[1]))


def _hits(view: View, page: list[tuple[float, int]], parsed: ParsedQuery | None,
          like: Municipality | None, members: bool) -> list[SearchHit]:
    """Build the hits of one page; text comes from the database (the index stores none)."""
    metas = [view.metas[n] for _, n in page]
    slugs = [m.slug for m in metas]
    if not slugs:
        return []
    condition = Practice.slug.in_(slugs) & (Practice.publication == "published")
    if not members:
        condition &= Practice.visibility == "public"
    rows = {row.slug: row for row in db.session.execute(
        select(Practice.slug, Practice.title, Practice.summary, Practice.body,
               Practice.published_at, Municipality.name.label("municipality"))
        .join(Municipality, Practice.municipality_id == Municipality.id).where(condition))}
    terms = parsed.terms if parsed else set()
    hits = []
    for (score, _number), meta in zip(page, metas, strict=True):
        row = rows.get(meta.slug)
        if row is None:  # changed in the database since it was indexed
            continue
        hits.append(SearchHit(
            slug=meta.slug, title=row.title, summary=row.summary, status=meta.status,
            municipality=row.municipality, municipality_slug=meta.municipality,
            population=meta.population, size_class=meta.size_class, levers=list(meta.levers),
            topics=list(meta.topics), modules=list(meta.modules), sdgs=list(meta.sdgs),
            snippet=make_snippet(row.summary, plain_text(row.body), terms),
            url=f"/praxis/{meta.slug}", published_at=row.published_at, score=round(score, 4),
            similarity=_similarity(meta, like),
        ))
    return hits


def _suggestion(view: View, parsed: ParsedQuery, allowed: frozenset[int], q: str) -> str | None:
    """"Meinten Sie …": the query with unknown words replaced by close known ones."""
    corrected = q
    changed = False
    for concept in parsed.concepts:
        if concept.correction and concept.correction != concept.norm:
            corrected = re.sub(re.escape(concept.text), _match_case(concept.text,
                               concept.correction), corrected, count=1)
            changed = True
    if not changed or corrected.lower() == q.lower():
        return None
    check = parse_query(corrected, view)
    # Offered only if the corrected query finds entries this viewer may see.
    if check.empty or not any(n in allowed for n in view.searcher.docs_for_query(
            check.build("and"))):
        return None
    return corrected


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
    allowed = allowed_ids(view, request, members)
    sort = request.effective_sort
    like = _like(request.like_municipality)
    parsed = parse_query(request.q, view) if request.q.strip() else None
    notice = suggestion = None
    if parsed is None or parsed.empty:
        matches = [(0.0, n) for n in allowed]
        sort = "newest" if sort == "relevance" else sort
    else:
        matches, notice = _match(view, parsed, allowed, scored=sort == "relevance")
        suggestion = _suggestion(view, parsed, allowed, request.q)
        if parsed.truncated:
            notice = _("Nur die ersten Suchbegriffe wurden berücksichtigt.")
    ordered = _order(view, matches, sort, like)
    start = (request.page - 1) * request.per_page
    page = ordered[start:start + request.per_page]
    return SearchResult(
        total=len(matches), page=request.page, per_page=request.per_page,
        hits=_hits(view, page, parsed, like, members),
        facets=count_facets(view, (n for _, n in matches)),
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
    allowed = view.all_ids if members else view.public_ids
    results = view.searcher.search(query, limit=limit * 3 + 5)
    page = [(s, n) for s, n in results.top_n
            if n in allowed and view.metas[n].slug != slug][:limit]
    return _hits(view, page, None, None, members)


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

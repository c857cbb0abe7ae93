"""The search page (HTML): results, facets, suggestion, sorting, "Kommunen wie meine"."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.home.presentation import labels
from app.municipalities.models import SIZE_CLASSES, Municipality
from app.permissions import is_signed_in
from app.practices.models import STATUSES
from app.practices.queries import members_only_entries_exist
from app.search import (
    COST_BANDS,
    EFFORTS,
    PageOutOfRange,
    SearchArgumentError,
    parse_search_args,
    search_practices,
)

bp = Blueprint("search_ui", __name__)

FACET_FIELDS = ("lever", "topic", "module", "status", "cost", "effort", "size_class",
                "municipality", "sdg")
PARAMS = {"q", "sort", "page", "per_page", "population_min", "population_max", "like",
          "like_population", "like_district", "exact", *FACET_FIELDS}
COST_LABELS = {slug: label for slug, label, *_ in COST_BANDS}
SHOWN_QUERY_CHARS = 1000
# "" is the default: relevance with search words, newest without. Showing "newest" selected
# for an empty query would carry it into the next search once words are typed.
SORTS = (("", "Relevanz (Standard)"), ("newest", "Neueste zuerst"), ("title", "Titel (A–Z)"),
         ("cost", "Kosten (günstigste zuerst)"))


def _clean_args(args: MultiDict) -> MultiDict:
    """The known query arguments without empty values (unknown ones never reach url_for)."""
    return MultiDict([(key, value) for key, value in args.items(multi=True)
                      if key in PARAMS and value.strip()])


def _default_like(args: MultiDict) -> MultiDict:
    """Signed-in people with a municipality get "Kommunen wie meine" unless they chose."""
    if "like" in request.args:
        return args
    municipality = getattr(current_user, "municipality", None)
    if current_user.is_authenticated and municipality is not None:
        args = args.copy()
        args["like"] = municipality.slug
    return args


URL_SAFE = "!$'()*,/:;?@"  # what werkzeug leaves unescaped in a query


class SearchUrls:
    """Links that change the current search: toggle a facet, change page, drop a filter."""

    def __init__(self, args: MultiDict):
        self.args = args
        self.base = url_for("search_ui.search")

    def _url(self, args: MultiDict) -> str:
        # As url_for would build it (same order and escaping), without the route lookup
        # per link: a result page has about fifty of these links.
        query = urlencode([(key, value) for key in args for value in args.getlist(key)],
                          safe=URL_SAFE)
        return f"{self.base}?{query}" if query else self.base

    def toggle(self, field: str, value) -> str:
        args, value = self.args.copy(), str(value)
        values = args.getlist(field)
        args.setlist(field, [v for v in values if v != value] if value in values
                     else [*values, value])
        args.pop("page", None)
        return self._url(args)

    def page(self, number: int) -> str:
        args = self.args.copy()
        args["page"] = str(number)
        return self._url(args)

    def with_query(self, q: str, exact: bool = False) -> str:
        args = self.args.copy()
        args["q"] = q
        args.pop("page", None)
        args.pop("exact", None)
        if exact:
            args["exact"] = "1"
        return self._url(args)

    def selected(self, field: str) -> list[str]:
        return self.args.getlist(field)

    def active_filters(self) -> list[tuple[str, str]]:
        return [(field, value) for field in FACET_FIELDS for value in self.args.getlist(field)]


def _facet_order(field: str, counts: dict, selected: list[str], labels) -> list[str]:
    """The values of one facet in a reader-friendly order; selected ones always shown."""
    values = {str(key) for key in counts} | set(selected)
    orders = {
        "lever": list(labels.lever), "topic": list(labels.topic),
        "status": list(STATUSES), "size_class": [slug for slug, *_ in SIZE_CLASSES],
        "cost": list(COST_LABELS), "effort": list(EFFORTS),
    }
    if field in orders:
        known = [value for value in orders[field] if value in values]
        return known + sorted(values - set(known))
    if field in ("module", "sdg"):
        return sorted(values, key=lambda v: (not v.isdigit(), int(v) if v.isdigit() else 0, v))
    return sorted(values, key=lambda v: (-counts.get(v, 0), v))


def _facet_lists(result, args: MultiDict) -> dict[str, list[tuple[str, int]]]:
    """Per facet field, (value, count) pairs in display order."""
    lists = {}
    for field in FACET_FIELDS:
        counts = {str(key): count for key, count in (result.facets.get(field) or {}).items()}
        order = _facet_order(field, counts, args.getlist(field), labels())
        lists[field] = [(value, counts.get(value, 0)) for value in order]
    return lists


def similarity_parts(like, other: Municipality | None) -> list[str]:
    """What a municipality has in common with the reader's one (listed or described)."""
    if other is None:
        return []
    if like.id is not None and other.id == like.id:
        return [_("dieselbe Kommune")]
    parts = []
    if like.size_class and like.size_class == other.size_class:
        parts.append(_("ähnliche Größe"))
    if like.district and like.district == other.district:
        parts.append(_("gleicher Landkreis"))
    if like.region and like.region == other.region:
        parts.append(_("gleicher Regierungsbezirk"))
    return parts


@bp.get("/suche")
def search():
    """Search page; works without JavaScript, search.js only refreshes it as one types."""
    args = _default_like(_clean_args(request.args))
    error, result, search_request, last_page = None, None, None, None
    try:
        search_request = parse_search_args(args)
        result = search_practices(search_request, viewer=current_user)
    except PageOutOfRange as exc:
        error, last_page = exc.message, exc.last_page
    except SearchArgumentError as exc:
        error = exc.message
    municipalities = db.session.scalars(select(Municipality).order_by(Municipality.name)).all()
    by_slug = {municipality.slug: municipality for municipality in municipalities}
    return render_template(
        "search/search.html",
        args=args, q=args.get("q", "")[:SHOWN_QUERY_CHARS], error=error, result=result,
        req=search_request, urls=SearchUrls(args), sorts=SORTS,
        facets=_facet_lists(result, args) if result else {},
        like=result.like if result else by_slug.get(args.get("like", "")),
        all_municipalities=municipalities, districts=_districts(municipalities),
        hit_municipalities=by_slug, similarity_parts=similarity_parts,
        members_see_more=not is_signed_in() and members_only_entries_exist(),
        last_page=last_page, cost_labels=COST_LABELS,
    ), (404 if last_page else 400 if error else 200)


def _districts(municipalities) -> list[tuple[str, list[str]]]:
    """Districts to choose from for an unlisted municipality, by Regierungsbezirk."""
    from app.municipalities.regions import REGIONS, region_for_district

    grouped: dict[str, set[str]] = {region: set() for region in REGIONS}
    for municipality in municipalities:
        region = municipality.region or region_for_district(municipality.district)
        if municipality.district and region in grouped:
            grouped[region].add(municipality.district)
    return [(region, sorted(names)) for region, names in grouped.items()]

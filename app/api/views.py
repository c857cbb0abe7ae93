"""GET /api/v1/practices, /api/v1/practices/<slug> and the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.api.openapi import openapi_document
from app.extensions import db
from app.permissions import can_see_contact_details, can_view_practice
from app.practices.models import ExperienceReport, Practice
from app.practices.queries import visible_slugs
from app.search import SearchArgumentError, parse_search_args, search_practices

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _error(status: int, message: str):
    return jsonify(error=message), status


@bp.errorhandler(SearchArgumentError)
def _bad_search_argument(error: SearchArgumentError):
    return _error(400, error.message)


@bp.after_request
def _json_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    return response


def hit_json(hit) -> dict:
    """One result in the shape of SPEC §5 (plus a few extra keys)."""
    return {
        "slug": hit.slug, "title": hit.title, "municipality": hit.municipality,
        "municipality_slug": hit.municipality_slug, "summary": hit.summary,
        "levers": hit.levers, "topics": hit.topics, "modules": hit.modules,
        "sdgs": hit.sdgs, "status": hit.status, "size_class": hit.size_class,
        "snippet": str(hit.snippet), "url": hit.url, "score": hit.score,
        "published_at": hit.published_at.isoformat() + "Z" if hit.published_at else None,
        "costs_eur": hit.costs_eur, "effort": hit.effort,
        "match": "partial" if hit.partial else "all",
        **({"similarity": hit.similarity} if hit.similarity is not None else {}),
    }


@bp.get("/practices")
def list_practices():
    """Search the published practices (SPEC §5)."""
    search = parse_search_args(request.args)
    result = search_practices(search, current_user)
    return jsonify(
        total=result.total, page=result.page, per_page=result.per_page,
        results=[hit_json(hit) for hit in result.hits], facets=result.facets,
        suggestion=result.suggestion, notice=result.notice,
        corrected_query=result.corrected_query, match=result.match,
    )


def _load_visible(slug: str) -> Practice | None:
    if len(slug) > 80:
        return None
    practice = db.session.scalar(select(Practice).where(Practice.slug == slug).options(
        selectinload(Practice.municipality), selectinload(Practice.lever_links),
        selectinload(Practice.topic_links), selectinload(Practice.module_links),
        selectinload(Practice.workshop_links), selectinload(Practice.sdg_links),
        selectinload(Practice.experience_reports).selectinload(ExperienceReport.municipality)))
    if practice is None or not can_view_practice(current_user, practice):
        return None
    return practice


def practice_json(practice: Practice) -> dict:
    """One practice with metadata, rendered HTML, workshops and experience reports."""
    municipality = practice.municipality
    data = {
        "slug": practice.slug, "title": practice.title, "summary": practice.summary,
        "url": f"/praxis/{practice.slug}", "status": practice.status,
        "visibility": practice.visibility,
        "municipality": {"name": municipality.name, "slug": municipality.slug,
                         "district": municipality.district, "region": municipality.region,
                         "state": municipality.state, "population": municipality.population,
                         "size_class": municipality.size_class},
        "levers": [lever.slug for lever in practice.levers],
        "topics": [topic.slug for topic in practice.topics],
        "modules": [module.number for module in practice.modules], "sdgs": practice.sdgs,
        "started": practice.started, "costs_eur": practice.costs_eur,
        "funding": practice.funding, "effort": practice.effort, "links": practice.links or [],
        "adopted_from": visible_slugs(list(practice.adopted_from or [])),
        "reviewed": practice.reviewed.isoformat() if practice.reviewed else None,
        "published_at": (practice.published_at.isoformat() + "Z"
                         if practice.published_at else None),
        "html": practice.body_html,
        "workshops": [{"slug": w.slug, "title": w.title, "date": w.date.isoformat()}
                      for w in practice.workshops],
        "experience_reports": [
            {"municipality": r.municipality.name if r.municipality else None,
             "outcome": r.outcome, "outcome_label": r.outcome_label or None,
             "html": r.body_html, "created_at": r.created_at.isoformat() + "Z"}
            for r in practice.experience_reports if r.publication == "published"],
        "contact": {"name": practice.contact_name, "role": practice.contact_role},
    }
    if can_see_contact_details(current_user):
        data["contact"].update(email=practice.contact_email, phone=practice.contact_phone)
    return data


@bp.get("/practices/<slug>")
def get_practice(slug: str):
    """One practice, if the caller may see it; 404 otherwise."""
    practice = _load_visible(slug)
    if practice is None:
        return _error(404, _("Diesen Lösungsansatz gibt es nicht."))
    return jsonify(practice_json(practice))


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document())

"""Atom feeds (RFC 4287): newly published entries, overall, per lever and per module."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from flask import Blueprint, Response, url_for
from sqlalchemy import select

from app.extensions import db
from app.permissions import visible_practices_filter
from app.practices.models import Practice
from app.taxonomies.models import Lever
from app.workshops.models import Module

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 30
SITE_TITLE = "Kommunen for future"


def _timestamp(value: datetime | None) -> str:
    value = value or datetime(2019, 1, 1)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # stored as UTC without zone
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    if text is not None:
        element.text = text
    return element


def _entry(feed: ET.Element, practice: Practice) -> None:
    entry = _sub(feed, "entry")
    link = url_for("practices.detail", slug=practice.slug, _external=True)
    _sub(entry, "id", link)
    _sub(entry, "title", practice.title)
    _sub(entry, "link", href=link, rel="alternate", type="text/html")
    _sub(entry, "published", _timestamp(practice.published_at))
    _sub(entry, "updated", _timestamp(practice.updated_at or practice.published_at))
    author = _sub(entry, "author")
    _sub(author, "name", practice.municipality.name)
    for lever in practice.levers:
        _sub(entry, "category", term=lever.slug, label=lever.name)
    _sub(entry, "summary", practice.summary, type="text")


def atom_response(title: str, self_url: str, alternate_url: str, condition=None) -> Response:
    """An Atom feed of the newest visible published entries matching a condition."""
    query = select(Practice).where(visible_practices_filter())
    if condition is not None:
        query = query.where(condition)
    practices = db.session.scalars(
        query.order_by(Practice.published_at.desc(), Practice.slug).limit(FEED_SIZE)).all()
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": "de"})
    _sub(feed, "id", self_url)
    _sub(feed, "title", title)
    _sub(feed, "subtitle", "Neu veröffentlichte Lösungsansätze aus kleinen Kommunen")
    _sub(feed, "link", href=self_url, rel="self", type="application/atom+xml")
    _sub(feed, "link", href=alternate_url, rel="alternate", type="text/html")
    newest = max((p.updated_at or p.published_at for p in practices), default=None)
    _sub(feed, "updated", _timestamp(newest))
    _sub(_sub(feed, "author"), "name", SITE_TITLE)
    for practice in practices:
        _entry(feed, practice)
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return Response(body, content_type="application/atom+xml; charset=utf-8")


@bp.get("/neu.atom")
def newest():
    """All newly published entries."""
    return atom_response(f"{SITE_TITLE}: neue Lösungsansätze",
                         url_for("feeds.newest", _external=True),
                         url_for("search_ui.search", sort="newest", _external=True))


@bp.get("/hebel/<slug>.atom")
def lever(slug: str):
    """Newly published entries for one lever."""
    found = db.first_or_404(select(Lever).where(Lever.slug == slug))
    return atom_response(f"{SITE_TITLE}: {found.name}",
                         url_for("feeds.lever", slug=slug, _external=True),
                         url_for("search_ui.search", lever=slug, sort="newest", _external=True),
                         Practice.levers.any(Lever.id == found.id))


@bp.get("/modul/<int:number>.atom")
def module(number: int):
    """Newly published entries for one module."""
    found = db.first_or_404(select(Module).where(Module.number == number))
    return atom_response(f"{SITE_TITLE}: Modul {number} – {found.title}",
                         url_for("feeds.module", number=number, _external=True),
                         url_for("workshops.module", number=number, _external=True),
                         Practice.modules.any(Module.id == found.id))

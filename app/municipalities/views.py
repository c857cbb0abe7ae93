"""Municipality pages: the list of all municipalities and one municipality's profile."""

from flask import Blueprint, abort, redirect, render_template, url_for
from sqlalchemy import func, select

from app.extensions import db
from app.municipalities.models import Municipality
from app.municipalities.services import municipality_for_old_slug
from app.permissions import visible_practices_filter
from app.practices.models import Practice
from app.practices.reports import reports_of_municipality
from app.workshops.models import Workshop

bp = Blueprint("municipalities", __name__)


@bp.get("/kommunen")
def index():
    """All municipalities with their size and how many entries one can read."""
    counts = dict(db.session.execute(
        select(Practice.municipality_id, func.count(Practice.id))
        .where(visible_practices_filter()).group_by(Practice.municipality_id)).all())
    municipalities = db.session.scalars(select(Municipality).order_by(Municipality.name)).all()
    return render_template("municipalities/index.html", municipalities=municipalities,
                           counts=counts)


@bp.get("/kommunen/<slug>")
def detail(slug: str):
    """One municipality: profile, size, its entries, its experience reports, workshops."""
    municipality = db.session.scalar(select(Municipality).where(Municipality.slug == slug))
    if municipality is None:
        merged_into = municipality_for_old_slug(slug)
        if merged_into is None:
            abort(404)
        return redirect(url_for("municipalities.detail", slug=merged_into.slug), 301)
    practices = db.session.scalars(
        select(Practice).where(visible_practices_filter(),
                               Practice.municipality_id == municipality.id)
        .order_by(Practice.title)).all()
    workshops = db.session.scalars(
        select(Workshop).where(Workshop.host_municipality_id == municipality.id)
        .order_by(Workshop.date)).all()
    return render_template("municipalities/detail.html", municipality=municipality,
                           practices=practices, workshops=workshops,
                           reports=reports_of_municipality(municipality.id))

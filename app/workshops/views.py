"""Module pages and workshop pages."""

from flask import Blueprint, render_template
from markupsafe import Markup
from sqlalchemy import select

from app.extensions import db
from app.home.queries import curated_picks
from app.permissions import visible_practices_filter
from app.practices.models import Practice
from app.workshops.models import Module, Workshop

bp = Blueprint("workshops", __name__)


def _visible_practices_where(*conditions) -> list[Practice]:
    return db.session.scalars(
        select(Practice).where(visible_practices_filter(), *conditions)
        .order_by(Practice.title)).all()


@bp.get("/module")
def modules():
    """The four modules of the circle and the kick-off."""
    all_modules = db.session.scalars(select(Module).order_by(Module.number)).all()
    kickoffs = db.session.scalars(
        select(Workshop).where(Workshop.module_id.is_(None)).order_by(Workshop.date)).all()
    return render_template("workshops/modules.html", modules=all_modules, kickoffs=kickoffs)


@bp.get("/module/<int:number>")
def module(number: int):
    """One module: guiding question, date, its workshops, the organisers' picks, its entries."""
    found = db.first_or_404(select(Module).where(Module.number == number))
    return render_template(
        "workshops/module.html", module=found,
        practices=_visible_practices_where(Practice.modules.any(Module.id == found.id)),
        picks=curated_picks().get(number, []),
    )


@bp.get("/arbeitstreffen/<slug>")
def workshop(slug: str):
    """One workshop: date, place, host, agenda and the entries discussed there."""
    found = db.first_or_404(select(Workshop).where(Workshop.slug == slug))
    return render_template(
        "workshops/workshop.html", workshop=found,
        agenda_html=Markup(found.agenda_html or ""),  # noqa: S704 - rendered and sanitised on save
        practices=_visible_practices_where(Practice.workshops.any(Workshop.id == found.id)),
    )

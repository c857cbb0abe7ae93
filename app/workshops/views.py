"""Module pages, workshop pages, their calendar files and workshop documents."""

from datetime import date
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, render_template, send_file, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func, select

from app.extensions import db
from app.home.queries import curated_picks
from app.permissions import visible_practices_filter
from app.practices.models import Practice
from app.practices.queries import card_loads
from app.uploads.storage import file_path, is_stored_name
from app.workshops.ical import calendar
from app.workshops.models import Module, Workshop, WorkshopAttachment

bp = Blueprint("workshops", __name__)

# A file is never a page (as for entries' files, app.uploads.views).
FILE_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"


# A module page lists this many of its entries (by title) and sends readers to the search
# for the rest: with 3,000 entries, all 750 of a module made a 0.7 s page no one scrolls.
MODULE_PAGE_ENTRIES = 60


def _visible_practices_where(*conditions, limit: int | None = None) -> list[Practice]:
    return db.session.scalars(
        select(Practice).where(visible_practices_filter(), *conditions)
        .options(*card_loads()).order_by(Practice.title, Practice.id).limit(limit)).all()


def _workshop_or_404(slug: str) -> Workshop:
    return db.first_or_404(select(Workshop).where(Workshop.slug == slug))


@bp.get("/module")
def modules():
    """The four modules of the circle and the kick-off."""
    all_modules = db.session.scalars(select(Module).order_by(Module.number)).all()
    kickoffs = db.session.scalars(
        select(Workshop).where(Workshop.module_id.is_(None)).order_by(Workshop.date)).all()
    return render_template("workshops/modules.html", modules=all_modules, kickoffs=kickoffs)


@bp.get("/module/<int:number>")
def module(number: int):
    """One module: guiding question, date, introduction, workshops, the organisers' picks."""
    found = db.first_or_404(select(Module).where(Module.number == number))
    in_module = Practice.modules.any(Module.id == found.id)
    return render_template(
        "workshops/module.html", module=found,
        introduction_html=Markup(found.introduction_html or ""),  # noqa: S704 - sanitised on save
        practices=_visible_practices_where(in_module, limit=MODULE_PAGE_ENTRIES),
        total=db.session.scalar(select(func.count(Practice.id)).where(
            visible_practices_filter(), in_module)),
        picks=curated_picks(number).get(number, []),
    )


@bp.get("/arbeitstreffen/<slug>")
def workshop(slug: str):
    """One workshop: date, place, host, agenda, minutes, files and the entries discussed."""
    found = _workshop_or_404(slug)
    return render_template(
        "workshops/workshop.html", workshop=found,
        agenda_html=Markup(found.agenda_html or ""),  # noqa: S704 - rendered and sanitised on save
        minutes_html=Markup(found.minutes_html or ""),  # noqa: S704 - rendered and sanitised on save
        practices=_visible_practices_where(Practice.workshops.any(Workshop.id == found.id)),
    )


def _ics(workshops: list[Workshop], name: str, filename: str) -> Response:
    events = [(w, url_for("workshops.workshop", slug=w.slug, _external=True)) for w in workshops]
    host = urlsplit(url_for("home.index", _external=True)).hostname or "localhost"
    response = Response(calendar(events, host, name), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.mimetype_params["charset"] = "utf-8"
    return response


@bp.get("/arbeitstreffen/<slug>.ics")
def workshop_ics(slug: str):
    """One workshop as an iCalendar file."""
    found = _workshop_or_404(slug)
    return _ics([found], found.title, f"{found.slug}.ics")


@bp.get("/arbeitstreffen.ics")
def upcoming_ics():
    """Every workshop from today on, as one iCalendar file to subscribe to."""
    upcoming = db.session.scalars(select(Workshop).where(Workshop.date >= date.today())
                                  .order_by(Workshop.date, Workshop.slug)).all()
    return _ics(list(upcoming), _("Arbeitstreffen des Kommunalkreises"), "arbeitstreffen.ics")


@bp.get("/arbeitstreffen/<slug>/dateien/<stored_name>")
def workshop_file(slug: str, stored_name: str):
    """A workshop's document (as a download) or picture."""
    found = _workshop_or_404(slug)
    attachment = db.session.scalar(select(WorkshopAttachment).where(
        WorkshopAttachment.stored_name == stored_name,
        WorkshopAttachment.workshop_id == found.id)) if is_stored_name(stored_name) else None
    if attachment is None or not file_path(stored_name).is_file():
        abort(404)
    response = send_file(file_path(stored_name), mimetype=attachment.content_type,
                         as_attachment=not attachment.content_type.startswith("image/"),
                         download_name=attachment.original_name, conditional=True,
                         max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response

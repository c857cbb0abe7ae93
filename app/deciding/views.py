"""From finding to deciding (SPEC §7): the Merkliste, the comparison, the council draft."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, user_logged_in
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from app.accounts.views import safe_next
from app.deciding import compare as comparing
from app.deciding import docx, guard, services
from app.deciding.listfile import merkliste_markdown
from app.errors import abort_with_message
from app.extensions import csrf, db
from app.municipalities.models import Municipality
from app.permissions import can_see_contact_details, can_view_practice, is_signed_in
from app.practices.models import Practice
from app.practices.queries import adopted_by, get_visible_practice_or_404, published_reports
from app.practices.rules import SLUG_MAX_LENGTH

bp = Blueprint("deciding", __name__)

ACTIONS = ("merken", "entfernen")
MAX_ALTERNATIVES = comparing.MAX_ENTRIES - 1


# --- app-wide wiring: button state, and the anonymous list carried over a sign-in ----------

@bp.record_once
def _connect_sign_in(_state) -> None:
    user_logged_in.connect(_merge_on_sign_in)


@bp.before_app_request
def _keep_anonymous_list():
    """Sign-in starts a fresh session (SECURITY.md 6); keep the anonymous list until then."""
    if request.method == "POST" and services.SESSION_KEY in session:
        g.anonymous_merkliste = list(session[services.SESSION_KEY])


def _merge_on_sign_in(_sender, user, **_extra) -> None:
    """flask-login's user_logged_in signal: move the anonymous list into the account."""
    stash = g.pop("anonymous_merkliste", None)
    if stash:
        services.merge_into_account(user, stash)


@bp.app_template_global()
def is_remembered(slug: str) -> bool:
    return slug in services.remembered_slugs()


@bp.app_template_global()
def merkliste_count() -> int:
    return len(services.remembered_slugs())


@bp.app_template_global()
def merkliste_csrf_token() -> str:
    return guard.button_token()


@bp.app_template_global()
def draft_municipalities() -> list[Municipality]:
    """All municipalities, for the 'for my municipality' choice of the council draft."""
    if "draft_municipalities" not in g:
        g.draft_municipalities = list(db.session.scalars(
            select(Municipality).order_by(Municipality.name)))
    return g.draft_municipalities


@bp.app_template_global()
def default_reader_slug() -> str | None:
    """The signed-in person's municipality, the default for `fuer`."""
    municipality = getattr(current_user, "municipality", None) if is_signed_in() else None
    return municipality.slug if municipality else None


def public_url(practice: Practice) -> str:
    """The entry's address under BASE_URL (never built from the request's Host header)."""
    base = current_app.config["BASE_URL"].rstrip("/")
    return base + url_for("practices.detail", slug=practice.slug)


# --- the Merkliste ----------------------------------------------------------------------

@bp.get("/merkliste")
def merkliste():
    """The reader's remembered entries: remove, compare 2–4, download all."""
    return render_template("deciding/merkliste.html",
                           practices=services.remembered_practices())


def _back_target(slug: str) -> str:
    target = safe_next(request.form.get("next"))
    if not target or target.split("?")[0] == url_for("deciding.merkliste"):
        return url_for("deciding.merkliste")
    return f"{target.split('#')[0]}#merken-{slug}"


def _find_practice(slug: str) -> Practice | None:
    if not slug or len(slug) > SLUG_MAX_LENGTH:
        return None
    return db.session.scalar(select(Practice).where(Practice.slug == slug))


def _answer(message: str, category: str, slug: str, remembered: bool):
    if request.accept_mimetypes.best == "application/json":
        return jsonify(message=message, remembered=remembered,
                       count=len(services.remembered_practices()),
                       csrf_token=generate_csrf())
    flash(message, category)
    return redirect(_back_target(slug), code=303)


@bp.post("/merkliste")
@csrf.exempt  # checked by guard.check_csrf() below, see app/deciding/guard.py
def update():
    """Merken or entfernen one entry (fields `slug`, `aktion`), then back to the page."""
    guard.check_csrf()
    action, slug = request.form.get("aktion", ""), request.form.get("slug", "").strip()
    if action not in ACTIONS:
        abort_with_message(400, _("Unbekannte Aktion: bitte „merken“ oder „entfernen“."))
    practice = _find_practice(slug)
    if action == "entfernen":
        if practice is not None:
            services.forget(practice.id)
        title = practice.title if practice else slug[:SLUG_MAX_LENGTH]  # kept in the session
        return _answer(_("„%(title)s“ ist nicht mehr auf Ihrer Merkliste.", title=title),
                       "success", slug, remembered=False)
    if practice is None or not can_view_practice(None, practice):
        abort_with_message(404, _("Diesen Lösungsansatz gibt es nicht (oder nicht für Sie)."))
    try:
        services.remember(practice)
    except services.MerklisteFull:
        return _answer(_("Ihre Merkliste ist voll (höchstens %(n)s Einträge). Bitte entfernen "
                         "Sie zuerst einen Eintrag.", n=services.MAX_ENTRIES),
                       "error", slug, remembered=False)
    return _answer(_("„%(title)s“ ist auf Ihrer Merkliste.", title=practice.title),
                   "success", slug, remembered=True)


@bp.get("/merkliste.md")
def merkliste_download():
    """All remembered entries as one Markdown file; contact e-mail and phone for members."""
    practices = services.remembered_practices()
    urls = [public_url(p) for p in practices]
    text = merkliste_markdown(practices, urls, show_contact=can_see_contact_details())
    response = Response(text, mimetype="text/markdown")
    response.headers["Content-Disposition"] = 'attachment; filename="merkliste.md"'
    return response


# --- comparison and council draft ---------------------------------------------------------

def _reader_municipality(raw: str | None, strict: bool) -> Municipality | None:
    """The municipality named by `fuer`, else the signed-in person's; 400 if unknown (strict)."""
    slug = (raw or "").strip()
    if not slug:
        return getattr(current_user, "municipality", None) if is_signed_in() else None
    municipality = db.session.scalar(select(Municipality).where(Municipality.slug == slug[:100]))
    if municipality is None and strict:
        abort_with_message(400, _("Die Kommune „%(slug)s“ ist in der Wissensbasis nicht "
                                  "bekannt. Bitte wählen Sie Ihre Kommune aus der Liste oder "
                                  "lassen Sie die Angabe weg.", slug=slug[:100]))
    return municipality


@bp.get("/vergleich")
def compare():
    """2–4 entries side by side, one row per fact; clear messages for bad selections."""
    reader = _reader_municipality(request.args.get("fuer"), strict=False)
    try:
        comparison = comparing.compare(request.args.getlist("slug"))
    except comparing.ComparisonError as error:
        return render_template("deciding/compare.html", comparison=None, problem=str(error),
                               rows=comparing.ROWS, reader=reader), error.status
    return render_template("deciding/compare.html", comparison=comparison, problem=None,
                           rows=comparing.ROWS, reader=reader,
                           show_contact_details=can_see_contact_details())


def _alternatives(raw: list[str], main: str) -> list[Practice]:
    """Up to three visible other entries (unknown or invisible ones are left out silently)."""
    slugs = [s for s in comparing.clean_slugs(raw) if s != main][:MAX_ALTERNATIVES]
    found = [_find_practice(slug) for slug in slugs]
    return [p for p in found if p is not None and can_view_practice(None, p)]


@bp.get("/praxis/<slug>/beschlussvorlage.docx")
def council_draft(slug: str):
    """A Sitzungsvorlage (Word) built from the entry, for the municipality in `fuer`."""
    practice = get_visible_practice_or_404(slug)
    others = _alternatives(request.args.getlist("alternative"), practice.slug)
    context = docx.DraftContext(
        practice=practice,
        source_url=public_url(practice),
        reader_municipality=_reader_municipality(request.args.get("fuer"), strict=True),
        alternatives=[(p, public_url(p)) for p in others],
        reports=published_reports(practice), adopted_by=adopted_by(practice),
        show_contact=can_see_contact_details())
    response = Response(docx.council_draft(context), mimetype=docx.MIMETYPE)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="beschlussvorlage-{practice.slug}.docx"')
    return response

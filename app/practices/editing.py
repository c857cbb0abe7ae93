"""Writing through the web (SPEC §6): new entry, edit, submit, history, restore, own entries."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from app.extensions import db
from app.home.presentation import SDG_NAMES
from app.markdown import MarkdownTooLarge, render_markdown
from app.municipalities.models import Municipality
from app.permissions import (
    can_apply,
    can_choose_municipality,
    can_create_practice,
    can_edit_practice,
    can_restore_revision,
    can_view_history,
)
from app.practices import adoption, rules, states
from app.practices.diff import revision_diff
from app.practices.fileformat import PracticeData, check_fields
from app.practices.forms import (
    FIELD_LABELS,
    MAX_NOTE_LENGTH,
    SECTIONS,
    EntryInput,
)
from app.practices.models import EFFORT_LABELS, STATUS_LABELS, Practice, Revision
from app.practices.parking import (
    forget_parked_form,
    parked_form_for_request,
    sign_in_keeping_input,
)
from app.practices.queries import own_practices
from app.practices.reports import reports_by_author
from app.practices.writing import (
    StaleEdit,
    TransitionRefused,
    create_practice,
    edit_form_base,
    field_errors,
    latest_comment,
    read_revision,
    restore_revision,
    submit_practice,
    update_practice,
)
from app.search import SearchRequest, search_practices
from app.taxonomies.models import Lever, Topic
from app.workshops.models import Module, Workshop

bp = Blueprint("editing", __name__)
ADOPTION_SEARCH = "uebernahme-suchen"  # the form's button that only looks entries up


def _practice_or_404(slug: str) -> Practice:
    return db.first_or_404(select(Practice).where(Practice.slug == slug))


def _editable_practice(slug: str) -> Practice:
    """The entry if the signed-in person may edit it: 404 when they may not even see it."""
    practice = _practice_or_404(slug)
    if not can_edit_practice(current_user, practice):
        abort(403 if practice.is_published else 404)
    return practice


def _choices(practice: Practice | None) -> dict:
    """Everything the form's lists and selects offer, as (value, label) pairs."""
    levers = db.session.scalars(select(Lever).order_by(Lever.position, Lever.slug))
    topics = db.session.scalars(select(Topic).order_by(Topic.position, Topic.slug))
    modules = db.session.scalars(select(Module).order_by(Module.number))
    workshops = db.session.scalars(select(Workshop).order_by(Workshop.date))
    municipalities = (db.session.scalars(select(Municipality).order_by(Municipality.name))
                      if can_choose_municipality(current_user) else [])
    return {
        "lever_options": [(lever.slug, lever.name) for lever in levers],
        "topic_options": [(topic.slug, topic.name) for topic in topics],
        "module_options": [(str(m.number), f"Modul {m.number}: {m.title}") for m in modules],
        "workshop_options": [(w.slug, f"{w.title} ({format_date(w.date)})") for w in workshops],
        "sdg_options": [(str(n), f"{n} – {name}") for n, name in SDG_NAMES.items()],
        "status_options": list(STATUS_LABELS.items()),
        "effort_options": list(EFFORT_LABELS.items()),
        "visibility_options": [("public", _("Alle (öffentlich)")),
                               ("members", _("Nur angemeldete Mitglieder"))],
        "municipality_options": [(m.slug, m.name) for m in municipalities],
        "sections": SECTIONS, "rules": rules,
    }


def _target_municipality(entry: EntryInput, practice: Practice | None):
    """The municipality the entry belongs to, by role (representatives: their own)."""
    if not can_choose_municipality(current_user):
        return practice.municipality if practice else current_user.municipality
    slug = entry.municipality or (practice.municipality.slug if practice else "")
    return db.session.scalar(select(Municipality).where(Municipality.slug == slug))


def _check(entry: EntryInput, practice: Practice | None, *, saving: bool):
    """The typed entry checked by the file rules: (data, errors by field)."""
    municipality = _target_municipality(entry, practice)
    levers = set(db.session.scalars(select(Lever.slug)))
    topics = set(db.session.scalars(select(Topic.slug)))
    result = check_fields("Formular", practice.slug if practice else "neu",
                          entry.meta(municipality.name if municipality else ""),
                          entry.body(), levers, topics)
    errors = field_errors(result) if isinstance(result, list) else {}
    if municipality is None:
        errors["municipality"] = [_("Bitte wählen Sie eine Kommune.")]
    if len(entry.note) > MAX_NOTE_LENGTH:
        errors["note"] = [_("Höchstens %(n)s Zeichen.", n=MAX_NOTE_LENGTH)]
    adoption_problems = adoption.problems(entry, practice, municipality, saving=saving)
    if adoption_problems:
        errors.setdefault("adopted_from", []).extend(adoption_problems)
    if len(entry.body().encode("utf-8")) > rules.MAX_BODY_BYTES:  # else Markdown refuses: 500
        errors.setdefault("body", []).append(_("Der Text ist zu lang (höchstens 1 MB)."))
    if not isinstance(result, PracticeData) or errors:
        return None, errors, municipality
    return result, errors, municipality


def _preview(entry: EntryInput) -> Markup | None:
    try:
        return render_markdown(entry.body())
    except MarkdownTooLarge:
        return None


def _similar(entry: EntryInput, practice: Practice | None) -> list:
    """'Gibt es schon …?': published entries like the typed title (not the entry itself)."""
    if not entry.title.strip():
        return []
    result = search_practices(SearchRequest(q=entry.title[:200], per_page=6), viewer=current_user)
    return [hit for hit in result.hits if practice is None or hit.slug != practice.slug][:5]


def _render_form(template: str, entry: EntryInput, practice: Practice | None, status: int = 200,
                 errors: dict | None = None, preview: bool = False, **extra):
    context = {
        "entry": entry, "practice": practice, "errors": errors or {},
        "preview_html": _preview(entry) if preview else None,
        "similar": _similar(entry, practice) if preview or practice is None else [],
        "error_messages": [(name, f"{FIELD_LABELS.get(name, name)}: {message}")
                           for name, messages in (errors or {}).items() for message in messages],
        "adoption_options": adoption.options(entry, adoption.candidates(
            entry, practice, _target_municipality(entry, practice))
            if entry.adopted_from_query.strip() else []),
        "adoption_search": ADOPTION_SEARCH,
        **_choices(practice), **extra,
    }
    return render_template(template, **context), status


@bp.route("/praxis/neu", methods=["GET", "POST"])
@sign_in_keeping_input
def new():
    """Form for a new entry; saving keeps it as a draft of the municipality."""
    if not can_create_practice(current_user):
        abort(403)
    parked = parked_form_for_request()
    if request.method == "GET":
        if parked is not None:
            entry = EntryInput.from_form(parked, can_choose_municipality(current_user))
            return _render_form("practices/new.html", entry, None, restored=True)
        return _render_form("practices/new.html", EntryInput.for_new_entry(current_user), None)
    entry = EntryInput.from_form(request.form, can_choose_municipality(current_user))
    if request.form.get("aktion") == ADOPTION_SEARCH:
        return _render_form("practices/new.html", entry, None)
    data, errors, municipality = _check(entry, None,
                                        saving=request.form.get("aktion") != "vorschau")
    if request.form.get("aktion") == "vorschau" or errors:
        status = 422 if errors and request.form.get("aktion") != "vorschau" else 200
        return _render_form("practices/new.html", entry, None, status=status, errors=errors,
                            preview=True)
    forget_parked_form()
    practice = create_practice(data, current_user, municipality, note=entry.note)
    flash(_("Ihr Entwurf ist gespeichert. Nur Ihre Kommune und das Organisationsteam sehen ihn, "
            "bis er veröffentlicht wird. Fotos und Dokumente fügen Sie über „Bilder und "
            "Dokumente“ hinzu; eingereicht wird mit „Zur Prüfung einreichen“."), "success")
    return redirect(url_for("practices.detail", slug=practice.slug))


@bp.route("/praxis/<slug>/bearbeiten", methods=["GET", "POST"])
@sign_in_keeping_input
def edit(slug: str):
    """Edit form; every save records a revision, a stale save answers 409."""
    practice = _editable_practice(slug)
    if request.method == "GET":
        parked = parked_form_for_request()
        if parked is not None:
            entry = EntryInput.from_form(parked, can_choose_municipality(current_user))
            return _render_form("practices/edit.html", entry, practice, restored=True)
        base = edit_form_base(practice)
        return _render_form("practices/edit.html", EntryInput.from_practice(practice, base),
                            practice)
    entry = EntryInput.from_form(request.form, can_choose_municipality(current_user))
    if request.form.get("aktion") == ADOPTION_SEARCH:
        return _render_form("practices/edit.html", entry, practice)
    data, errors, municipality = _check(entry, practice,
                                        saving=request.form.get("aktion") != "vorschau")
    if request.form.get("aktion") == "vorschau" or errors:
        status = 422 if errors and request.form.get("aktion") != "vorschau" else 200
        return _render_form("practices/edit.html", entry, practice, status=status,
                            errors=errors, preview=True)
    if municipality.id != practice.municipality_id and not can_choose_municipality(current_user):
        abort(403)
    try:
        update_practice(practice, data, current_user, entry.base_revision, note=entry.note)
    except StaleEdit as stale:
        return _conflict(practice, entry, stale.current)
    flash(_("Ihre Änderungen sind gespeichert."), "success")
    return redirect(url_for("practices.detail", slug=practice.slug))


def _conflict(practice: Practice, entry: EntryInput, current: Revision):
    """409: somebody saved in between; show their changes next to the typed text."""
    db.session.rollback()
    base = read_revision(practice, entry.base_revision) if entry.base_revision else None
    latest = read_revision(practice, current.number)
    theirs = revision_diff(base, latest) if base and latest else None
    typed_base = entry.base_revision
    entry.base_revision = current.number  # saving again after merging by hand is allowed
    message = _("Während Sie geschrieben haben, hat jemand anderes diesen Eintrag gespeichert "
                "(Version %(number)s). Es wurde nichts überschrieben. Ihre Eingaben stehen "
                "unten im Formular; bitte übernehmen Sie die Änderungen der anderen Person "
                "von Hand und speichern Sie dann erneut.", number=current.number)
    return _render_form("practices/edit.html", entry, practice, status=409, conflict=message,
                        theirs=theirs, latest=latest, typed_base=typed_base)


@bp.post("/praxis/<slug>/einreichen")
@sign_in_keeping_input
def submit(slug: str):
    """A draft or returned entry goes to the organisers for review."""
    practice = _editable_practice(slug)
    if not can_apply(current_user, practice, states.SUBMIT):
        flash(_("Dieser Eintrag kann in seinem jetzigen Zustand nicht eingereicht werden."),
              "error")
        return redirect(url_for("practices.detail", slug=slug)), 303
    try:
        submit_practice(practice, current_user)
    except TransitionRefused:
        abort(409)
    flash(_("Eingereicht: Das Organisationsteam prüft Ihren Eintrag und veröffentlicht ihn "
            "oder gibt ihn mit einem Kommentar zurück."), "success")
    return redirect(url_for("practices.detail", slug=slug))


def _revision_number(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 9 else None


@bp.get("/praxis/<slug>/versionen")
@sign_in_keeping_input
def history(slug: str):
    """The revisions of an entry and a readable diff between any two."""
    practice = _practice_or_404(slug)
    if not can_view_history(current_user, practice):
        abort(403 if practice.is_published else 404)
    revisions = list(reversed(practice.revisions))
    newest = revisions[0].number if revisions else 0
    old_number = _revision_number("von") or max(newest - 1, 1)
    new_number = _revision_number("bis") or newest
    older, newer = read_revision(practice, old_number), read_revision(practice, new_number)
    diff = revision_diff(older, newer) if older and newer and old_number != new_number else None
    return render_template("practices/history.html", practice=practice, revisions=revisions,
                           old_number=old_number, new_number=new_number, diff=diff,
                           may_restore=can_restore_revision(current_user, practice))


@bp.post("/praxis/<slug>/versionen/<int:number>/wiederherstellen")
@sign_in_keeping_input
def restore(slug: str, number: int):
    """An organiser makes an old revision current again (as a new revision)."""
    practice = _practice_or_404(slug)
    if not can_restore_revision(current_user, practice):
        abort(403)
    try:
        restore_revision(practice, number, current_user)
    except LookupError:
        abort(404)
    flash(_("Version %(number)s ist wiederhergestellt (als neue Version).", number=number),
          "success")
    return redirect(url_for("editing.history", slug=slug))


@bp.get("/meine")
@sign_in_keeping_input
def mine():
    """The signed-in person's entries by publication state, and their experience reports."""
    practices = own_practices(current_user)
    groups = [(state, states.LABELS[state], [p for p in practices if p.publication == state])
              for state in (states.RETURNED, states.DRAFT, states.SUBMITTED, states.PUBLISHED,
                            states.ARCHIVED)]
    return render_template("practices/mine.html", groups=groups, comment_for=latest_comment,
                           reports=reports_by_author(current_user))


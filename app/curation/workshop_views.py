"""Workshops in the organisers' area: create, edit, files, the entries discussed there.

Every page is behind the area's guard (app.curation.views).
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.curation.collections import candidates
from app.curation.views import bp
from app.extensions import db
from app.municipalities.models import Municipality
from app.practices.models import Practice
from app.uploads.checks import ALLOWED_HINT, UploadRefused
from app.uploads.queries import human_size
from app.workshops.forms import LIMITS, WorkshopInput
from app.workshops.models import FILE_TITLE_MAX, Module, Workshop, WorkshopAttachment
from app.workshops.services import (
    WorkshopError,
    add_workshop_file,
    create_workshop,
    delete_workshop_file,
    link_practice,
    unlink_practice,
    update_workshop,
)


def _workshop_or_404(slug: str) -> Workshop:
    return db.first_or_404(select(Workshop).where(Workshop.slug == slug))


def _choices() -> dict:
    modules = db.session.scalars(select(Module).order_by(Module.number)).all()
    hosts = db.session.scalars(select(Municipality).order_by(Municipality.name)).all()
    return {"module_options": [(str(m.number), f"Modul {m.number}: {m.title}") for m in modules],
            "host_options": [(m.slug, m.name) for m in hosts]}


def _checked(data: WorkshopInput) -> dict[str, list[str]]:
    choices = _choices()
    return data.errors({int(value) for value, _label in choices["module_options"]},
                       {value for value, _label in choices["host_options"]})


def _form_page(template: str, data: WorkshopInput, errors: dict, status: int = 200,
               **context):
    return render_template(template, entry=data, errors=errors, limits=LIMITS, **_choices(),
                           **context), status


def _linked(workshop: Workshop) -> list[Practice]:
    return list(db.session.scalars(select(Practice).where(
        Practice.workshops.any(Workshop.id == workshop.id)).order_by(Practice.title)))


def _edit_page(workshop: Workshop, data: WorkshopInput | None = None,
               errors: dict | None = None, status: int = 200):
    """The edit page: the form, the files and the linked entries."""
    linked = _linked(workshop)
    query = request.args.get("q", "").strip()[:200]
    return _form_page(
        "curation/workshop_edit.html", data or WorkshopInput.from_workshop(workshop),
        errors or {}, status, workshop=workshop, linked=linked, query=query,
        candidates=candidates(query, workshop.module, {p.id for p in linked}),
        allowed=ALLOWED_HINT, max_size=human_size(_max_bytes()),
        file_title=request.form.get("file_title", ""))


def _max_bytes() -> int:
    return current_app.config["UPLOAD_MAX_BYTES"]


@bp.get("/arbeitstreffen")
def workshops():
    """Every workshop, the latest first."""
    rows = db.session.scalars(select(Workshop).order_by(Workshop.date.desc(),
                                                        Workshop.slug)).all()
    return render_template("curation/workshops.html", workshops=rows)


@bp.route("/arbeitstreffen/neu", methods=["GET", "POST"])
def workshop_new():
    """A new workshop; on success its edit page, for files and entries."""
    if request.method == "GET":
        return _form_page("curation/workshop_new.html", WorkshopInput(), {})
    data = WorkshopInput.from_form(request.form)
    errors = _checked(data)
    if errors:
        return _form_page("curation/workshop_new.html", data, errors, 422)
    workshop = create_workshop(data)
    flash(_("„%(title)s“ ist angelegt. Hier können Sie Unterlagen hochladen und Einträge "
            "verknüpfen.", title=workshop.title), "success")
    return redirect(url_for("curation.workshop_edit", slug=workshop.slug), 303)


@bp.route("/arbeitstreffen/<slug>/bearbeiten", methods=["GET", "POST"])
def workshop_edit(slug: str):
    """Edit the workshop's facts, agenda and minutes."""
    workshop = _workshop_or_404(slug)
    if request.method == "GET":
        return _edit_page(workshop)
    data = WorkshopInput.from_form(request.form)
    errors = _checked(data)
    if errors:
        return _edit_page(workshop, data, errors, 422)
    update_workshop(workshop, data)
    flash(_("„%(title)s“ ist gespeichert.", title=workshop.title), "success")
    return redirect(url_for("curation.workshop_edit", slug=workshop.slug), 303)


@bp.post("/arbeitstreffen/<slug>/dateien")
def workshop_file_add(slug: str):
    """Upload a document (e.g. the programme as PDF) with the entries' upload rules."""
    workshop = _workshop_or_404(slug)
    upload = request.files.get("file")
    title = request.form.get("file_title", "").strip()
    errors: dict[str, list[str]] = {}
    if upload is None or not upload.filename:
        errors["file"] = [_("Bitte wählen Sie eine Datei aus.")]
    if len(title) > FILE_TITLE_MAX:
        errors["file_title"] = [_("Der Titel darf höchstens %(n)s Zeichen lang sein.",
                                  n=FILE_TITLE_MAX)]
    if not errors:
        try:
            attachment = add_workshop_file(workshop, upload, title, current_user)
        except UploadRefused as refusal:
            errors["file"] = [str(refusal)]
    if errors:
        return _edit_page(workshop, errors=errors, status=422)
    flash(_("„%(name)s“ ist hochgeladen.", name=attachment.original_name), "success")
    return redirect(url_for("curation.workshop_edit", slug=slug, _anchor="unterlagen"), 303)


@bp.post("/arbeitstreffen/<slug>/dateien/<int:file_id>/loeschen")
def workshop_file_delete(slug: str, file_id: int):
    """Delete one of the workshop's files."""
    workshop = _workshop_or_404(slug)
    attachment = db.session.get(WorkshopAttachment, file_id)
    if attachment is None or attachment.workshop_id != workshop.id:
        abort(404)
    name = attachment.original_name
    delete_workshop_file(attachment)
    flash(_("„%(name)s“ ist gelöscht.", name=name), "success")
    return redirect(url_for("curation.workshop_edit", slug=slug, _anchor="unterlagen"), 303)


def _practice_from_form() -> Practice | None:
    return db.session.scalar(select(Practice).where(Practice.slug == request.form.get("slug", "")))


@bp.post("/arbeitstreffen/<slug>/eintraege")
def workshop_link(slug: str):
    """Link a published entry (field `slug`) as discussed at this workshop."""
    workshop = _workshop_or_404(slug)
    practice = _practice_from_form()
    try:
        if practice is None:
            raise WorkshopError(_("Diesen Eintrag gibt es nicht."))
        link_practice(workshop, practice, current_user)
    except WorkshopError as error:
        return _edit_page(workshop, errors={"eintraege": [str(error)]}, status=422)
    flash(_("„%(title)s“ ist mit dem Arbeitstreffen verknüpft.", title=practice.title),
          "success")
    return redirect(url_for("curation.workshop_edit", slug=slug, _anchor="eintraege"), 303)


@bp.post("/arbeitstreffen/<slug>/eintraege/<practice_slug>/loesen")
def workshop_unlink(slug: str, practice_slug: str):
    """Remove the link between the entry and this workshop."""
    workshop = _workshop_or_404(slug)
    practice = db.first_or_404(select(Practice).where(Practice.slug == practice_slug))
    try:
        unlink_practice(workshop, practice, current_user)
    except WorkshopError as error:
        return _edit_page(workshop, errors={"eintraege": [str(error)]}, status=422)
    flash(_("„%(title)s“ ist nicht mehr mit dem Arbeitstreffen verknüpft.",
            title=practice.title), "success")
    return redirect(url_for("curation.workshop_edit", slug=slug, _anchor="eintraege"), 303)

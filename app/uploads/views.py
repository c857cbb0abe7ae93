"""Managing an entry's pictures and documents, and serving the files to its readers."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.extensions import db
from app.permissions import can_edit_practice, can_view_practice
from app.practices.models import Practice
from app.uploads.checks import ALLOWED_HINT, UploadRefused
from app.uploads.forms import DeleteForm, MoveForm, UploadForm
from app.uploads.models import IMAGE, Attachment
from app.uploads.queries import attachments_for, find_attachment, human_size
from app.uploads.services import (
    add_attachment,
    delete_attachment,
    move_attachment,
    receive_upload,
)
from app.uploads.storage import file_path, is_stored_name

bp = Blueprint("uploads", __name__)

# A file is never a page: no scripts, no plug-ins, no frames, even if a browser sniffed it.
FILE_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"


def _editable_practice_or_abort(slug: str) -> Practice:
    """The entry if the current user may edit it: 404 if they may not even see it, else 403."""
    practice = db.first_or_404(select(Practice).where(Practice.slug == slug))
    if not can_view_practice(current_user, practice):
        abort(404)
    if not can_edit_practice(current_user, practice):
        abort(403)
    return practice


def _attachment_of(practice: Practice, attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.practice_id != practice.id:
        abort(404)
    return attachment


def _upload_form() -> UploadForm:
    form = UploadForm()
    form.file.description = _("Fotos als JPEG, PNG oder WebP, Dokumente als PDF; höchstens "
                              "%(size)s je Datei.",
                              size=human_size(current_app.config["UPLOAD_MAX_BYTES"]))
    return form


def _store_from(form: UploadForm, practice: Practice) -> Attachment | None:
    """Check and store the posted file; on a problem put the message next to its field."""
    if not form.validate():
        return None
    try:
        checked, original_name = receive_upload(form.file.data)
    except UploadRefused as refusal:
        form.file.errors.append(str(refusal))
        return None
    if checked.kind == IMAGE and not (form.alt_text.data or "").strip():
        form.alt_text.errors.append(_("Bitte beschreiben Sie kurz, was auf dem Bild zu sehen "
                                      "ist. Menschen, die das Bild nicht sehen können, bekommen "
                                      "diese Beschreibung vorgelesen."))
        return None
    return add_attachment(practice, checked, original_name, form.alt_text.data or "",
                          form.caption.data or "", current_user)


@bp.route("/praxis/<slug>/dateien", methods=["GET", "POST"])
@login_required
def manage(slug: str):
    """The entry's pictures and documents: list, upload, delete, order."""
    practice = _editable_practice_or_abort(slug)
    form = _upload_form()
    status = 200
    if form.is_submitted():
        attachment = _store_from(form, practice)
        if attachment is not None:
            flash(_("„%(name)s“ ist hochgeladen.", name=attachment.original_name), "success")
            return redirect(url_for(".manage", slug=slug))
        status = 422
    return render_template("uploads/manage.html", practice=practice, form=form,
                           attachments=attachments_for(practice), delete_form=DeleteForm(),
                           move_form=MoveForm(), allowed=ALLOWED_HINT), status


@bp.post("/praxis/<slug>/dateien/<int:attachment_id>/loeschen")
@login_required
def delete(slug: str, attachment_id: int):
    """Delete one attachment and its files."""
    practice = _editable_practice_or_abort(slug)
    attachment = _attachment_of(practice, attachment_id)
    if not DeleteForm().validate():
        abort(400)
    name = attachment.original_name
    delete_attachment(attachment)
    flash(_("„%(name)s“ ist gelöscht.", name=name), "success")
    return redirect(url_for(".manage", slug=slug))


@bp.post("/praxis/<slug>/dateien/<int:attachment_id>/verschieben")
@login_required
def move(slug: str, attachment_id: int):
    """Move one attachment up or down in the order shown on the entry."""
    practice = _editable_practice_or_abort(slug)
    attachment = _attachment_of(practice, attachment_id)
    form = MoveForm()
    if not form.validate():
        abort(400)
    move_attachment(attachment, -1 if form.richtung.data == "hoch" else 1)
    return redirect(url_for(".manage", slug=slug, _anchor=f"datei-{attachment.id}"))


def _serve(stored_name: str, thumbnail: bool):
    """Send a stored file to a reader who may see its entry; 404 for everyone else."""
    attachment = find_attachment(stored_name) if is_stored_name(stored_name) else None
    if attachment is None or not can_view_practice(current_user, attachment.practice):
        abort(404)
    if thumbnail and not attachment.is_image:
        abort(404)
    path = file_path(stored_name, thumbnail)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=attachment.content_type,
                         as_attachment=not attachment.is_image,
                         download_name=attachment.original_name, conditional=True,
                         max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.cache_control.public = False
    response.cache_control.private = True
    return response


@bp.get("/dateien/<stored_name>")
def serve(stored_name: str):
    """An image (inline) or a document (as a download)."""
    return _serve(stored_name, thumbnail=False)


@bp.get("/dateien/vorschau/<stored_name>")
def thumbnail(stored_name: str):
    """The small version of an image, for the entry page."""
    return _serve(stored_name, thumbnail=True)

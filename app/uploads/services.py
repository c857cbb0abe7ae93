"""Writes for attachments: each function commits once; files follow the database.

An upload writes its files first and removes them again if the commit fails, so that no
row ever points to a missing file and no file is left without a row. A deletion commits
first and then removes the files.
"""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from app.accounts.models import User
from app.extensions import db
from app.practices.models import Practice
from app.uploads.checks import CheckedFile, UploadRefused, check_upload, display_name
from app.uploads.models import Attachment
from app.uploads.queries import human_size, ordered_attachments
from app.uploads.storage import (
    THUMBNAIL_FOLDER,
    file_path,
    is_stored_name,
    new_stored_name,
    remove_files,
    write_atomically,
)
from app.workshops.models import WorkshopAttachment  # workshops' files share UPLOAD_DIR

logger = logging.getLogger(__name__)
ARCHIVE_FOLDER = "uploads/"


def receive_upload(upload: FileStorage) -> tuple[CheckedFile, str]:
    """Read an uploaded file within the size limit and check it; raise UploadRefused."""
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise UploadRefused(_("Die Datei ist zu groß. Erlaubt sind höchstens %(limit)s je "
                              "Datei; bitte verkleinern Sie sie (Fotos zum Beispiel mit der "
                              "Funktion „Größe ändern“ Ihres Bildprogramms).",
                              limit=human_size(limit)))
    filename = upload.filename or ""
    checked = check_upload(data, filename, current_app.config["UPLOAD_MAX_PIXELS"])
    return checked, display_name(filename, checked.file_type)


def _next_position(practice: Practice) -> int:
    highest = db.session.scalar(
        select(func.max(Attachment.position)).where(Attachment.practice_id == practice.id))
    return 0 if highest is None else highest + 1


def add_attachment(practice: Practice, checked: CheckedFile, original_name: str,
                   alt_text: str, caption: str, uploader: User | None) -> Attachment:
    """Store the checked file and its row; nothing stays on disk if the commit fails."""
    stored_name = new_stored_name(checked.file_type.extension)
    written: list[Path] = []
    try:
        for thumbnail, data in ((False, checked.data), (True, checked.thumbnail)):
            if data is not None:
                write_atomically(file_path(stored_name, thumbnail), data)
                written.append(file_path(stored_name, thumbnail))
        attachment = Attachment(
            practice_id=practice.id, kind=checked.kind, stored_name=stored_name,
            original_name=original_name, alt_text=alt_text.strip(), caption=caption.strip(),
            content_type=checked.file_type.content_type, size_bytes=len(checked.data),
            width=checked.width, height=checked.height,
            uploader_id=uploader.id if uploader else None,
            position=_next_position(practice))
        db.session.add(attachment)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return attachment


def delete_attachment(attachment: Attachment) -> None:
    """Remove the row, then its files."""
    stored_name = attachment.stored_name
    db.session.delete(attachment)
    db.session.commit()
    try:
        remove_files(stored_name)
    except OSError:
        logger.exception("could not remove the files of attachment %s", stored_name)


def move_attachment(attachment: Attachment, step: int) -> None:
    """Move an attachment one place up (-1) or down (+1) among those of its kind."""
    siblings = [other for other in ordered_attachments(attachment.practice)
                if other.kind == attachment.kind]
    index = siblings.index(attachment)
    target = index + step
    if 0 <= target < len(siblings):
        siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, other in enumerate(siblings):
        other.position = position
    db.session.commit()


def _archive_name(stored_name: str, thumbnail: bool) -> str:
    return ARCHIVE_FOLDER + (f"{THUMBNAIL_FOLDER}/" if thumbnail else "") + stored_name


def archive_files(archive: zipfile.ZipFile) -> int:
    """Backup: add every attachment's (and workshop file's) file and thumbnail under
    uploads/; return the count."""
    written = 0
    names = select(Attachment.stored_name).union(select(WorkshopAttachment.stored_name))
    for stored_name in db.session.scalars(names):
        for thumbnail in (False, True):
            path = file_path(stored_name, thumbnail)
            if path.exists():
                archive.write(path, _archive_name(stored_name, thumbnail))
                written += 1
    return written


def _member_target(member: str) -> Path | None:
    """Where an archive member goes in UPLOAD_DIR; None unless it is a generated name."""
    parts = member.removeprefix(ARCHIVE_FOLDER).split("/")
    thumbnail = len(parts) == 2 and parts[0] == THUMBNAIL_FOLDER
    if len(parts) > 2 or (len(parts) == 2 and not thumbnail) or not is_stored_name(parts[-1]):
        return None
    return file_path(parts[-1], thumbnail)


def restore_files(archive: zipfile.ZipFile) -> list[Path]:
    """Restore: write the archive's uploads/ files into UPLOAD_DIR; return the paths written.

    Only generated names (and their thumbnails) are accepted, so an archive cannot write
    outside the upload folder.
    """
    written: list[Path] = []
    for member in archive.namelist():
        target = _member_target(member) if member.startswith(ARCHIVE_FOLDER) else None
        if target is not None:
            write_atomically(target, archive.read(member))
            written.append(target)
    return written


def remove_restored(paths: list[Path]) -> None:
    """Undo restore_files when the database restore fails."""
    for path in paths:
        path.unlink(missing_ok=True)

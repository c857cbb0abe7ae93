"""Writes for workshops: each function commits once.

Files follow the database as in `app.uploads`: an upload writes its file first and removes
it again if the commit fails; a deletion commits first and then removes the file.
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from app import search
from app.accounts.models import User
from app.extensions import db
from app.markdown import render_markdown
from app.municipalities.models import Municipality
from app.practices.models import Practice, PracticeWorkshop
from app.practices.services import record_revision
from app.search.outbox import record_practice_change
from app.timeutil import utcnow
from app.uploads.services import delete_attachment, receive_upload
from app.uploads.storage import file_path, new_stored_name, write_atomically
from app.workshops.forms import WorkshopInput
from app.workshops.models import Module, Workshop, WorkshopAttachment


class WorkshopError(Exception):
    """A write that cannot be done; the message (German) says why."""


def workshop_slug(data: WorkshopInput) -> str:
    """`YYYY-MM-DD-modul-N` or `YYYY-MM-DD-auftakt` (SPEC §4), numbered if taken."""
    base = f"{data.day.isoformat()}-" + (f"modul-{data.module}" if data.module else "auftakt")
    taken = set(db.session.scalars(select(Workshop.slug).where(Workshop.slug.like(f"{base}%"))))
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def _apply(workshop: Workshop, data: WorkshopInput) -> None:
    # The module and host are looked up before anything is assigned, so that no query
    # flushes a half-filled workshop.
    module = db.session.scalar(
        select(Module).where(Module.number == int(data.module))) if data.module else None
    host = db.session.scalar(
        select(Municipality).where(Municipality.slug == data.host)) if data.host else None
    workshop.title = data.title
    workshop.date = data.day
    workshop.date_note = data.date_note
    workshop.place = data.place
    workshop.module, workshop.host = module, host
    workshop.agenda, workshop.agenda_html = data.agenda, str(render_markdown(data.agenda))
    workshop.minutes, workshop.minutes_html = data.minutes, str(render_markdown(data.minutes))
    workshop.edited_at = utcnow()


def create_workshop(data: WorkshopInput) -> Workshop:
    """A new workshop from checked form values."""
    workshop = Workshop(slug=workshop_slug(data))
    db.session.add(workshop)
    with db.session.no_autoflush:
        _apply(workshop, data)
    db.session.commit()
    return workshop


def update_workshop(workshop: Workshop, data: WorkshopInput) -> None:
    """Store the checked form values; the slug stays (links and calendars keep working)."""
    _apply(workshop, data)
    db.session.commit()


def _next_position(workshop: Workshop) -> int:
    highest = db.session.scalar(select(func.max(WorkshopAttachment.position)).where(
        WorkshopAttachment.workshop_id == workshop.id))
    return 0 if highest is None else highest + 1


def add_workshop_file(workshop: Workshop, upload: FileStorage, title: str,
                      uploader: User | None) -> WorkshopAttachment:
    """Check the upload with the entries' rules and store it; raise UploadRefused."""
    checked, original_name = receive_upload(upload)
    stored_name = new_stored_name(checked.file_type.extension)
    path: Path = file_path(stored_name)
    try:
        write_atomically(path, checked.data)
        attachment = WorkshopAttachment(
            workshop_id=workshop.id, stored_name=stored_name, original_name=original_name,
            title=title.strip(), content_type=checked.file_type.content_type,
            size_bytes=len(checked.data), uploader_id=uploader.id if uploader else None,
            position=_next_position(workshop))
        db.session.add(attachment)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        path.unlink(missing_ok=True)
        raise
    return attachment


def delete_workshop_file(attachment: WorkshopAttachment) -> None:
    """Remove the row, then the file (as for entries' files)."""
    delete_attachment(attachment)


def _linked(workshop: Workshop, practice: Practice) -> PracticeWorkshop | None:
    return db.session.get(PracticeWorkshop, (practice.id, workshop.id))


def link_practice(workshop: Workshop, practice: Practice, actor: User) -> None:
    """Note that the entry was discussed at the workshop (appended to its workshops)."""
    if not practice.is_published:
        raise WorkshopError(_("Nur veröffentlichte Einträge können verknüpft werden."))
    if _linked(workshop, practice) is not None:
        raise WorkshopError(_("„%(title)s“ ist schon verknüpft.", title=practice.title))
    position = max((link.position for link in practice.workshop_links), default=-1) + 1
    practice.workshop_links.append(PracticeWorkshop(workshop=workshop, position=position))
    _record(practice, actor, _("Arbeitstreffen „%(title)s“ verknüpft", title=workshop.title))


def unlink_practice(workshop: Workshop, practice: Practice, actor: User) -> None:
    """Remove the workshop from the entry's workshops; the others keep their order."""
    link = _linked(workshop, practice)
    if link is None:
        raise WorkshopError(_("„%(title)s“ ist nicht verknüpft.", title=practice.title))
    practice.workshop_links.remove(link)
    for position, other in enumerate(practice.workshop_links):
        other.position = position
    _record(practice, actor, _("Arbeitstreffen „%(title)s“ gelöst", title=workshop.title))


def _record(practice: Practice, actor: User, note: str) -> None:
    """The workshops are part of the entry's file: a revision and a search change."""
    db.session.flush()
    record_revision(practice, source="web", author_id=actor.id, note=note)
    record_practice_change(practice.slug)
    db.session.commit()
    search.changes_committed()

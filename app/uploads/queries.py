"""Read side: an entry's attachments for its page, and look-ups for serving files."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from app.extensions import db
from app.practices.models import Practice
from app.uploads.models import Attachment


@dataclass
class PracticeAttachments:
    """An entry's images and documents, each in page order."""

    images: list[Attachment] = field(default_factory=list)
    documents: list[Attachment] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.images or self.documents)

    @property
    def all(self) -> list[Attachment]:
        return self.images + self.documents


def ordered_attachments(practice: Practice) -> list[Attachment]:
    return list(db.session.scalars(
        select(Attachment).where(Attachment.practice_id == practice.id)
        .order_by(Attachment.position, Attachment.id)))


def attachments_for(practice: Practice) -> PracticeAttachments:
    """The attachments of an entry the caller already may see (template global)."""
    result = PracticeAttachments()
    for attachment in ordered_attachments(practice):
        (result.images if attachment.is_image else result.documents).append(attachment)
    return result


def find_attachment(stored_name: str) -> Attachment | None:
    return db.session.scalar(select(Attachment).where(Attachment.stored_name == stored_name))


def human_size(size_bytes: int) -> str:
    """A file size as a German reader writes it: '850 KB', '1,2 MB'."""
    if size_bytes < 1024 * 1024:
        return f"{max(1, round(size_bytes / 1024))} KB"
    return f"{size_bytes / (1024 * 1024):.1f}".removesuffix(".0").replace(".", ",") + " MB"

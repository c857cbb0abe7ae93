"""An uploaded picture or document belonging to one practice."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.practices.models import Practice

IMAGE = "image"
DOCUMENT = "document"
KINDS = (IMAGE, DOCUMENT)
ALT_TEXT_MAX = 300
CAPTION_MAX = 300


class Attachment(db.Model):
    """A file on an entry; the file itself lives in UPLOAD_DIR under `stored_name`."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practice.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    # Generated (uuid4 hex + extension): never derived from what the uploader sent.
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    # Sanitised, for display and as the download name only.
    original_name: Mapped[str] = mapped_column(String(200))
    alt_text: Mapped[str] = mapped_column(String(ALT_TEXT_MAX), default="")
    caption: Mapped[str] = mapped_column(String(CAPTION_MAX), default="")
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int]
    width: Mapped[int | None]
    height: Mapped[int | None]
    uploader_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    position: Mapped[int] = mapped_column(default=0)

    practice: Mapped[Practice] = relationship()
    uploader: Mapped[User | None] = relationship()

    @property
    def is_image(self) -> bool:
        return self.kind == IMAGE

    def __repr__(self) -> str:
        return f"<Attachment {self.stored_name}>"

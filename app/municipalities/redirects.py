"""Old addresses of merged municipalities: /kommunen/<old-slug> answers 301 to the target."""

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.municipalities.models import Municipality


class MunicipalityRedirect(db.Model):
    """The slug of a municipality merged into another one."""

    __tablename__ = "municipality_redirect"

    old_slug: Mapped[str] = mapped_column(String(100), primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE"), index=True)

    municipality: Mapped[Municipality] = relationship()

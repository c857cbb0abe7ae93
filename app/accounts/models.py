"""User accounts and roles."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

if TYPE_CHECKING:
    from app.municipalities.models import Municipality

ROLES = ("member", "representative", "organiser")
ROLE_LABELS = {
    "member": "Mitglied",
    "representative": "Vertreter*in",
    "organiser": "Organisator*in",
}


class User(UserMixin, db.Model):
    """A signed-in person: member, representative of one municipality, or organiser."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="member")
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on sign-out, password change and deactivation: old session cookies stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    municipality: Mapped[Municipality | None] = relationship()

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        # The session version is part of the id, so a bumped version logs old sessions out.
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.email}>"

"""User accounts and roles."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

if TYPE_CHECKING:
    from app.municipalities.models import Municipality

# Characters of the text columns a person fills in (forms and commands check them first).
EMAIL_MAX = 254
NAME_MAX = 200
CONTACT_ROLE_MAX = 200
PHONE_MAX = 60
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
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    # Defaults for the contact of a new entry (SPEC §2 contact: role and phone).
    contact_role: Mapped[str | None] = mapped_column(String(CONTACT_ROLE_MAX))
    phone: Mapped[str | None] = mapped_column(String(PHONE_MAX))
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


class PasswordToken(db.Model):
    """A one-time link to set a password: only the token's SHA-256 is stored."""

    __tablename__ = "password_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    def is_usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at and self.user.active


class AuthFailure(db.Model):
    """One failed sign-in or token attempt, counted per account and per IP (SECURITY.md 1).

    Kept in the database so that every worker process sees the same counts; rows older
    than the longest window are pruned when new ones are written.
    """

    __tablename__ = "auth_failure"
    __table_args__ = (Index("ix_auth_failure_scope_key_created", "scope", "key", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(20))  # a key of throttle.LIMITS, e.g. "account"
    key: Mapped[str] = mapped_column(String(254))  # normalised e-mail or IP address
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class SecurityEvent(db.Model):
    """An audit log entry (SECURITY.md 18); never holds passwords or tokens."""

    __tablename__ = "security_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # UTC
    action: Mapped[str] = mapped_column(String(60), index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    actor_email: Mapped[str | None] = mapped_column(String(254))
    target: Mapped[str | None] = mapped_column(String(300))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<SecurityEvent {self.action} {self.target}>"


class Invitation(db.Model):
    """An invitation by e-mail with role and municipality: only the link token's SHA-256 is
    stored. Pending until accepted, revoked or expired (app/accounts/invitations.py)."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), index=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    role: Mapped[str] = mapped_column(String(20))
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipality.id", ondelete="SET NULL"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    municipality: Mapped[Municipality | None] = relationship()
    invited_by: Mapped[User | None] = relationship()

    def is_pending(self, now: datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and now < self.expires_at

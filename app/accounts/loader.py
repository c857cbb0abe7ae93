"""flask-login wiring: load users by id and session version, enforce session lifetimes."""

from datetime import UTC, datetime, timedelta

from flask import Flask, current_app, session
from flask_login import current_user, logout_user

from app.accounts.models import User
from app.extensions import db, login_manager


def load_user(user_id: str) -> User | None:
    """Return the user only if the session's version is still current (SECURITY.md 6)."""
    try:
        raw_id, raw_version = user_id.split(":", 1)
        user = db.session.get(User, int(raw_id))
        version = int(raw_version)
    except ValueError:
        return None
    if user is None or user.session_version != version or not user.active:
        return None
    return user


def enforce_absolute_lifetime() -> None:
    """Sign out sessions older than SESSION_ABSOLUTE_HOURS, however active (SECURITY.md 7)."""
    # Inactivity timeout: PERMANENT_SESSION_LIFETIME. Only for an existing session: marking
    # an empty one permanent would give every anonymous reader a cookie.
    if session or current_user.is_authenticated:
        session.permanent = True
    if not current_user.is_authenticated:
        return
    started = session.get("signed_in_at")
    limit = timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])
    now = datetime.now(UTC).timestamp()
    if started is None or now - started > limit.total_seconds():
        logout_user()
        session.clear()


def init_login(app: Flask) -> None:
    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Bitte melden Sie sich an, um diese Seite zu sehen."
    login_manager.session_protection = "basic"
    app.before_request(enforce_absolute_lifetime)

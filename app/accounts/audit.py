"""The security audit log (SECURITY.md 18): one function that every domain calls.

Events go to the `security_event` table and to the Python logger "app.security". A row is
added to the current database transaction, so that an event and the change it describes are
stored together; the caller's commit stores it (or pass commit=True when there is nothing
else to commit). Details never keep passwords, tokens or hashes.
"""

import logging
import re

from flask import has_request_context, request
from flask_login import current_user

from app.accounts.models import SecurityEvent, User
from app.extensions import db

logger = logging.getLogger("app.security")

_SECRET_KEY = re.compile(r"pass|token|secret|hash|csrf|cookie|session", re.IGNORECASE)
_MAX_DETAIL_LENGTH = 300


def _clean_details(details: dict | None) -> dict:
    """Drop secret-looking keys and cut long values; keep plain JSON types only."""
    cleaned = {}
    for key, value in (details or {}).items():
        if _SECRET_KEY.search(str(key)):
            continue
        if not isinstance(value, int | float | bool | type(None)):
            value = str(value)[:_MAX_DETAIL_LENGTH]
        cleaned[str(key)] = value
    return cleaned


def _current_actor() -> User | None:
    if has_request_context() and current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def client_address() -> str | None:
    """The caller's IP address (behind a proxy, configure ProxyFix so this is the client)."""
    return request.remote_addr if has_request_context() else None


def log_security_event(action: str, actor: User | None = None, target: str | None = None,
                       details: dict | None = None, *, commit: bool = False) -> SecurityEvent:
    """Record a security event: who (actor, default the signed-in user), did what, to what."""
    actor = actor or _current_actor()
    event = SecurityEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else None,
        target=str(target)[:300] if target is not None else None,
        ip_address=client_address(),
        details=_clean_details(details),
    )
    db.session.add(event)
    logger.info("security event %s actor=%s target=%s ip=%s details=%s", action,
                event.actor_email or "-", event.target or "-", event.ip_address or "-",
                event.details)
    if commit:
        db.session.commit()
    return event

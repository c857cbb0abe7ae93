"""Keeping what was typed when a session ran out in the middle of writing.

A save that arrives without a valid sign-in (the session expired, or its cookie is gone
so that the CSRF check fails) is not discarded: the posted fields are kept server-side
under a random one-time key, and the person is sent to sign in with a `next` link that
carries the key. Back on the form, the fields are put back for them to check and save.
Nothing parked is ever saved as an entry by itself.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import wraps
from urllib.parse import urlencode

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, select
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.practices.models import ParkedForm
from app.timeutil import utcnow

PARK_LIFETIME = timedelta(hours=24)
PARK_KEY_PARAMETER = "entwurf"
# The forms whose input is worth keeping across a sign-in.
PARKABLE_ENDPOINTS = frozenset({"editing.new", "editing.edit", "reports.new", "reports.edit"})
MAX_PARKED_BYTES = 2_000_000


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def park_posted_form():
    """Keep this request's form fields and answer with a redirect to the sign-in page."""
    fields = {name: values for name, values in request.form.lists() if name != "csrf_token"}
    key = secrets.token_urlsafe(24)
    now = utcnow()
    db.session.execute(delete(ParkedForm).where(ParkedForm.expires_at < now))
    db.session.add(ParkedForm(key_hash=_digest(key), path=request.path[:300], fields=fields,
                              created_at=now, expires_at=now + PARK_LIFETIME))
    db.session.commit()
    flash(_("Ihre Sitzung ist abgelaufen. Ihre Eingaben sind aufbewahrt: Bitte melden Sie "
            "sich erneut an, dann erscheinen sie wieder im Formular."), "warning")
    back = f"{request.path}?{urlencode({PARK_KEY_PARAMETER: key})}"
    return redirect(url_for("accounts.login", next=back))


def parked_form_for_request() -> MultiDict | None:
    """The fields parked for this page under the key in the URL, if any and still valid."""
    key = request.args.get(PARK_KEY_PARAMETER, "")
    if not key or len(key) > 100:
        return None
    parked = db.session.scalar(select(ParkedForm).where(ParkedForm.key_hash == _digest(key)))
    if parked is None or parked.expires_at < utcnow() or parked.path != request.path:
        return None
    return MultiDict([(name, value) for name, values in parked.fields.items()
                      for value in values])


def forget_parked_form() -> None:
    """Drop the parked fields once they were saved (the caller commits)."""
    key = request.args.get(PARK_KEY_PARAMETER, "")
    if key:
        db.session.execute(delete(ParkedForm).where(ParkedForm.key_hash == _digest(key)))


def sign_in_keeping_input(view):
    """Like flask-login's login_required, but a POST's fields are kept (parked), not lost."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user.is_authenticated:
            return view(*args, **kwargs)
        if can_park():
            return park_posted_form()
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))

    return wrapped


def can_park() -> bool:
    """A POST to one of the entry forms, small enough to keep."""
    return (request.method == "POST" and request.endpoint in PARKABLE_ENDPOINTS
            and (request.content_length or 0) <= MAX_PARKED_BYTES)

"""CSRF protection of the Merken button without a session on every page view.

Merely reading pages sets no cookie, so an anonymous reader who has no session yet has no
Flask-WTF token either, and the button's form is rendered without one (rendering a token
would create the session). The rule for ``POST /merkliste`` (SECURITY.md 9):

1. When the reader is signed in, or the session holds a Flask-WTF token (an anonymous
   session once a page with a form was rendered for it), the submitted token must be
   valid, exactly as for every other form (``csrf.protect()``).
2. Otherwise, the request must prove it comes from this site's own pages: a
   ``Sec-Fetch-Site`` header, when sent, must be ``same-origin``, and the ``Origin`` header
   (or, when a browser sends none, the ``Referer``) must name this host. Browsers set these
   headers themselves and a page on another site cannot forge them; a request without any
   of them is refused. Such a first POST only ever touches the new anonymous session it
   creates, never an account (signed-in sessions always fall under rule 1).

Anything else is answered 400 with the usual German "form expired" page and changes nothing.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request, session
from flask_wtf.csrf import CSRFError, generate_csrf

from app.extensions import csrf
from app.permissions import is_signed_in


def session_has_token() -> bool:
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token") in session


def button_token() -> str:
    """The token for a Merken form: only when a session exists already (never creates one)."""
    return generate_csrf() if session else ""


def _origin_host(url: str | None) -> str | None:
    if not url or url == "null":
        return None
    return urlsplit(url).netloc or None


def is_same_origin() -> bool:
    """Did the browser say this request comes from a page of this host?"""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site != "same-origin":
        return False
    source = request.headers.get("Origin") or request.headers.get("Referer")
    return _origin_host(source) == request.host


def check_csrf() -> None:
    """Apply the rule of this module's docstring; raise CSRFError (400) when it fails."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    if is_signed_in() or session_has_token():
        csrf.protect()
    elif not is_same_origin():
        raise CSRFError("cross-site request without a CSRF token")

"""Error pages: plain German HTML, or JSON under /api/ (SECURITY.md 16, 17)."""

import re
import uuid

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from app.extensions import db

MESSAGES = {
    400: "Die Anfrage ist ungültig.",
    403: "Dafür fehlt Ihnen die Berechtigung.",
    404: "Diese Seite gibt es nicht.",
    405: "Diese Aktion ist hier nicht möglich.",
    413: "Die gesendeten Daten sind zu groß.",
    429: "Zu viele Versuche. Bitte warten Sie einen Moment.",
    500: "Ein interner Fehler ist aufgetreten. Bitte versuchen Sie es später erneut.",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(code: int, message: str | None = None):
    """Answer an error as JSON under /api/ and as a German page elsewhere."""
    message = message or MESSAGES.get(code, MESSAGES[400])
    if wants_json():
        return jsonify(error=message), code
    return render_template("errors/error.html", code=code, message=message), code


def handle_http_exception(error: HTTPException):
    code = error.code or 500
    if code >= 500:
        db.session.rollback()
    message = None
    # Our own abort(…, description) carries a German message meant for the user.
    if getattr(error, "show_description", False):
        message = error.description
    body, status = error_response(code, message)
    response = current_app.make_response((body, status))
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def handle_csrf_error(error: CSRFError):
    from flask_login import current_user

    from app.practices.parking import can_park, park_posted_form

    if can_park() and not current_user.is_authenticated:
        # The session (and its CSRF token) expired while someone was writing an entry:
        # keep what they typed and let them sign in again (nothing is saved as an entry).
        return park_posted_form()
    return error_response(400, "Das Formular ist abgelaufen oder unvollständig. "
                               "Bitte laden Sie die Seite neu und versuchen Sie es erneut.")


def handle_unexpected(error: Exception):
    """Log the traceback with the request id, then answer a plain German page."""
    db.session.rollback()
    current_app.logger.error("Unhandled error in %s %s (request id %s)", request.method,
                             request.path, g.get("request_id", "-"), exc_info=error)
    return error_response(500)


_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def assign_request_id() -> None:
    """Take a sane X-Request-ID from the proxy, or make one; it ties logs to answers."""
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex


def echo_request_id(response):
    if "request_id" not in g:  # refused by a check that ran before assign_request_id
        assign_request_id()
    response.headers.setdefault("X-Request-ID", g.request_id)
    return response


def init_app(app: Flask) -> None:
    app.before_request(assign_request_id)
    app.after_request(echo_request_id)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(InternalServerError, handle_http_exception)
    if not app.debug and not app.testing:
        app.register_error_handler(Exception, handle_unexpected)


def abort_with_message(code: int, message: str):
    """Abort with a German message that the error page shows to the user."""
    from werkzeug.exceptions import abort as werkzeug_abort
    try:
        werkzeug_abort(code, description=message)
    except HTTPException as error:
        error.show_description = True
        raise

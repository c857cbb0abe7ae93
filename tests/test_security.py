"""Cross-cutting security behaviours (SECURITY.md 6-10, 14, 17, 18, 20) and permissions."""

import logging
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from flask import abort
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from app import permissions
from app.accounts.audit import log_security_event
from app.accounts.models import SecurityEvent, User
from app.accounts.passwords import hash_password
from app.extensions import db
from app.practices import states
from app.practices.models import Practice
from app.timeutil import utcnow
from tests.conftest import TEST_PASSWORD, FreshContextClient, csrf_token_from

NEW_PASSWORD = "Stadtwerke heizen mit Holzhackschnitzeln"


@pytest.fixture(autouse=True)
def _fresh_contexts(fresh_request_contexts):
    """Requests get their own app context (fresh `g` and database session), as in production."""


def cookie_header(response, name: str = "session") -> str:
    return next(value for value in response.headers.getlist("Set-Cookie")
                if value.startswith(f"{name}="))


# --- CSRF (9) -----------------------------------------------------------------------------

def test_login_post_without_csrf_token_is_400(client, create_user):
    user = create_user()
    response = client.post("/konto/anmelden",
                           data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "Formular ist abgelaufen" in response.get_data(as_text=True)
    wrong = client.post("/konto/anmelden", data={
        "email": user.email, "password": TEST_PASSWORD, "csrf_token": "gefälscht"})
    assert wrong.status_code == 400


@pytest.mark.parametrize("path, data", [
    ("/konto/abmelden", {}),
    ("/konto/passwort-aendern", {"current_password": TEST_PASSWORD, "password": NEW_PASSWORD,
                                 "confirm": NEW_PASSWORD}),
])
def test_signed_in_posts_without_csrf_token_are_400(client, create_user, login, path, data):
    user = create_user()
    login(user)
    assert client.post(path, data=data).status_code == 400
    assert client.get("/konto").status_code == 200, "still signed in, nothing changed"
    db.session.expire_all()
    assert db.session.get(User, user.id).session_version == 1


def test_set_password_post_without_csrf_token_is_400(runner, client):
    result = runner.invoke(args=["users", "create", "h@example.org", "--name", "H",
                                 "--role", "member"], input="\n")
    token = re.search(r"passwort-setzen/(\S+)", result.output).group(1)
    response = client.post(f"/konto/passwort-setzen/{token}",
                           data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert client.get(f"/konto/passwort-setzen/{token}").status_code == 200, "link unspent"


# --- headers (10, 20) and cookies (8) -----------------------------------------------------

def test_security_headers_over_http(client):
    response = client.get("/konto/anmelden")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1]
    for directive in ("object-src 'none'", "base-uri 'self'", "frame-ancestors 'none'"):
        assert directive in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_and_secure_cookie_over_https(client):
    response = client.get("/konto/anmelden", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = cookie_header(response)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_flags_over_http(client):
    cookie = cookie_header(client.get("/konto/anmelden"))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_signed_in_pages_are_not_cached(client, create_user, login):
    assert client.get("/konto/anmelden").headers["Cache-Control"] == "no-store"
    login(create_user())
    for path in ("/", "/konto", "/konto/passwort-aendern"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


# --- sessions (6, 7) ------------------------------------------------------------------------

def test_absolute_session_lifetime(client, create_user, login):
    login(create_user())
    with client.session_transaction() as session:
        session["signed_in_at"] = (datetime.now(UTC) - timedelta(hours=12, minutes=1)).timestamp()
    response = client.get("/konto")
    assert response.status_code == 302 and "/konto/anmelden" in response.headers["Location"]


def test_inactivity_timeout(make_app):
    """The signed cookie carries its time; older than the idle lifetime, it is refused."""
    app = make_app(PERMANENT_SESSION_LIFETIME=timedelta(seconds=1))
    app.test_client_class = FreshContextClient
    with app.app_context():
        db.session.add(User(email="idle@example.org", name="Idle", role="member",
                            password_hash=hash_password(TEST_PASSWORD)))
        db.session.commit()
    client = app.test_client()
    token = csrf_token_from(client, "/konto/anmelden")
    client.post("/konto/anmelden", data={"email": "idle@example.org",
                                         "password": TEST_PASSWORD, "csrf_token": token})
    assert client.get("/konto").status_code == 200
    time.sleep(2.1)
    assert client.get("/konto").status_code == 302


def test_session_lifetimes_are_configured(app):
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(minutes=60)
    assert app.config["SESSION_ABSOLUTE_HOURS"] == 12
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_tampered_session_version_is_rejected(client, create_user, login):
    user = create_user()
    login(user)
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id}:2"  # cannot be forged without the secret key,
    assert client.get("/konto").status_code == 302  # and a wrong version is refused anyway


# --- mass assignment (14) -------------------------------------------------------------------

def test_account_forms_ignore_extra_fields(client, create_user, login):
    user = create_user()
    login(user)
    token = csrf_token_from(client, "/konto/passwort-aendern")
    client.post("/konto/passwort-aendern", data={
        "current_password": TEST_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
        "role": "organiser", "email": "other@example.org", "municipality_id": "1",
        "active": "0", "csrf_token": token})
    db.session.expire_all()
    changed = db.session.get(User, user.id)
    assert (changed.role, changed.email, changed.municipality_id, changed.active) == (
        "member", user.email, None, True)


# --- errors (17) and audit log (18) ---------------------------------------------------------

def test_error_pages_are_plain_german(make_app):
    app = make_app(TESTING=False)
    assert app.debug is False

    @app.get("/kaputt")
    def broken():
        raise RuntimeError("geheimes Detail aus dem Inneren")

    client = app.test_client()
    missing = client.get("/gibt-es-nicht")
    assert missing.status_code == 404 and "Diese Seite gibt es nicht." in missing.get_data(
        as_text=True)
    failed = client.get("/kaputt")
    body = failed.get_data(as_text=True)
    assert failed.status_code == 500 and "interner Fehler" in body
    assert "geheimes Detail" not in body and "Traceback" not in body


def test_denied_access_is_logged(app, client, create_user, login):
    @app.get("/nur-fuer-organisatoren")
    def organisers_only():
        abort(403)

    user = create_user()
    login(user)
    response = client.get("/nur-fuer-organisatoren")
    assert response.status_code == 403
    assert "Berechtigung" in response.get_data(as_text=True)
    event = db.session.scalar(select(SecurityEvent).where(SecurityEvent.action == "access_denied"))
    assert event.actor_id == user.id and event.target == "/nur-fuer-organisatoren"
    assert event.ip_address == "127.0.0.1"


def test_audit_log_has_time_actor_address_and_no_secrets(runner, client, create_user, login,
                                                         caplog):
    caplog.set_level(logging.INFO, logger="app.security")
    created = runner.invoke(args=["users", "create", "i@example.org", "--name", "I",
                                  "--role", "member"], input="\n")
    link_token = re.search(r"passwort-setzen/(\S+)", created.output).group(1)
    csrf = csrf_token_from(client, f"/konto/passwort-setzen/{link_token}")
    client.post(f"/konto/passwort-setzen/{link_token}", data={
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": csrf})
    login("i@example.org", "ein falsches Passwort!!")
    login("i@example.org", NEW_PASSWORD)
    csrf = csrf_token_from(client, "/konto/passwort-aendern")
    client.post("/konto/passwort-aendern", data={
        "current_password": NEW_PASSWORD, "password": TEST_PASSWORD + "!",
        "confirm": TEST_PASSWORD + "!", "csrf_token": csrf})
    runner.invoke(args=["users", "set-role", "i@example.org", "organiser"])

    rows = list(db.session.scalars(select(SecurityEvent).order_by(SecurityEvent.id)))
    assert [row.action for row in rows] == [
        "user_created", "password_set", "login_failure", "login_success", "password_changed",
        "role_changed"]
    login_success = rows[3]
    assert login_success.actor_email == "i@example.org"
    assert login_success.ip_address == "127.0.0.1"
    assert abs(login_success.created_at - utcnow()) < timedelta(minutes=1)  # UTC
    stored = " ".join(f"{row.target} {row.details} {row.actor_email}" for row in rows)
    logged = caplog.text
    for secret in (NEW_PASSWORD, TEST_PASSWORD, "ein falsches Passwort", link_token):
        assert secret not in stored and secret not in logged
    assert "login_success" in logged


def test_log_security_event_drops_secret_details(app):
    event = log_security_event("practice_published", target="praxis/solardach", details={
        "decision": "published", "password": "x" * 20, "reset_token": "abc",
        "note": "y" * 1000}, commit=True)
    assert event.details == {"decision": "published", "note": "y" * 300}
    assert event.actor_id is None


# --- permission predicates: role x action ----------------------------------------------------

OWN, OTHER = 1, 2


def make_user(role: str | None) -> User | AnonymousUserMixin:
    if role is None:
        return AnonymousUserMixin()
    if role == "representative-other":
        return User(role="representative", municipality_id=OTHER, active=True)
    return User(role=role, municipality_id=OWN if role == "representative" else None,
                active=True)


def practice(publication: str, visibility: str = "public") -> Practice:
    return Practice(publication=publication, visibility=visibility, municipality_id=OWN)


ROLES = [None, "member", "representative", "representative-other", "organiser"]
ACTIONS = {
    "is_signed_in": lambda user: permissions.is_signed_in(user),
    "is_organiser": lambda user: permissions.is_organiser(user),
    "can_manage_users": lambda user: permissions.can_manage_users(user),
    "can_see_members_only": lambda user: permissions.can_see_members_only(user),
    "can_see_contact_details": lambda user: permissions.can_see_contact_details(user),
    "view published public": lambda user: permissions.can_view_practice(
        user, practice("published")),
    "view published members": lambda user: permissions.can_view_practice(
        user, practice("published", "members")),
    "view draft of own municipality": lambda user: permissions.can_view_practice(
        user, practice("draft")),
    "create practice": lambda user: permissions.can_create_practice(user),
    "choose municipality": lambda user: permissions.can_choose_municipality(user),
    "edit draft": lambda user: permissions.can_edit_practice(user, practice("draft")),
    "edit published": lambda user: permissions.can_edit_practice(user, practice("published")),
    "edit archived": lambda user: permissions.can_edit_practice(user, practice("archived")),
    "submit draft": lambda user: permissions.can_apply(
        user, practice("draft"), states.SUBMIT),
    "submit published": lambda user: permissions.can_apply(
        user, practice("published"), states.SUBMIT),
    "publish submitted": lambda user: permissions.can_apply(
        user, practice("submitted"), states.PUBLISH),
    "restore revision": lambda user: permissions.can_restore_revision(
        user, practice("published")),
    "report on published": lambda user: permissions.can_report_on(
        user, practice("published")),
    "report on draft": lambda user: permissions.can_report_on(user, practice("draft")),
    "curate": lambda user: permissions.can_curate(user),
}
#                                  anonymous member  repr.  repr.other organiser
EXPECTED = {
    "is_signed_in":                   (False, True,  True,  True,  True),
    "is_organiser":                   (False, False, False, False, True),
    "can_manage_users":               (False, False, False, False, True),
    "can_see_members_only":           (False, True,  True,  True,  True),
    "can_see_contact_details":        (False, True,  True,  True,  True),
    "view published public":          (True,  True,  True,  True,  True),
    "view published members":         (False, True,  True,  True,  True),
    "view draft of own municipality": (False, False, True,  False, True),
    "create practice":                (False, False, True,  True,  True),
    "choose municipality":            (False, False, False, False, True),
    "edit draft":                     (False, False, True,  False, True),
    "edit published":                 (False, False, True,  False, True),
    "edit archived":                  (False, False, False, False, True),
    "submit draft":                   (False, False, True,  False, True),
    "submit published":               (False, False, False, False, False),
    "publish submitted":              (False, False, False, False, True),
    "restore revision":               (False, False, False, False, True),
    "report on published":            (False, True,  True,  True,  True),
    "report on draft":                (False, False, False, False, False),
    "curate":                         (False, False, False, False, True),
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role_index, role", list(enumerate(ROLES)))
def test_permission_matrix(app, action, role_index, role):
    assert ACTIONS[action](make_user(role)) is EXPECTED[action][role_index]


def test_deactivated_user_has_no_rights(app):
    user = User(role="organiser", active=False)
    assert not permissions.is_signed_in(user) and not permissions.can_manage_users(user)

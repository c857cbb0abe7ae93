"""Accounts: the users command, one-time links, sign-in, throttle, passwords, sessions."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app import create_app
from app.accounts.models import AuthFailure, PasswordToken, SecurityEvent, User
from app.accounts.passwords import password_problem
from app.extensions import db
from app.municipalities.services import get_or_create_municipality
from app.timeutil import utcnow
from tests.conftest import (
    TEST_PASSWORD,
    FreshContextClient,
    count,
    csrf_token_from,
    make_config,
)

GOOD_PASSWORD = "Stadtwerke heizen mit Holzhackschnitzeln"
LINK = re.compile(r"http://127\.0\.0\.1:5000/konto/passwort-setzen/([A-Za-z0-9_-]+)")


@pytest.fixture(autouse=True)
def _fresh_contexts(fresh_request_contexts):
    """Requests get their own app context (fresh `g` and database session), as in production."""


def user_by_email(email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def events(action: str | None = None) -> list[SecurityEvent]:
    query = select(SecurityEvent).order_by(SecurityEvent.id)
    if action:
        query = query.where(SecurityEvent.action == action)
    return list(db.session.scalars(query))


def create(runner, *args, password: str = GOOD_PASSWORD):
    return runner.invoke(args=["users", "create", *args], input=password + "\n")


# --- the users command ------------------------------------------------------------------

def test_no_account_exists_after_installation(app):
    assert count(User) == 0


def test_create_organiser_with_password_from_stdin(runner, client, login):
    result = create(runner, "Erika@Example.org", "--name", "Erika Muster", "--role", "organiser")
    assert result.exit_code == 0, result.output
    assert "Konto angelegt: erika@example.org (Organisator*in)" in result.output
    assert GOOD_PASSWORD not in result.output and "passwort-setzen" not in result.output
    user = user_by_email("erika@example.org")
    assert user.role == "organiser" and user.name == "Erika Muster"
    assert user.password_hash.startswith("scrypt:")
    assert [e.target for e in events("user_created")] == ["erika@example.org"]
    assert login("erika@example.org", GOOD_PASSWORD).status_code == 302


def test_create_representative_needs_a_known_municipality(runner):
    get_or_create_municipality("Markt Holunderzell")
    db.session.commit()
    missing = create(runner, "a@example.org", "--name", "A", "--role", "representative")
    assert missing.exit_code == 1 and "brauchen eine Kommune" in missing.output
    unknown = create(runner, "a@example.org", "--name", "A", "--role", "representative",
                     "--municipality", "Holunderzell")
    assert unknown.exit_code == 1
    assert "Die Kommune „Holunderzell“ ist unbekannt" in unknown.output
    assert "Markt Holunderzell" in unknown.output  # suggested
    assert count(User) == 0
    known = create(runner, "a@example.org", "--name", "A", "--role", "representative",
                   "--municipality", "Markt Holunderzell")
    assert known.exit_code == 0, known.output
    assert user_by_email("a@example.org").municipality.name == "Markt Holunderzell"


def test_create_municipality_on_request(runner):
    result = create(runner, "b@example.org", "--name", "B", "--role", "representative",
                    "--municipality", "Gemeinde Neudorf", "--create-municipality")
    assert result.exit_code == 0, result.output
    assert user_by_email("b@example.org").municipality.name == "Gemeinde Neudorf"


@pytest.mark.parametrize("args, message", [
    (["kein-at-zeichen", "--name", "X", "--role", "member"], "ungültig"),
    (["x@example.org", "--name", " ", "--role", "member"], "Namen"),
])
def test_create_refuses_bad_input(runner, args, message):
    result = create(runner, *args)
    assert result.exit_code == 1 and message in result.output
    assert count(User) == 0


def test_create_refuses_unknown_role_and_duplicates(runner):
    assert create(runner, "c@example.org", "--name", "C", "--role", "admin").exit_code == 2
    assert create(runner, "c@example.org", "--name", "C", "--role", "member").exit_code == 0
    again = create(runner, "C@example.org", "--name", "C", "--role", "member")
    assert again.exit_code == 1 and "bereits ein Konto" in again.output


@pytest.mark.parametrize("password, accepted", [
    ("a" * 5 + "b" * 3 + "c" * 3, False),  # 11 characters
    ("Fahrradstraße", True),  # 13
    ("Rübenacker12", True),  # exactly 12
    ("x7" + "Kommunalkreis-" * 4 + "q" * 6, True),  # 64
    ("Wandel vor Ort " * 17 + "!", True),  # 256
    ("Wandel vor Ort " * 17 + "!!", False),  # 257
    ("password1234", False),  # common stem
    ("qazwsxedcrfv", False),  # listed
    ("aaaaaaaaaaaaaaaa", False),
    ("123456789012", False),
])
def test_password_length_and_common_passwords(runner, password, accepted):
    result = create(runner, "d@example.org", "--name", "D", "--role", "member",
                    password=password)
    assert (result.exit_code == 0) is accepted, result.output
    assert (count(User) == 1) is accepted


@pytest.mark.parametrize("password", [
    "iloveyou2024!", "Passwort123456", "abcabcabcabc", "martina.muster@example.org",
    "martinamuster1", "kommunenforfuture", "monkeymonkeymonkey",
])
def test_password_policy_refuses_guessable_passwords(password):
    assert password_problem(password, "martina.muster@example.org", "Martina Muster")


@pytest.mark.parametrize("password", [
    "korrekt Pferd Batterie Heftklammer", "Zx8!vQ2#mL0p", "Bürgerbus fährt sonntags nie",
])
def test_password_policy_accepts_good_passwords(password):
    assert password_problem(password, "m@example.org", "M") is None


def test_deactivate_and_set_role(runner, create_user, client, login):
    get_or_create_municipality("Stadt Rosenach")
    db.session.commit()
    user = create_user()
    login(user)
    assert client.get("/konto").status_code == 200
    changed = runner.invoke(args=["users", "set-role", user.email, "representative",
                                  "--municipality", "Stadt Rosenach"])
    assert changed.exit_code == 0, changed.output
    assert user_by_email(user.email).role == "representative"
    event = events("role_changed")[0]
    assert event.details["old_role"] == "member" and event.details["new_role"] == "representative"
    assert client.get("/konto").status_code == 302, "rights changed: sign in again"
    login(user)
    assert runner.invoke(args=["users", "deactivate", user.email]).exit_code == 0
    assert client.get("/konto").status_code == 302
    assert login(user).status_code == 200  # refused, form shown again
    assert not user_by_email(user.email).active
    assert runner.invoke(args=["users", "deactivate", "nobody@example.org"]).exit_code == 1


# --- one-time links -----------------------------------------------------------------------

def test_one_time_link_flow(runner, client, login):
    result = create(runner, "e@example.org", "--name", "Eva", "--role", "member", password="")
    assert result.exit_code == 0, result.output
    token = LINK.search(result.output).group(1)
    stored = db.session.scalar(select(PasswordToken))
    assert stored.token_hash != token and token not in stored.token_hash
    assert stored.expires_at - stored.created_at == timedelta(hours=72)
    assert user_by_email("e@example.org").password_hash is None

    page = client.get(f"/konto/passwort-setzen/{token}")
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    assert 'autocomplete="new-password"' in page.get_data(as_text=True)
    csrf = csrf_token_from(client, f"/konto/passwort-setzen/{token}")
    short = client.post(f"/konto/passwort-setzen/{token}",
                        data={"password": "zu kurz", "confirm": "zu kurz", "csrf_token": csrf})
    assert short.status_code == 422 and "mindestens 12 Zeichen" in short.get_data(as_text=True)
    done = client.post(f"/konto/passwort-setzen/{token}", data={
        "password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD, "csrf_token": csrf})
    assert done.status_code == 302 and done.headers["Location"].endswith("/konto/anmelden")
    assert login("e@example.org", GOOD_PASSWORD).status_code == 302

    client.post("/konto/abmelden", data={"csrf_token": csrf_token_from(client, "/konto")})
    reused = client.get(f"/konto/passwort-setzen/{token}")
    assert reused.status_code == 404 and "ungültig" in reused.get_data(as_text=True)
    assert [e.action for e in events()][-4:] == [
        "password_set", "login_success", "logout", "password_link_invalid"]


def test_expired_link_is_refused(runner, client):
    result = create(runner, "f@example.org", "--name", "F", "--role", "member", password="")
    token = LINK.search(result.output).group(1)
    db.session.execute(update(PasswordToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert client.get(f"/konto/passwort-setzen/{token}").status_code == 404


def test_new_link_replaces_old_one(runner, client):
    first = create(runner, "g@example.org", "--name", "G", "--role", "member", password="")
    old = LINK.search(first.output).group(1)
    again = runner.invoke(args=["users", "password-link", "g@example.org"])
    new = LINK.search(again.output).group(1)
    assert client.get(f"/konto/passwort-setzen/{old}").status_code == 404
    assert client.get(f"/konto/passwort-setzen/{new}").status_code == 200


def test_guessing_links_is_throttled_per_address(client):
    codes = [client.get(f"/konto/passwort-setzen/falsch{i}").status_code for i in range(11)]
    assert codes == [404] * 10 + [429]


# --- sign-in ------------------------------------------------------------------------------

def test_login_success_starts_a_fresh_session(client, create_user, login):
    user = create_user(name="Lena Lind")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker before sign-in"
    response = login(user)
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == f"{user.id}:1"
        assert session["signed_in_at"] > 0
    assert user_by_email(user.email).last_login_at is not None
    assert [e.action for e in events()] == ["login_success"]
    profile = client.get("/konto")
    assert "Lena Lind" in profile.get_data(as_text=True)


def test_login_failure_shows_one_message_for_both_cases(client, create_user, login):
    user = create_user()
    wrong = login(user, "ein falsches Passwort!!")
    unknown = login("niemand@example.org", "ein falsches Passwort!!")
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "E-Mail-Adresse oder Passwort ist falsch." in response.get_data(as_text=True)
    assert [e.details["reason"] for e in events("login_failure")] == [
        "wrong password", "unknown account"]


@pytest.mark.parametrize("next_url, location", [
    ("/konto/passwort-aendern", "/konto/passwort-aendern"),
    ("//evil.example/", "/"),
    ("https://evil.example/", "/"),
    ("/\\evil.example", "/"),
])
def test_next_parameter_only_for_local_paths(client, create_user, login, next_url, location):
    response = login(create_user(), next_url=next_url)
    assert response.status_code == 302
    assert response.headers["Location"] == location


def test_sixth_failed_sign_in_within_a_minute_is_refused(client, create_user, login):
    user = create_user()
    for _ in range(5):
        assert login(user, "ein falsches Passwort!!").status_code == 200
    refused = login(user)  # even the right password
    assert refused.status_code == 429
    assert "Zu viele fehlgeschlagene Versuche" in refused.get_data(as_text=True)
    assert refused.headers["Retry-After"] == "60"
    assert events("login_throttled")
    # The lock-out ends by itself after the window; no one is locked out for long.
    db.session.execute(update(AuthFailure).values(
        created_at=AuthFailure.created_at - timedelta(seconds=61)))
    db.session.commit()
    assert login(user).status_code == 302


def test_successful_sign_in_clears_the_account_counter(client, create_user, login):
    user = create_user()
    for _ in range(4):
        login(user, "ein falsches Passwort!!")
    assert login(user).status_code == 302
    assert count(AuthFailure) == 4  # the address's failures stay, the account's are gone
    assert {f.scope for f in db.session.scalars(select(AuthFailure))} == {"ip"}


def test_throttle_per_address_across_accounts(app, create_user):
    other = app.test_client()
    attacker = app.test_client()
    victim = create_user()
    token = csrf_token_from(attacker, "/konto/anmelden")
    for i in range(30):
        response = attacker.post("/konto/anmelden", data={
            "email": f"probe{i}@example.org", "password": "irgendein Passwort",
            "csrf_token": token})
        assert response.status_code == 200
    blocked = attacker.post("/konto/anmelden", data={
        "email": victim.email, "password": TEST_PASSWORD, "csrf_token": token})
    assert blocked.status_code == 429
    # The same account from another address still works.
    token = csrf_token_from(other, "/konto/anmelden")
    allowed = other.post("/konto/anmelden", environ_base={"REMOTE_ADDR": "192.0.2.7"},
                         data={"email": victim.email, "password": TEST_PASSWORD,
                               "csrf_token": token})
    assert allowed.status_code == 302


def test_throttle_is_shared_through_the_database(app, create_user, tmp_path):
    """Failures counted by one worker are seen by another (a second app, same database)."""
    user = create_user()
    first_worker = app.test_client()
    token = csrf_token_from(first_worker, "/konto/anmelden")
    for _ in range(5):
        first_worker.post("/konto/anmelden", data={
            "email": user.email, "password": "ein falsches Passwort!!", "csrf_token": token})
    second_app = create_app(make_config(tmp_path / "worker2",
                                        app.config["SQLALCHEMY_DATABASE_URI"]))
    second_app.test_client_class = FreshContextClient
    second_worker = second_app.test_client()
    token = csrf_token_from(second_worker, "/konto/anmelden")
    response = second_worker.post("/konto/anmelden", data={
        "email": user.email, "password": TEST_PASSWORD, "csrf_token": token})
    assert response.status_code == 429
    with second_app.app_context():
        db.engine.dispose()


# --- sign-out, password change, sessions --------------------------------------------------

def test_logout_kills_the_old_cookie(client, create_user, login):
    user = create_user()
    login(user)
    old_cookie = client.get_cookie("session").value
    assert client.get("/konto/abmelden").status_code == 405
    response = client.post("/konto/abmelden",
                           data={"csrf_token": csrf_token_from(client, "/konto")})
    assert response.status_code == 302
    assert client.get("/konto").status_code == 302
    client.set_cookie("session", old_cookie)
    replay = client.get("/konto")
    assert replay.status_code == 302 and "/konto/anmelden" in replay.headers["Location"]
    assert events("logout")


def test_change_password_requires_the_current_one(app, client, create_user, login):
    user = create_user()
    login(user)
    other_device = app.test_client()
    other_token = csrf_token_from(other_device, "/konto/anmelden")
    other_device.post("/konto/anmelden", data={"email": user.email, "password": TEST_PASSWORD,
                                               "csrf_token": other_token})
    assert other_device.get("/konto").status_code == 200
    old_cookie = client.get_cookie("session").value
    token = csrf_token_from(client, "/konto/passwort-aendern")

    wrong = client.post("/konto/passwort-aendern", data={
        "current_password": "nicht das aktuelle!", "password": GOOD_PASSWORD,
        "confirm": GOOD_PASSWORD, "csrf_token": token})
    assert wrong.status_code == 422
    assert "Das aktuelle Passwort ist nicht richtig." in wrong.get_data(as_text=True)
    assert events("password_change_failure")

    done = client.post("/konto/passwort-aendern", data={
        "current_password": TEST_PASSWORD, "password": GOOD_PASSWORD,
        "confirm": GOOD_PASSWORD, "csrf_token": token})
    assert done.status_code == 302
    assert client.get("/konto").status_code == 200, "this session stays signed in"
    assert other_device.get("/konto").status_code == 302, "other sessions end"
    client.set_cookie("session", old_cookie)
    assert client.get("/konto").status_code == 302, "the old cookie no longer works"
    assert events("password_changed")


def test_change_password_refuses_a_common_new_password(client, create_user, login):
    login(create_user())
    token = csrf_token_from(client, "/konto/passwort-aendern")
    response = client.post("/konto/passwort-aendern", data={
        "current_password": TEST_PASSWORD, "password": "password123456",
        "confirm": "password123456", "csrf_token": token})
    assert response.status_code == 422
    assert "zu verbreitet" in response.get_data(as_text=True)


def test_profile_shows_role_in_german_and_municipality(client, create_user, login):
    login(create_user(role="representative", municipality="Gemeinde Espenhofen",
                      name="Rita Rat"))
    page = client.get("/konto").get_data(as_text=True)
    assert "Rita Rat" in page and "Vertreter*in" in page and "Gemeinde Espenhofen" in page


def test_account_pages_need_sign_in(client):
    for path in ("/konto", "/konto/passwort-aendern"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/konto/anmelden?next=")


def test_login_form_is_accessible(client):
    html = client.get("/konto/anmelden").get_data(as_text=True)
    assert '<label for="email">' in html and '<label for="password">' in html
    assert 'autocomplete="username"' in html and 'autocomplete="current-password"' in html


def test_field_errors_are_tied_to_their_input(client, create_user, login):
    html = login(create_user(), "falsch, aber lang genug").get_data(as_text=True)
    assert 'id="password-fehler"' in html
    assert re.search(r'<input[^>]*aria-describedby="password-fehler"[^>]*aria-invalid="true"'
                     r'|<input[^>]*aria-invalid="true"[^>]*aria-describedby="password-fehler"',
                     html)

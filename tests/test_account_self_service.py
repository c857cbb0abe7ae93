"""Accounts completed: "Passwort vergessen?" by e-mail, profile, own data, deleting the account.

Mail goes through a real SMTP server on 127.0.0.1 (aiosmtpd, fixture smtp_server), or into
the log when no MAIL_SERVER is configured.
"""

import json
import logging
import re
import socket

import pytest
from flask import render_template_string
from sqlalchemy import select

from app.accounts.models import PasswordToken, SecurityEvent, User
from app.extensions import db
from app.mail import send_mail, wait_for_pending_mail
from app.practices.models import ExperienceReport, Practice, Revision
from tests.conftest import TEST_PASSWORD, count, csrf_token_from

RESET = "/konto/passwort-vergessen"
ANSWER = "Wenn es ein Konto mit dieser Adresse gibt"
NEW_PASSWORD = "Hopfen wächst an der Pegnitz entlang"
LINK = re.compile(r"https?://\S+(/konto/passwort-setzen/[A-Za-z0-9_-]+)")


def ask_for_link(client, email, **kwargs):
    token = csrf_token_from(client, RESET)
    return client.post(RESET, data={"email": email, "csrf_token": token}, **kwargs)


def events(action):
    return db.session.scalars(select(SecurityEvent).where(SecurityEvent.action == action)).all()


# --- "Passwort vergessen?" ----------------------------------------------------------------

def test_sign_in_page_links_to_forgot_password(client):
    page = client.get("/konto/anmelden").get_data(as_text=True)
    assert f'href="{RESET}"' in page and "Passwort vergessen?" in page


def test_reset_mail_arrives_by_smtp_and_its_link_sets_the_password(
        client, smtp_server, create_user, login, caplog):
    create_user(email="lena@example.org", name="Lena Lind")
    with caplog.at_level(logging.INFO):
        response = ask_for_link(client, "  Lena@Example.org ")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/konto/anmelden")
    assert ANSWER in client.get("/konto/anmelden").get_data(as_text=True)

    smtp_server.wait()
    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0]
    assert smtp_server.recipients == [["lena@example.org"]]
    assert mail["To"] == "lena@example.org"
    assert "Passwort" in mail["Subject"]
    body = mail.get_content()
    assert "Hallo Lena Lind," in body and "2 Stunden" in body
    path = LINK.search(body).group(1)
    token = path.rsplit("/", 1)[1]

    # The token is in no security event and in no log line except the mail itself.
    stored = json.dumps([[e.action, e.target, e.details] for e in db.session.scalars(
        select(SecurityEvent))])
    assert token not in stored
    assert not [r for r in caplog.records if token in r.getMessage() and r.name != "app.mail"]
    assert [e.details for e in events("password_reset_requested")] == [
        {"account_exists": True}]

    page = client.get(path)
    assert page.status_code == 200 and "Lena Lind" in page.get_data(as_text=True)
    saved = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                    "csrf_token": csrf_token_from(client, path)})
    assert saved.status_code == 302
    assert login("lena@example.org", TEST_PASSWORD).status_code == 200, "old password gone"
    assert login("lena@example.org", NEW_PASSWORD).status_code == 302
    assert client.get("/konto").status_code == 200
    assert client.get(path).status_code == 404, "the link works once"


def test_unknown_address_gets_the_same_answer_and_no_mail(client, smtp_server, create_user):
    create_user(email="known@example.org")
    known = ask_for_link(client, "known@example.org")
    known_page = client.get("/konto/anmelden").get_data(as_text=True)
    unknown = ask_for_link(client, "nobody@example.org")
    unknown_page = client.get("/konto/anmelden").get_data(as_text=True)

    assert (known.status_code, known.headers["Location"]) == \
        (unknown.status_code, unknown.headers["Location"])
    assert known.get_data() == unknown.get_data()
    assert ANSWER in known_page and ANSWER in unknown_page
    smtp_server.wait()
    assert [m["To"] for m in smtp_server.messages] == ["known@example.org"]
    assert count(PasswordToken) == 1
    assert [e.details for e in events("password_reset_requested")] == [
        {"account_exists": True}, {"account_exists": False}]


def test_inactive_account_gets_no_mail(client, smtp_server, create_user):
    user = create_user(email="gone@example.org")
    user.active = False
    db.session.commit()
    assert ask_for_link(client, "gone@example.org").status_code == 302
    assert smtp_server.wait().messages == []


def test_invalid_address_keeps_what_was_typed(client):
    response = ask_for_link(client, "kein-at-zeichen")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="kein-at-zeichen"' in page
    assert "gültige E-Mail-Adresse" in page and 'aria-invalid="true"' in page


def test_reset_is_throttled_per_address(client, create_user):
    create_user(email="lena@example.org")
    for _ in range(3):
        assert ask_for_link(client, "lena@example.org").status_code == 302
    refused = ask_for_link(client, "LENA@example.org")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"]
    assert count(PasswordToken) == 3
    assert events("password_reset_throttled")
    assert ask_for_link(client, "someone-else@example.org").status_code == 302


def test_reset_is_throttled_per_ip_address(client):
    elsewhere = {"environ_base": {"REMOTE_ADDR": "10.1.2.3"}}
    for n in range(10):
        assert ask_for_link(client, f"person{n}@example.org", **elsewhere).status_code == 302
    assert ask_for_link(client, "person99@example.org", **elsewhere).status_code == 429
    assert ask_for_link(client, "person99@example.org").status_code == 302, "other address"


def test_without_mail_server_the_mail_is_written_to_the_log(client, create_user, caplog):
    create_user(email="lena@example.org", name="Lena Lind")
    with caplog.at_level(logging.INFO, logger="app.mail"):
        assert ask_for_link(client, "lena@example.org").status_code == 302
        wait_for_pending_mail()
    logged = [r for r in caplog.records if r.name == "app.mail"]
    assert len(logged) == 1 and logged[0].levelno == logging.INFO
    text = logged[0].getMessage()
    assert "To: lena@example.org" in text and "Hallo Lena Lind," in text
    assert client.get(LINK.search(text).group(1)).status_code == 200


def test_a_failed_send_is_logged_and_loses_nothing(app, client, create_user, caplog):
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port, MAIL_TIMEOUT=2)
    with caplog.at_level(logging.INFO, logger="app.mail"):
        assert send_mail("a@example.org", "Betreff", "Text") is False
        create_user(email="lena@example.org")
        response = ask_for_link(client, "lena@example.org")
        wait_for_pending_mail()
    assert response.status_code == 302, "the person gets the same answer"
    assert count(PasswordToken) == 1, "the request itself is stored"
    errors = [r for r in caplog.records if r.name == "app.mail" and r.levelno == logging.ERROR]
    assert len(errors) == 2 and "not sent" in errors[0].getMessage()


def test_send_mail_to_several_recipients_in_utf8(app, smtp_server):
    assert send_mail(["a@example.org", "b@example.org"], "Grüße\naus Pegnitz",
                     "Sehr geehrte Damen und Herren,\nÄnderungen übernommen.") is True
    mail = smtp_server.messages[0]
    assert smtp_server.recipients == [["a@example.org", "b@example.org"]]
    assert mail["Subject"] == "Grüße aus Pegnitz"
    assert "Änderungen übernommen." in mail.get_content()
    assert mail["From"] and mail["Message-ID"] and mail["Date"]


# --- profile ------------------------------------------------------------------------------

PROFILE = "/konto/profil"


def test_profile_edit_keeps_typed_values_on_invalid_input(client, create_user, login):
    user = create_user(name="Lena Lind")
    login(user)
    response = client.post(PROFILE, data={
        "name": "", "contact_role": "Klimaschutzmanagerin", "phone": "ruf mich an",
        "csrf_token": csrf_token_from(client, PROFILE)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="Klimaschutzmanagerin"' in page and 'value="ruf mich an"' in page
    assert "Bitte geben Sie Ihren Namen an." in page and "nur Ziffern" in page
    assert 'aria-describedby="name-fehler"' in page
    db.session.expire_all()
    assert (user.name, user.contact_role, user.phone) == ("Lena Lind", None, None)


def test_profile_edit_saves_only_name_role_and_phone(client, create_user, login):
    user = create_user(name="Lena Lind", email="lena@example.org")
    login(user)
    page = client.get(PROFILE)
    assert page.status_code == 200 and 'value="Lena Lind"' in page.get_data(as_text=True)
    response = client.post(PROFILE, data={
        "name": " Lena Lind-Berg ", "contact_role": "Klimaschutzmanagerin",
        "phone": "+49 9241 723-0", "role": "organiser", "email": "boss@example.org",
        "municipality": "pegnitz", "csrf_token": csrf_token_from(client, PROFILE)})
    assert response.status_code == 302
    db.session.expire_all()
    assert (user.name, user.contact_role, user.phone) == \
        ("Lena Lind-Berg", "Klimaschutzmanagerin", "+49 9241 723-0")
    assert (user.role, user.email, user.municipality) == ("member", "lena@example.org", None)
    shown = client.get("/konto").get_data(as_text=True)
    assert "Klimaschutzmanagerin" in shown and "+49 9241 723-0" in shown
    assert client.get("/konto").status_code == 200, "still signed in"


def test_profile_pages_need_sign_in(client):
    for path in (PROFILE, "/konto/daten", "/konto/loeschen"):
        response = client.get(path)
        assert response.status_code == 302 and "/konto/anmelden" in response.headers["Location"]


# --- CSRF ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path, data", [
    (RESET, {"email": "lena@example.org"}),
    (PROFILE, {"name": "Fremd", "contact_role": "", "phone": ""}),
    ("/konto/loeschen", {"password": TEST_PASSWORD}),
])
def test_forms_refuse_a_post_without_csrf_token(client, create_user, login, path, data):
    user = create_user(email="lena@example.org", name="Lena Lind")
    login(user)
    assert client.post(path, data=data).status_code == 400
    assert client.post(path, data={**data, "csrf_token": "falsch"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(User, user.id).name == "Lena Lind"
    assert count(PasswordToken) == 0


# --- own data and deletion ----------------------------------------------------------------

@pytest.fixture
def author_with_content(create_user, write_practice, import_folder):
    """A representative who wrote an entry (with a revision) and a report on another."""
    user = create_user(role="representative", municipality="Gemeinde Testdorf",
                       email="lena@example.org", name="Lena Lind")
    write_practice("nahwaerme", title="Nahwärmenetz", municipality="Markt Anders")
    import_folder(write_practice("dorfladen", title="Dorfladen in Bürgerhand").parent)
    own = db.session.scalar(select(Practice).where(Practice.slug == "dorfladen"))
    other = db.session.scalar(select(Practice).where(Practice.slug == "nahwaerme"))
    own.author_id = user.id
    db.session.add(Revision(practice=own, number=len(own.revisions) + 1, source="web",
                            author_id=user.id, note="Kosten ergänzt", content="…"))
    db.session.add(ExperienceReport(practice=other, author_id=user.id,
                                    municipality_id=user.municipality_id,
                                    body="Haben wir auch gemacht.", body_html=""))
    db.session.commit()
    return user


def test_download_contains_own_data_and_no_password_hash(client, author_with_content, login):
    user = author_with_content
    user.contact_role, user.phone = "Klimaschutzmanagerin", "09241 1234"
    db.session.commit()
    login(user)
    response = client.get("/konto/daten")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    account = data["account"]
    assert (account["email"], account["name"], account["contact_role"], account["phone"]) == \
        ("lena@example.org", "Lena Lind", "Klimaschutzmanagerin", "09241 1234")
    assert account["municipality"] == "Gemeinde Testdorf"
    assert [(p["slug"], p["title"]) for p in data["practices"]] == \
        [("dorfladen", "Dorfladen in Bürgerhand")]
    assert [r["note"] for r in data["revisions"]] == ["Kosten ergänzt"]
    assert [(r["practice"], r["body"]) for r in data["experience_reports"]] == \
        [("nahwaerme", "Haben wir auch gemacht.")]
    assert "login_success" in [e["action"] for e in data["security_events"]]
    text = response.get_data(as_text=True)
    assert "password_hash" not in text and user.password_hash not in text
    assert "scrypt:" not in text and "session_version" not in text


def test_deleting_needs_the_password(client, author_with_content, login):
    login(author_with_content)
    response = client.post("/konto/loeschen", data={
        "password": "ein falsches Passwort", "csrf_token": csrf_token_from(client,
                                                                         "/konto/loeschen")})
    assert response.status_code == 422
    assert "Das Passwort ist nicht richtig." in response.get_data(as_text=True)
    assert count(User) == 1
    assert client.get("/konto").status_code == 200


def test_deleting_removes_the_account_and_keeps_the_entries(
        app, client, author_with_content, login):
    user_id = author_with_content.id
    login(author_with_content)
    other_device = app.test_client()
    login_other = other_device.post("/konto/anmelden", data={
        "email": "lena@example.org", "password": TEST_PASSWORD,
        "csrf_token": csrf_token_from(other_device, "/konto/anmelden")})
    assert login_other.status_code == 302
    page = client.get("/konto/loeschen")
    assert page.status_code == 200 and "ehemaliges Konto" in page.get_data(as_text=True)

    response = client.post("/konto/loeschen", data={
        "password": TEST_PASSWORD, "csrf_token": csrf_token_from(client, "/konto/loeschen")})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user_id) is None
    assert client.get("/konto").status_code == 302, "this session ended"
    assert other_device.get("/konto").status_code == 302, "the other session ended too"
    assert "Anmelden" in client.get("/").get_data(as_text=True)

    own = db.session.scalar(select(Practice).where(Practice.slug == "dorfladen"))
    assert own is not None and own.author_id is None
    assert own.municipality.name == "Gemeinde Testdorf"
    assert [r.author_id for r in own.revisions] == [None] * len(own.revisions)
    report = db.session.scalar(select(ExperienceReport))
    assert report.author_id is None and report.body == "Haben wir auch gemacht."
    assert client.get("/praxis/dorfladen").status_code == 200
    shown = render_template_string("{{ practice.author|author_name }}", practice=own)
    assert shown == "ehemaliges Konto"

    deleted = events("account_deleted")
    assert len(deleted) == 1 and deleted[0].actor_id is None
    assert deleted[0].details == {"practices": 1, "revisions": 1, "experience_reports": 1}
    assert login("lena@example.org").status_code == 200, "the account is gone"


def test_author_name_shows_the_name_of_an_existing_account(app, create_user):
    user = create_user(name="Lena Lind")
    assert render_template_string("{{ user|author_name }}", user=user) == "Lena Lind"


def test_rows_of_other_domains_are_exported_and_go_with_the_account(
        client, author_with_content, login):
    models = pytest.importorskip("app.deciding.models")
    practice = db.session.scalar(select(Practice).where(Practice.slug == "nahwaerme"))
    db.session.add(models.RememberedPractice(user_id=author_with_content.id,
                                             practice_id=practice.id))
    db.session.commit()
    login(author_with_content)
    data = client.get("/konto/daten").get_json()
    assert [row["practice_id"] for row in data["other"]["remembered_practice"]] == [practice.id]
    assert "password_token" not in data["other"]

    client.post("/konto/loeschen", data={
        "password": TEST_PASSWORD, "csrf_token": csrf_token_from(client, "/konto/loeschen")})
    assert count(models.RememberedPractice) == 0
    assert count(Practice) == 2

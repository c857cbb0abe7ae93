"""People in the organisers' area: invitations by e-mail (through a real SMTP server), the
account list, role changes and deactivation."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import Invitation, SecurityEvent, User
from app.extensions import db
from app.municipalities.services import get_or_create_municipality
from tests.conftest import TEST_PASSWORD, count, csrf_token_from

INVITE = "/redaktion/personen/einladen"
PEOPLE = "/redaktion/personen"
LINK = re.compile(r"https?://\S+(/konto/einladung/[A-Za-z0-9_-]+)")
NEW_PASSWORD = "Hopfen wächst an der Pegnitz entlang"


@pytest.fixture
def organiser(create_user, login):
    user = create_user(role="organiser", name="Olga Organisatorin",
                       email="olga@example.org")
    login(user)
    return user


@pytest.fixture
def testdorf(app):
    municipality = get_or_create_municipality("Gemeinde Testdorf")
    get_or_create_municipality("Markt Anderswo")
    db.session.commit()
    return municipality


def invite(client, **fields):
    data = {"email": "neu@example.org", "name": "Nora Neu", "role": "representative",
            "municipality": "gemeinde-testdorf", **fields}
    data["csrf_token"] = csrf_token_from(client, INVITE)
    return client.post(INVITE, data=data)


def mailed_link(smtp_server, index=-1) -> str:
    smtp_server.wait()
    match = LINK.search(smtp_server.messages[index].get_content())
    assert match, smtp_server.messages[index].get_content()
    return match.group(1)


def sign_in(client, email, password=TEST_PASSWORD):
    token = csrf_token_from(client, "/konto/anmelden")
    return client.post("/konto/anmelden", data={"email": email, "password": password,
                                                "csrf_token": token})


def accept(client, path, **fields):
    data = {"name": "Nora Neu", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, **fields}
    data["csrf_token"] = csrf_token_from(client, path)
    return client.post(path, data=data)


def row_of(page: str, text: str) -> str:
    """The table row of a page that contains the text."""
    rows = [row for row in page.split("<tr>")[1:] if text in row.split("</tr>")[0]]
    assert rows, text
    return rows[0].split("</tr>")[0]


def events(action):
    return db.session.scalars(select(SecurityEvent).where(SecurityEvent.action == action)).all()


# --- invitations --------------------------------------------------------------------------

def test_invited_representative_gets_the_mail_accepts_and_is_signed_in_with_the_role(
        app, client, organiser, testdorf, smtp_server):
    response = invite(client)
    assert response.status_code == 302 and response.headers["Location"].endswith(PEOPLE)
    assert "Die Einladung an neu@example.org ist verschickt" in \
        client.get(PEOPLE).get_data(as_text=True)

    smtp_server.wait()
    assert smtp_server.recipients == [["neu@example.org"]]
    mail = smtp_server.messages[0]
    body = mail.get_content()
    assert "Einladung" in mail["Subject"]
    assert "Olga Organisatorin" in body and "Vertreter*in" in body
    assert "Gemeinde Testdorf" in body and "7 Tage" in body
    path = mailed_link(smtp_server)
    token = path.rsplit("/", 1)[1]
    stored = db.session.scalar(select(Invitation))
    assert token not in (stored.token_hash, stored.email) and len(stored.token_hash) == 64

    invitee = app.test_client()
    page = invitee.get(path)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert "Vertreter*in" in text and "neu@example.org" in text and 'value="Nora Neu"' in text

    # Role and municipality come from the invitation, whatever else the form carries.
    response = accept(invitee, path, role="organiser", municipality="markt-anderswo",
                      email="boss@example.org")
    assert response.status_code == 302 and response.headers["Location"].endswith("/konto")
    profile = invitee.get("/konto").get_data(as_text=True)
    assert "Nora Neu" in profile and "Vertreter*in" in profile and "Gemeinde Testdorf" in profile
    user = db.session.scalar(select(User).where(User.email == "neu@example.org"))
    assert (user.role, user.municipality.slug) == ("representative", "gemeinde-testdorf")
    assert user.last_login_at is not None
    assert count(User) == 2
    assert invitee.get("/praxis/neu").status_code == 200  # may write for Testdorf
    assert invitee.get("/redaktion").status_code == 403
    assert len(events("invitation_accepted")) == 1

    # The invitee's password works for a later sign-in.
    again = app.test_client()
    assert sign_in(again, "neu@example.org", NEW_PASSWORD).status_code == 302


def test_an_invitation_link_works_once(app, client, organiser, testdorf, smtp_server):
    invite(client)
    path = mailed_link(smtp_server)
    first = app.test_client()
    assert accept(first, path).status_code == 302
    second = app.test_client()
    response = second.get(path)
    assert response.status_code == 404
    message = response.get_data(as_text=True)
    assert "ungültig, abgelaufen, zurückgezogen oder wurde bereits benutzt" in message
    assert "Bitte fragen Sie beim Organisationsteam nach einer neuen Einladung." in message
    assert "Bitte bitten" not in message
    token = csrf_token_from(second, "/konto/anmelden")  # any page with a form
    assert second.post(path, data={"name": "X", "password": NEW_PASSWORD,
                                   "confirm": NEW_PASSWORD, "csrf_token": token}
                       ).status_code in (400, 404)
    assert count(User) == 2


def test_an_invitation_expires_after_seven_days(app, client, organiser, testdorf,
                                                smtp_server):
    invite(client)
    path = mailed_link(smtp_server)
    stored = db.session.scalar(select(Invitation))
    assert stored.expires_at - stored.created_at == timedelta(days=7)
    invitee = app.test_client()
    assert invitee.get(path).status_code == 200  # still valid shortly before the end
    stored.created_at -= timedelta(days=7, minutes=1)
    stored.expires_at -= timedelta(days=7, minutes=1)
    db.session.commit()
    assert invitee.get(path).status_code == 404
    client.get(PEOPLE)  # shows the flashed message of the invitation
    assert "Keine offenen Einladungen" in client.get(PEOPLE).get_data(as_text=True)


def test_a_revoked_invitation_stops_working(app, client, organiser, testdorf, smtp_server):
    invite(client)
    path = mailed_link(smtp_server)
    stored = db.session.scalar(select(Invitation))
    page = client.get(PEOPLE).get_data(as_text=True)
    assert "neu@example.org" in page and "Zurückziehen" in page
    response = client.post(f"{PEOPLE}/einladungen/{stored.id}/zurueckziehen",
                           data={"csrf_token": csrf_token_from(client, PEOPLE)})
    assert response.status_code == 302
    assert app.test_client().get(path).status_code == 404
    page = client.get(PEOPLE).get_data(as_text=True)
    assert "ist zurückgezogen" in page and "Keine offenen Einladungen" in page
    assert len(events("invitation_revoked")) == 1


def test_resending_replaces_the_link(app, client, organiser, testdorf, smtp_server):
    invite(client)
    old_path = mailed_link(smtp_server)
    stored = db.session.scalar(select(Invitation))
    client.post(f"{PEOPLE}/einladungen/{stored.id}/erneut",
                data={"csrf_token": csrf_token_from(client, PEOPLE)})
    new_path = mailed_link(smtp_server)
    assert len(smtp_server.messages) == 2 and new_path != old_path
    assert app.test_client().get(old_path).status_code == 404
    assert app.test_client().get(new_path).status_code == 200


def test_a_new_invitation_for_the_same_address_replaces_the_old_one(
        app, client, organiser, testdorf, smtp_server):
    invite(client)
    old_path = mailed_link(smtp_server)
    invite(client, role="member", municipality="")
    new_path = mailed_link(smtp_server)
    assert app.test_client().get(old_path).status_code == 404
    invitee = app.test_client()
    accept(invitee, new_path)
    assert db.session.scalar(select(User.role).where(User.email == "neu@example.org")) \
        == "member"


@pytest.mark.parametrize("fields, message", [
    ({"role": "admin"}, "Bitte wählen Sie eine der Rollen"),
    ({"role": ""}, "Bitte wählen Sie eine der Rollen"),
    ({"role": "representative", "municipality": ""}, "Vertreter*innen brauchen eine Kommune."),
    ({"municipality": "gibt-es-nicht"}, "Diese Kommune gibt es nicht."),
    ({"email": "kein-at-zeichen"}, "Bitte geben Sie eine gültige E-Mail-Adresse ein"),
])
def test_a_wrong_invitation_form_is_refused_and_keeps_the_input(
        client, organiser, testdorf, smtp_server, fields, message):
    response = invite(client, name="Nora Tippfehler", **fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'value="Nora Tippfehler"' in page
    assert 'aria-invalid="true"' in page
    assert count(Invitation) == 0
    assert smtp_server.wait().messages == []


def test_an_address_that_has_an_account_is_not_invited(client, organiser, create_user,
                                                       testdorf, smtp_server):
    create_user(email="da@example.org")
    response = invite(client, email="DA@example.org")
    assert response.status_code == 422
    assert "Für die Adresse „da@example.org“ gibt es schon ein Konto" in \
        response.get_data(as_text=True)
    assert count(Invitation) == 0 and smtp_server.wait().messages == []


def test_a_weak_password_on_acceptance_is_refused_with_the_name_kept(
        app, client, organiser, testdorf, smtp_server):
    invite(client)
    path = mailed_link(smtp_server)
    invitee = app.test_client()
    response = accept(invitee, path, name="Nora Neugier", password="kurz", confirm="kurz")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "mindestens 12 Zeichen" in page and 'value="Nora Neugier"' in page
    assert count(User) == 1
    assert invitee.get(path).status_code == 200  # the link is still usable


def test_guessing_invitation_links_is_throttled(app):
    guesser = app.test_client()
    answers = [guesser.get(f"/konto/einladung/falsch{n}").status_code for n in range(12)]
    assert answers[:10] == [404] * 10
    assert answers[-1] == 429


def test_a_mail_server_failure_is_told_and_the_invitation_can_be_resent(
        app, client, organiser, testdorf):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=9, MAIL_TIMEOUT=2)  # nobody listens
    response = invite(client)
    assert response.status_code == 302
    page = client.get(PEOPLE).get_data(as_text=True)
    assert "konnte nicht verschickt werden" in page and "Erneut senden" in page
    assert count(Invitation) == 1


# --- the account list, role changes, deactivation ------------------------------------------

def test_the_account_list_shows_role_municipality_and_last_sign_in(
        client, organiser, create_user, testdorf, smtp_server):
    create_user(role="representative", municipality="Gemeinde Testdorf", name="Rita Rat")
    create_user(role="member", name="Max Mitglied")
    invite(client, email="offen@example.org")
    page = client.get(PEOPLE).get_data(as_text=True)
    rita = row_of(page, "Rita Rat")
    assert "Vertreter*in" in rita and "Gemeinde Testdorf" in rita and "noch nie" in rita
    olga = row_of(page, "Olga Organisatorin")
    assert "Organisator*in" in olga and "noch nie" not in olga  # signed in by the fixture
    assert re.search(r"\d\d\.\d\d\.\d{4}", olga)
    assert "Mitglied" in row_of(page, "Max Mitglied")
    assert "offen@example.org" in page  # the pending invitation


def test_a_role_change_ends_the_persons_sessions_and_is_audited(
        app, client, organiser, create_user, testdorf):
    rita = create_user(role="representative", municipality="Gemeinde Testdorf",
                       name="Rita Rat", email="rita@example.org")
    other = app.test_client()
    sign_in(other, "rita@example.org")
    assert other.get("/praxis/neu").status_code == 200
    path = f"{PEOPLE}/{rita.id}"
    response = client.post(f"{path}/rolle", data={
        "role": "member", "municipality": "", "csrf_token": csrf_token_from(client, path)})
    assert response.status_code == 302
    assert "Rita Rat ist jetzt Mitglied" in client.get(path).get_data(as_text=True)

    ended = other.get("/konto")
    assert ended.status_code == 302 and "/konto/anmelden" in ended.headers["Location"]
    sign_in(other, "rita@example.org")
    assert other.get("/praxis/neu").status_code == 403
    event = events("role_changed")[-1]
    assert event.actor_email == "olga@example.org" and event.target == "rita@example.org"
    assert (event.details["old_role"], event.details["new_role"]) == ("representative", "member")


def test_a_role_change_to_representative_needs_a_municipality(client, organiser, create_user):
    max_ = create_user(role="member", name="Max Mitglied")
    path = f"{PEOPLE}/{max_.id}"
    response = client.post(f"{path}/rolle", data={
        "role": "representative", "municipality": "",
        "csrf_token": csrf_token_from(client, path)})
    assert response.status_code == 422
    assert "Vertreter*innen brauchen eine Kommune." in response.get_data(as_text=True)
    assert db.session.get(User, max_.id).role == "member"


def test_organisers_cannot_change_their_own_role(client, organiser):
    path = f"{PEOPLE}/{organiser.id}"
    response = client.post(f"{path}/rolle", data={
        "role": "member", "municipality": "", "csrf_token": csrf_token_from(client, path)})
    assert response.status_code == 422
    assert db.session.get(User, organiser.id).role == "organiser"


def test_deactivation_ends_sessions_and_keeps_the_entries(
        app, client, organiser, create_user, write_practice, import_folder):
    from app.practices.models import Practice

    import_folder(write_practice().parent)
    rita = create_user(role="representative", municipality="Gemeinde Testdorf",
                       name="Rita Rat", email="rita@example.org")
    practice = db.session.scalar(select(Practice))
    practice.author_id = rita.id
    db.session.commit()
    other = app.test_client()
    sign_in(other, "rita@example.org")
    path = f"{PEOPLE}/{rita.id}"
    response = client.post(f"{path}/deaktivieren",
                           data={"csrf_token": csrf_token_from(client, path)})
    assert response.status_code == 302
    assert "ist deaktiviert" in client.get(path).get_data(as_text=True)
    assert other.get("/konto").status_code == 302
    assert sign_in(app.test_client(), "rita@example.org").status_code == 200  # refused
    assert db.session.scalar(select(Practice.author_id)) == rita.id
    assert client.get(f"/praxis/{practice.slug}").status_code == 200
    assert len(events("user_deactivated")) == 1


def test_activity_lists_new_accounts(app, client, organiser, testdorf, smtp_server):
    invite(client)
    accept(app.test_client(), mailed_link(smtp_server))
    page = client.get("/redaktion/aktivitaet?art=konto").get_data(as_text=True)
    assert "Nora Neu" in page and "über eine Einladung" in page

"""Experience reports through the web: write, show, adopt, edit, delete, hide (SPEC §6)."""

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.practices import states
from app.practices.models import ExperienceReport, Practice
from tests.conftest import count, csrf_token_from

FORM = "/praxis/solardach-schule/erfahrung"
ENTRY = "/praxis/solardach-schule"
SECRET_WORD = "Kompostwürmerbörse"


@pytest.fixture
def entries(import_folder, write_practice):
    """Sonnfeld's published entry; two Lichtenau entries; one of another municipality."""
    write_practice("solardach-schule", title="Solardach auf der Grundschule",
                   municipality="Gemeinde Sonnfeld")
    write_practice("solardach-kita", title="Solardach auf der Kita",
                   municipality="Markt Lichtenau")
    write_practice("lichtenau-laden", title="Dorfladen Lichtenau",
                   municipality="Markt Lichtenau", levers="beteiligen-kooperieren")
    folder = write_practice("fremder-eintrag", title="Fremder Eintrag",
                            municipality="Stadt Kühlberg").parent
    return import_folder(folder)


@pytest.fixture
def lichtenau(create_user, entries):
    """A representative of Markt Lichtenau."""
    return create_user(role="representative", municipality="Markt Lichtenau",
                       name="Lena Lichtenau")


def practice(slug: str) -> Practice:
    return db.session.scalar(select(Practice).where(Practice.slug == slug))


def reports() -> list[ExperienceReport]:
    db.session.expire_all()
    return list(db.session.scalars(select(ExperienceReport).order_by(ExperienceReport.id)))


def post_report(client, path=FORM, **fields):
    data = {"body": f"Bei uns lief es auch gut, dank der {SECRET_WORD}.",
            "outcome": "uebernommen", "adopted": "", **fields}
    data.setdefault("csrf_token", csrf_token_from(client, path))
    return client.post(path, data=data)


def search_slugs(client, q: str) -> list[str]:
    response = client.get("/api/v1/practices", query_string={"q": q})
    assert response.status_code == 200
    return [hit["slug"] for hit in response.get_json()["results"]]


def report_path(report: ExperienceReport, action: str) -> str:
    return f"{FORM}/{report.id}/{action}"


# --- writing ---------------------------------------------------------------------------

def test_member_report_appears_on_entry_and_in_search(client, login, create_user, entries):
    member = create_user(role="member", name="Max Mitglied")
    login(member)
    assert client.get(ENTRY).get_data(as_text=True).count("Erfahrung berichten") >= 1
    assert SECRET_WORD not in str(search_slugs(client, SECRET_WORD)) and \
        "solardach-schule" not in search_slugs(client, SECRET_WORD)

    response = post_report(client, outcome="ausprobiert")
    assert response.status_code == 302 and response.headers["Location"].startswith(ENTRY)

    html = client.get(ENTRY).get_data(as_text=True)
    assert SECRET_WORD in html
    assert "ausprobiert, nicht fortgeführt" in html
    assert "Bericht eines Mitglieds" in html and "von Max Mitglied" in html
    assert search_slugs(client, SECRET_WORD) == ["solardach-schule"]
    api = client.get("/api/v1/practices/solardach-schule").get_json()
    assert [r["outcome"] for r in api["experience_reports"]] == ["ausprobiert"]


def test_representative_report_appears_on_their_municipality_page(client, login, lichtenau):
    login(lichtenau)
    assert post_report(client, outcome="angepasst").status_code == 302
    (report,) = reports()
    assert report.municipality.name == "Markt Lichtenau" and report.author_id == lichtenau.id

    html = client.get("/kommunen/markt-lichtenau").get_data(as_text=True)
    assert "Erfahrungsberichte dieser Kommune" in html
    assert SECRET_WORD in html and "angepasst übernommen" in html
    assert f'href="{ENTRY}#bericht-{report.id}"' in html
    entry = client.get(ENTRY).get_data(as_text=True)
    assert 'href="/kommunen/markt-lichtenau"' in entry and "angepasst übernommen" in entry


@pytest.mark.parametrize("fields, field, message", [
    ({"outcome": "vielleicht"}, "outcome", "Bitte wählen Sie, wie es bei Ihnen ausgegangen ist."),
    ({"outcome": ""}, "outcome", "Bitte wählen Sie, wie es bei Ihnen ausgegangen ist."),
    ({"body": "   "}, "body", "Bitte schreiben Sie Ihren Erfahrungsbericht."),
    ({"body": "x" * 5001}, "body", "höchstens 5000 Zeichen"),
])
def test_invalid_report_is_refused_with_german_message_and_text_kept(
        client, login, create_user, entries, fields, field, message):
    login(create_user(role="member"))
    typed = {"body": "Mein mühsam getippter Bericht über <Wärme> & Strom.",
             "outcome": "angepasst", **fields}
    response = post_report(client, **typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert f'id="{field}-fehler"' in html and f'{field}-fehler' in \
        re.search(rf'aria-describedby="[^"]*{field}-fehler[^"]*"', html).group(0)
    if field != "body":
        assert "Mein mühsam getippter Bericht über &lt;Wärme&gt; &amp; Strom." in html
    if field != "outcome":
        assert re.search(r'<input[^>]*checked[^>]*value="angepasst"|'
                         r'<input[^>]*value="angepasst"[^>]*checked', html)
    assert reports() == []


def test_post_without_csrf_token_is_refused(client, login, create_user, entries):
    login(create_user(role="member"))
    response = client.post(FORM, data={"body": "Ohne Token.", "outcome": "uebernommen"})
    assert response.status_code == 400
    assert reports() == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_reader_is_sent_to_sign_in_and_comes_back(client, entries, method):
    token = csrf_token_from(client, "/konto/anmelden")  # a valid token of this session
    response = getattr(client, method)(FORM, data={"body": "x", "outcome": "uebernommen",
                                                   "csrf_token": token})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "/konto/anmelden" in location and "next=" in location and "erfahrung" in location
    assert reports() == []
    html = client.get(ENTRY).get_data(as_text=True)
    assert "Melden Sie sich an, um Ihre Erfahrung zu berichten." in html


def test_anonymous_sign_in_link_returns_to_the_form(client, login, create_user, entries):
    member = create_user(role="member")
    response = login(member, next_url=FORM)
    assert response.status_code == 302 and response.headers["Location"].endswith(FORM)


@pytest.mark.parametrize("state", [states.DRAFT, states.SUBMITTED, states.ARCHIVED])
def test_report_on_unpublished_entry_is_not_found(client, login, create_user, entries, state):
    entry = practice("solardach-schule")
    token_client_user = create_user(role="member")
    login(token_client_user)
    token = csrf_token_from(client, FORM)
    entry.publication = state
    db.session.commit()
    assert client.get(FORM).status_code == 404
    response = client.post(FORM, data={"body": "Text", "outcome": "uebernommen",
                                       "csrf_token": token})
    assert response.status_code == 404
    assert reports() == []


def test_report_on_members_only_entry_is_possible_for_signed_in(client, login, create_user,
                                                                 entries):
    entry = practice("solardach-schule")
    entry.visibility = "members"
    db.session.commit()
    assert client.get(FORM).status_code == 302  # anonymous: sign in first
    login(create_user(role="member"))
    assert post_report(client).status_code == 302
    assert len(reports()) == 1


def test_unknown_entry_is_not_found(client, login, create_user, entries):
    login(create_user(role="member"))
    assert client.get("/praxis/gibt-es-nicht/erfahrung").status_code == 404


# --- adoption --------------------------------------------------------------------------

def test_adopted_shows_on_both_entries(client, login, lichtenau):
    login(lichtenau)
    html = client.get(FORM).get_data(as_text=True)
    assert 'value="solardach-kita"' in html and 'value="lichtenau-laden"' in html
    assert 'value="fremder-eintrag"' not in html and 'value="solardach-schule"' not in html

    assert post_report(client, outcome="uebernommen", adopted="solardach-kita").status_code == 302
    (report,) = reports()
    assert report.adopted_practice.slug == "solardach-kita"

    reported = client.get(ENTRY).get_data(as_text=True)
    assert "Diesen Ansatz haben übernommen" in reported
    assert 'href="/praxis/solardach-kita"' in reported
    adopting = client.get("/praxis/solardach-kita").get_data(as_text=True)
    assert "Dieser Ansatz wurde übernommen von" in adopting
    assert f'href="{ENTRY}"' in adopting
    # The adopting entry's own file content is untouched.
    assert practice("solardach-kita").adopted_from == []


@pytest.mark.parametrize("adopted", ["fremder-eintrag", "solardach-schule", "gibt-es-nicht"])
def test_adopted_must_be_another_entry_of_own_municipality(client, login, lichtenau, adopted):
    login(lichtenau)
    response = post_report(client, adopted=adopted)
    assert response.status_code == 422
    assert "Bitte wählen Sie einen Eintrag Ihrer eigenen Kommune." in \
        response.get_data(as_text=True)
    assert reports() == []


def test_adopted_needs_an_adopting_outcome(client, login, lichtenau):
    login(lichtenau)
    response = post_report(client, outcome="ausprobiert", adopted="solardach-kita")
    assert response.status_code == 422
    assert "nur angeben, wenn Sie den Ansatz übernommen" in response.get_data(as_text=True)


def test_member_without_municipality_cannot_name_an_adopting_entry(client, login, create_user,
                                                                   entries):
    login(create_user(role="member"))
    assert 'name="adopted"' not in client.get(FORM).get_data(as_text=True)
    response = post_report(client, adopted="solardach-kita")
    assert response.status_code == 422
    assert reports() == []


# --- mass assignment -------------------------------------------------------------------

def test_mass_assigned_fields_are_ignored(client, login, create_user, entries):
    member = create_user(role="member")
    other = create_user(role="organiser")
    login(member)
    kuehlberg = practice("fremder-eintrag").municipality
    response = post_report(client, municipality=kuehlberg.slug, municipality_id=kuehlberg.id,
                           author=other.id, author_id=other.id, publication="hidden",
                           hidden="1", practice_id=practice("fremder-eintrag").id,
                           body_html="<script>alert(1)</script>")
    assert response.status_code == 302
    (report,) = reports()
    assert report.author_id == member.id and report.municipality_id is None
    assert report.publication == "published" and report.practice.slug == "solardach-schule"
    assert "<script>" not in report.body_html


def test_mass_assignment_on_edit_is_ignored(client, login, lichtenau, create_user):
    login(lichtenau)
    post_report(client)
    (report,) = reports()
    other = create_user(role="member")
    response = post_report(client, path=report_path(report, "bearbeiten"), body="Neu.",
                           author_id=other.id, municipality_id=None, publication="hidden")
    assert response.status_code == 302
    (report,) = reports()
    assert report.body == "Neu." and report.author_id == lichtenau.id
    assert report.municipality.name == "Markt Lichtenau" and report.publication == "published"


# --- editing and deleting --------------------------------------------------------------

def test_author_edits_own_report(client, login, lichtenau):
    login(lichtenau)
    post_report(client, outcome="uebernommen", adopted="solardach-kita")
    (report,) = reports()
    form = client.get(report_path(report, "bearbeiten")).get_data(as_text=True)
    assert SECRET_WORD in form and '<option selected value="solardach-kita">' in form

    response = post_report(client, path=report_path(report, "bearbeiten"),
                           body="Nachtrag: Wärmepumpenpatenschaft klappt.", outcome="angepasst",
                           adopted="")
    assert response.status_code == 302
    (report,) = reports()
    assert report.outcome == "angepasst" and report.adopted_practice is None
    html = client.get(ENTRY).get_data(as_text=True)
    assert "Wärmepumpenpatenschaft" in html and SECRET_WORD not in html
    assert search_slugs(client, SECRET_WORD) == []
    assert search_slugs(client, "Wärmepumpenpatenschaft") == ["solardach-schule"]
    assert "Diesen Ansatz haben übernommen" not in html


def test_invalid_edit_keeps_typed_text(client, login, lichtenau):
    login(lichtenau)
    post_report(client)
    (report,) = reports()
    response = post_report(client, path=report_path(report, "bearbeiten"),
                           body="Geänderter Text, noch nicht gespeichert.", outcome="falsch")
    assert response.status_code == 422
    assert "Geänderter Text, noch nicht gespeichert." in response.get_data(as_text=True)
    assert reports()[0].body.startswith("Bei uns lief es auch gut")


def test_author_deletes_own_report(client, login, lichtenau):
    login(lichtenau)
    post_report(client)
    (report,) = reports()
    confirm = client.get(report_path(report, "loeschen"))
    assert confirm.status_code == 200 and "endgültig löschen" in confirm.get_data(as_text=True)
    assert post_action(client, report, "loeschen").status_code == 302
    assert reports() == []
    assert SECRET_WORD not in client.get(ENTRY).get_data(as_text=True)
    assert search_slugs(client, SECRET_WORD) == []


def sign_out(client) -> None:
    client.post("/konto/abmelden", data={"csrf_token": csrf_token_from(client, ENTRY)})


def post_action(client, report, action: str):
    """POST a button form (only the CSRF token) to one of the report's actions."""
    token = csrf_token_from(client, ENTRY)
    return client.post(report_path(report, action), data={"csrf_token": token})


@pytest.mark.parametrize("role", ["member", "representative", "organiser"])
def test_others_cannot_edit_or_delete(client, login, lichtenau, create_user, role):
    login(lichtenau)
    post_report(client)
    (report,) = reports()
    sign_out(client)

    other = create_user(role=role, municipality="Markt Lichtenau"
                        if role == "representative" else None)
    login(other)
    token = csrf_token_from(client, ENTRY)
    assert client.get(report_path(report, "bearbeiten")).status_code == 403
    assert client.get(report_path(report, "loeschen")).status_code == 403
    for action in ("bearbeiten", "loeschen"):
        response = client.post(report_path(report, action),
                               data={"body": "Übernommen!", "outcome": "ausprobiert",
                                     "csrf_token": token})
        assert response.status_code == 403
    (unchanged,) = reports()
    assert unchanged.body == report.body and unchanged.outcome == "uebernommen"
    section = client.get(ENTRY).get_data(as_text=True).split("seite-erfahrungen")[1]
    assert "Bericht bearbeiten" not in section and "Bericht löschen" not in section


def test_report_of_another_entry_is_not_found_under_this_one(client, login, lichtenau):
    login(lichtenau)
    post_report(client)
    (report,) = reports()
    assert client.get(f"/praxis/solardach-kita/erfahrung/{report.id}/bearbeiten").status_code \
        == 404
    assert client.get(f"{FORM}/999999/bearbeiten").status_code == 404


# --- hiding ----------------------------------------------------------------------------

def test_organiser_hides_and_shows_again(app, login, client, lichtenau, create_user):
    login(lichtenau)
    post_report(client)
    (report,) = reports()
    assert search_slugs(client, SECRET_WORD) == ["solardach-schule"]

    refused = post_action(client, report, "ausblenden")
    assert refused.status_code == 403 and reports()[0].publication == "published"

    sign_out(client)
    login(create_user(role="organiser"))
    assert post_action(client, report, "ausblenden").status_code == 302
    assert reports()[0].is_hidden
    organiser_view = client.get(ENTRY).get_data(as_text=True)
    assert "ausgeblendet" in organiser_view and "Wieder einblenden" in organiser_view

    anonymous = app.test_client()
    assert SECRET_WORD not in anonymous.get(ENTRY).get_data(as_text=True)
    assert SECRET_WORD not in anonymous.get("/kommunen/markt-lichtenau").get_data(as_text=True)
    assert search_slugs(anonymous, SECRET_WORD) == []
    assert anonymous.get("/api/v1/practices/solardach-schule").get_json()[
        "experience_reports"] == []

    assert post_action(client, report, "einblenden").status_code == 302
    assert SECRET_WORD in anonymous.get(ENTRY).get_data(as_text=True)
    assert search_slugs(anonymous, SECRET_WORD) == ["solardach-schule"]


def test_hiding_is_logged_as_security_event(client, login, lichtenau, create_user):
    from app.accounts.models import SecurityEvent

    login(lichtenau)
    post_report(client)
    (report,) = reports()
    sign_out(client)
    login(create_user(role="organiser"))
    assert post_action(client, report, "ausblenden").status_code == 302
    actions = db.session.scalars(select(SecurityEvent.action)).all()
    assert "report_hidden" in actions


# --- "Meine Einträge" helper -----------------------------------------------------------

def test_reports_by_author_lists_own_reports_only(client, login, lichtenau, create_user):
    from app.practices.reports import reports_by_author

    login(lichtenau)
    post_report(client)
    someone = create_user(role="member")
    assert [r.author_id for r in reports_by_author(lichtenau)] == [lichtenau.id]
    assert reports_by_author(someone) == []
    assert count(ExperienceReport) == 1


# --- permission matrix -----------------------------------------------------------------

ROLES = ["anonymous", "member", "own-representative", "other-representative", "organiser"]


@pytest.fixture
def person(create_user, entries):
    """Factory: a user for one of ROLES (None for anonymous)."""
    def make(role: str):
        if role == "anonymous":
            return None
        if role.endswith("representative"):
            town = "Gemeinde Sonnfeld" if role.startswith("own") else "Stadt Kühlberg"
            return create_user(role="representative", municipality=town)
        return create_user(role=role)
    return make


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, login, lichtenau, person, role):
    """Everyone signed in may write; only the author edits or deletes; organisers hide."""
    login(lichtenau)
    post_report(client)
    (report,) = reports()
    sign_out(client)
    user = person(role)
    if user is not None:
        login(user)
    anonymous = user is None
    token = csrf_token_from(client, "/konto/anmelden" if anonymous else FORM)

    response = client.post(FORM, data={"body": f"Bericht von {role}.", "outcome": "angepasst",
                                       "csrf_token": token})
    assert response.status_code == 302
    assert ("/konto/anmelden" in response.headers["Location"]) == anonymous
    assert len(reports()) == (1 if anonymous else 2)

    for action, allowed in (("bearbeiten", False), ("loeschen", False),
                            ("ausblenden", role == "organiser")):
        response = client.post(report_path(report, action),
                               data={"body": "Fremd geändert.", "outcome": "ausprobiert",
                                     "csrf_token": token})
        expected = 302 if anonymous or allowed else 403
        assert response.status_code == expected, (action, response.status_code)
        if anonymous:
            assert "/konto/anmelden" in response.headers["Location"]
    db.session.expire_all()
    mine = db.session.get(ExperienceReport, report.id)
    assert mine is not None and mine.body.startswith("Bei uns lief es auch gut")
    assert mine.outcome == "uebernommen"
    assert mine.is_hidden == (role == "organiser")

"""The activity view: what changed, newest first, filterable by kind, with diff links."""

import html
from dataclasses import replace

import pytest
from sqlalchemy import select

from app.accounts import services as accounts
from app.extensions import db
from app.practices import states
from app.practices.models import Practice
from app.practices.reports import ReportInput, create_report
from app.practices.writing import apply_transition, read_revision, update_practice

ACTIVITY = "/redaktion/aktivitaet"


def listing(client, query: str = "") -> str:
    """The page's list (below its heading), unescaped."""
    page = html.unescape(client.get(ACTIVITY + query).get_data(as_text=True))
    return page[page.index("<h1>"):page.index("</main>")]


@pytest.fixture
def history(app, create_user, login, write_practice, import_folder):
    """An imported entry, a representative's live edit, a report, an archiving, an account."""
    import_folder(write_practice("laden", title="Dorfladen im Rathaus").parent)
    practice = db.session.scalar(select(Practice).where(Practice.slug == "laden"))
    organiser = create_user(role="organiser", name="Olga Organisatorin")
    rita = create_user(role="representative", municipality="Gemeinde Testdorf",
                       name="Rita Rat")
    data = read_revision(practice, 1).data
    update_practice(practice, replace(data, summary="Jetzt mit Café."), rita, 1,
                    note="Café ergänzt")
    member = create_user(role="member", name="Max Mitglied", municipality="Markt Anderswo")
    create_report(practice, member, ReportInput(body="Haben wir auch.", outcome="ausprobiert"))
    apply_transition(practice, states.ARCHIVE, organiser, "Veraltet")
    accounts.create_user("neu@example.org", "Nora Neu", "member")
    login(organiser)
    return practice


def test_everything_is_listed_newest_first_with_a_diff_link(client, history):
    page = listing(client)
    positions = [page.index(text) for text in (
        "Nora Neu", "Veröffentlicht → Archiviert", "Erfahrungsbericht zu",
        "Café ergänzt", "Neuer Eintrag")]
    assert positions == sorted(positions)
    assert "Veraltet" in page and "am veröffentlichten Eintrag" in page
    assert "von Rita Rat" in page
    assert "/praxis/laden/versionen?von=1&bis=2" in page


@pytest.mark.parametrize("kind, present, absent", [
    ("neu", "Neuer Eintrag", "Café ergänzt"),
    ("aenderung", "Café ergänzt", "Neuer Eintrag"),
    ("bericht", "Erfahrungsbericht zu", "Café ergänzt"),
    ("entscheidung", "Veröffentlicht → Archiviert", "Erfahrungsbericht zu"),
    ("konto", "Nora Neu", "Veröffentlicht → Archiviert"),
])
def test_the_view_filters_by_kind(client, history, kind, present, absent):
    page = listing(client, f"?art={kind}")
    assert present in page and absent not in page


def test_the_diff_link_opens_the_comparison(client, history):
    page = client.get("/praxis/laden/versionen?von=1&bis=2").get_data(as_text=True)
    assert "Jetzt mit Café." in page


@pytest.mark.parametrize("query", ["art=alles", "seite=0", "seite=abc", "seite=99999999"])
def test_bad_parameters_get_a_german_400(client, history, query):
    response = client.get(f"{ACTIVITY}?{query}")
    assert response.status_code == 400
    assert "Unbekannte Art" in response.get_data(as_text=True) or \
        "Seitenzahl" in response.get_data(as_text=True)


def test_the_view_is_paged(client, history, create_user):
    for number in range(35):
        accounts.create_user(f"person-{number}@example.org", f"Person {number}", "member")
    first = client.get(f"{ACTIVITY}?art=konto").get_data(as_text=True)
    assert "Seite 1 von 2" in first and "Person 34" in first and "Nora Neu" not in first
    second = client.get(f"{ACTIVITY}?art=konto&seite=2").get_data(as_text=True)
    assert "Nora Neu" in second and "Person 34" not in second

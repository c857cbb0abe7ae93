"""Permission matrix of the write side (SPEC §6): every role × every route and POST.

Each cell either works, or answers 403/404 (or the sign-in page for anonymous visitors)
with nothing changed in the database.
"""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.practices import states
from app.practices.models import ExperienceReport, Practice, Revision, StateChange
from tests.conftest import TEST_PASSWORD, csrf_token_from
from tests.test_writing import ENTRY

ROLES = ["anonymous", "member", "representative", "representative-other", "organiser"]
OWN, OTHER = "Markt Beispiel", "Gemeinde Anderswo"


def snapshot() -> tuple:
    """What a refused request must leave untouched."""
    counts = tuple(db.session.scalar(select(func.count()).select_from(model))
                   for model in (Practice, Revision, StateChange, ExperienceReport))
    rows = tuple(db.session.execute(select(Practice.slug, Practice.title, Practice.publication)
                                    .order_by(Practice.slug)))
    return counts, rows


@pytest.fixture
def world(app, create_user, write_practice, import_folder):
    """A draft of OWN, a published entry of OWN, and one account per role."""
    from werkzeug.datastructures import MultiDict

    from app.municipalities.services import get_or_create_municipality
    from app.practices.fileformat import check_fields
    from app.practices.forms import EntryInput
    from app.practices.writing import create_practice

    published = write_practice("veroeffentlicht", municipality=OWN)
    import_folder(published.parent)
    users = {role: create_user(role=role.split("-")[0] if role != "anonymous" else "member",
                               municipality={"representative": OWN,
                                             "representative-other": OTHER}.get(role))
             for role in ROLES[1:]}
    entry = EntryInput.from_form(MultiDict(ENTRY), False)
    data = check_fields("t", "neu", entry.meta(OWN), entry.body(),
                        {"vorbild", "beraten-motivieren"}, {"natur"})
    draft = create_practice(data, users["representative"], get_or_create_municipality(OWN))
    return {"users": users, "draft": draft.slug, "published": "veroeffentlicht"}


def sign_in(client, user):
    token = csrf_token_from(client, "/konto/anmelden")
    response = client.post("/konto/anmelden", data={"email": user.email,
                                                    "password": TEST_PASSWORD,
                                                    "csrf_token": token})
    assert response.status_code == 302


def token_for(client, signed_in: bool = True) -> str:
    """A valid CSRF token of this client's own session (a forged POST uses its own)."""
    return csrf_token_from(client, "/meine" if signed_in else "/konto/anmelden")


# (name, method, path template, form data) ; {draft} and {published} are slugs.
ROUTES = [
    ("new form", "GET", "/praxis/neu", None),
    ("new save", "POST", "/praxis/neu", {**ENTRY, "municipality": "markt-beispiel"}),
    ("edit form draft", "GET", "/praxis/{draft}/bearbeiten", None),
    ("edit save draft", "POST", "/praxis/{draft}/bearbeiten",
     {**ENTRY, "title": "Geändert", "base_revision": "1"}),
    ("edit save published", "POST", "/praxis/{published}/bearbeiten",
     {**ENTRY, "title": "Geändert", "base_revision": "1"}),
    ("submit draft", "POST", "/praxis/{draft}/einreichen", {}),
    ("history draft", "GET", "/praxis/{draft}/versionen", None),
    ("history published", "GET", "/praxis/{published}/versionen", None),
    ("restore", "POST", "/praxis/{published}/versionen/1/wiederherstellen", {}),
    ("report form", "GET", "/praxis/{published}/erfahrung", None),
    ("report save", "POST", "/praxis/{published}/erfahrung",
     {"body": "Bei uns auch.", "outcome": "ausprobiert"}),
    ("report on draft", "GET", "/praxis/{draft}/erfahrung", None),
    ("mine", "GET", "/meine", None),
    ("review queue", "GET", "/redaktion", None),
    ("decide", "POST", "/redaktion/praxis/{published}/entscheidung", {"aktion": "archivieren"}),
]
OK, DENIED, LOGIN = "ok", "denied", "login"
#                          anonymous member  repr.  repr.other organiser
EXPECTED = {
    "new form":            (LOGIN,  DENIED, OK,     OK,     OK),
    "new save":            (LOGIN,  DENIED, OK,     OK,     OK),
    "edit form draft":     (LOGIN,  DENIED, OK,     DENIED, OK),
    "edit save draft":     (LOGIN,  DENIED, OK,     DENIED, OK),
    "edit save published": (LOGIN,  DENIED, OK,     DENIED, OK),
    "submit draft":        (LOGIN,  DENIED, OK,     DENIED, OK),
    "history draft":       (LOGIN,  DENIED, OK,     DENIED, OK),
    "history published":   (LOGIN,  DENIED, OK,     DENIED, OK),
    "restore":             (LOGIN,  DENIED, DENIED, DENIED, OK),
    "report form":         (LOGIN,  OK,     OK,     OK,     OK),
    "report save":         (LOGIN,  OK,     OK,     OK,     OK),
    "report on draft":     (LOGIN,  DENIED, DENIED, DENIED, DENIED),
    "mine":                (LOGIN,  OK,     OK,     OK,     OK),
    "review queue":        (LOGIN,  DENIED, DENIED, DENIED, OK),
    "decide":              (LOGIN,  DENIED, DENIED, DENIED, OK),
}


@pytest.mark.parametrize("route", [r[0] for r in ROUTES])
@pytest.mark.parametrize("role_index, role", list(enumerate(ROLES)))
def test_write_permission_matrix(app, world, role_index, role, route):
    name, method, template, data = next(r for r in ROUTES if r[0] == route)
    client = app.test_client()
    if role != "anonymous":
        sign_in(client, world["users"][role])
    path = template.format(**world)
    before = snapshot()
    if method == "GET":
        response = client.get(path)
    else:
        token = token_for(client, signed_in=role != "anonymous")
        response = client.post(path, data={**data, "csrf_token": token})
    expected = EXPECTED[route][role_index]
    db.session.expire_all()
    if expected == LOGIN:
        assert response.status_code in (302, 303), response.status_code
        assert "/konto/anmelden" in response.headers["Location"]
    elif expected == DENIED:
        assert response.status_code in (403, 404), response.status_code
    else:
        assert response.status_code in (200, 302, 303), response.status_code
        return
    assert snapshot() == before, "a refused request changed something"


def test_published_edit_by_representative_stays_public_as_a_revision(app, world):
    client = app.test_client()
    sign_in(client, world["users"]["representative"])
    response = client.post(f"/praxis/{world['published']}/bearbeiten", data={
        **ENTRY, "title": "Live geändert", "base_revision": "1",
        "csrf_token": token_for(client)})
    assert response.status_code == 302
    db.session.expire_all()
    practice = db.session.scalar(select(Practice).where(Practice.slug == world["published"]))
    assert practice.publication == states.PUBLISHED and practice.title == "Live geändert"
    assert len(practice.revisions) == 2
    from app import search

    search.wait_for_background_drains()
    found = app.test_client().get("/api/v1/practices?q=Live geändert").get_json()["results"]
    assert found and found[0]["title"] == "Live geändert"  # no stale title in the index


def test_visibility_change_leaves_no_stale_public_document(app, world):
    client = app.test_client()
    sign_in(client, world["users"]["organiser"])
    client.post(f"/praxis/{world['published']}/bearbeiten", data={
        **ENTRY, "title": "Jetzt intern", "visibility": "members", "base_revision": "1",
        "municipality": "markt-beispiel", "csrf_token": token_for(client)})
    from app import search

    search.wait_for_background_drains()
    anonymous = app.test_client().get("/api/v1/practices?q=intern").get_json()
    assert anonymous["total"] == 0
    member = client.get("/api/v1/practices?q=intern").get_json()
    assert [hit["title"] for hit in member["results"]] == ["Jetzt intern"]

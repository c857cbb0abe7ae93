"""One guard for the organisers' area: every route under /redaktion, found in the app's URL
map (so a future route is checked without a change here), for every role.

Anonymous visitors get the sign-in page, members and representatives 403, organisers the
page; a refused POST changes nothing in the database.
"""

import hashlib
import tempfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import create_app
from app.accounts.models import Invitation
from app.extensions import db
from app.practices import states
from app.practices.models import Practice
from app.timeutil import utcnow
from app.workshops.models import Workshop
from tests.conftest import TEST_PASSWORD, csrf_token_from

AREA = "/redaktion"
# Tables that a refused request may write to: the audit log and the sign-in throttle.
BOOKKEEPING = {"security_event", "auth_failure"}
POSTED = {
    "aktion": states.PUBLISH.name, "kommentar": "Bitte so nicht.", "role": "organiser",
    "municipality": "gemeinde-testdorf", "email": "eingeschleust@example.org",
    "name": "Eingeschleust", "population": "1", "district": "Hof",
    "source": "gemeinde-testdorf", "target": "markt-anderswo", "confirm": "y",
    "synonyme": "", "gruppe": "eins, zwei", "slug": "neuer-hebel", "description": "x",
    "introduction": "Neue Einführung", "note": "Notiz", "richtung": "hoch", "practice": "guard",
    "title": "Titel", "date": "2030-01-01", "place": "Ort", "agenda": "x", "minutes": "x",
}


def _area_routes() -> list[tuple[str, str, str]]:
    """(method, rule, endpoint) of every route whose rule starts with /redaktion."""
    folder = tempfile.mkdtemp(prefix="guard-")
    app = create_app({"TESTING": True, "SECRET_KEY": "guard",
                      "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "SEARCH_INDEX_DIR": f"{folder}/index", "UPLOAD_DIR": f"{folder}/up"})
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.rule == AREA or rule.rule.startswith(AREA + "/"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                routes.append((method, rule.rule, rule.endpoint))
    return sorted(routes)


ROUTES = _area_routes()
ROLES = ["anonymous", "member", "representative", "organiser"]


def test_the_area_has_routes_and_all_are_on_the_guarded_blueprint():
    assert ("GET", AREA, "curation.queue") in ROUTES
    assert len(ROUTES) > 20
    assert all(endpoint.startswith("curation.") for _, _, endpoint in ROUTES)


@pytest.fixture
def world(app, create_user, write_practice, import_folder):
    """One of each object a route under /redaktion may name."""
    folder = write_practice("guard", title="Bewachter Eintrag").parent
    write_practice("anders", municipality="Markt Anderswo")
    import_folder(folder)
    practice = db.session.scalar(select(Practice).where(Practice.slug == "guard"))
    practice.publication = states.SUBMITTED
    person = create_user(role="member", name="Ziel Person", email="ziel@example.org")
    invitation = Invitation(email="offen@example.org", role="member",
                            token_hash=hashlib.sha256(b"x").hexdigest(),
                            created_at=utcnow(), expires_at=utcnow() + timedelta(days=7))
    db.session.add(invitation)
    db.session.commit()
    workshop = db.session.scalar(select(Workshop).order_by(Workshop.date))
    return {"practice": practice.slug, "user_id": person.id, "invitation_id": invitation.id,
            "workshop": workshop.slug, "municipality": "gemeinde-testdorf"}


def sample_url(rule: str, world: dict) -> str:
    """The rule with real values for its parts (by what the route is about)."""
    slug = (world["workshop"] if "/arbeitstreffen/" in rule
            else world["municipality"] if "/kommunen/" in rule
            else "vorbild" if "/vokabular/" in rule else world["practice"])
    values = {"<slug>": slug, "<practice_slug>": world["practice"], "<kind>": "hebel",
              "<int:number>": "2", "<int:pick_id>": "1", "<int:file_id>": "1",
              "<int:user_id>": str(world["user_id"]),
              "<int:invitation_id>": str(world["invitation_id"])}
    url = rule
    for part, value in values.items():
        url = url.replace(part, value)
    assert "<" not in url, f"no sample value for a part of {rule}"
    return url


def snapshot() -> list:
    """Every row of every table but the bookkeeping ones."""
    db.session.expire_all()
    rows = []
    for table in db.metadata.sorted_tables:
        if table.name not in BOOKKEEPING:
            rows.append((table.name, [tuple(row) for row in db.session.execute(
                select(table).order_by(*table.primary_key.columns))]))
    return rows


def client_as(app, role: str, create_user):
    """A new client, signed in through the form with the given role (or anonymous)."""
    client = app.test_client()
    if role != "anonymous":
        user = create_user(role=role, name=f"Guard {role}", municipality=(
            "Gemeinde Testdorf" if role == "representative" else None))
        token = csrf_token_from(client, "/konto/anmelden")
        assert client.post("/konto/anmelden", data={
            "email": user.email, "password": TEST_PASSWORD, "csrf_token": token,
        }).status_code == 302
    return client


def request_as(client, role: str, method: str, url: str):
    if method == "GET":
        return client.get(url)
    token = csrf_token_from(client, "/konto/anmelden" if role == "anonymous" else "/konto/profil")
    return client.post(url, data={**POSTED, "csrf_token": token})


@pytest.mark.parametrize("method, rule, endpoint", ROUTES,
                         ids=[f"{m} {r}" for m, r, _ in ROUTES])
def test_every_area_route_admits_only_organisers(app, create_user, world, method, rule,
                                                 endpoint):
    url = sample_url(rule, world)
    for role in ROLES:
        client = client_as(app, role, create_user)
        before = snapshot()
        response = request_as(client, role, method, url)
        if role == "anonymous":
            assert response.status_code == 302, role
            assert response.headers["Location"].startswith("/konto/anmelden?next=")
        elif role in ("member", "representative"):
            assert response.status_code == 403, role
        else:
            assert response.status_code != 403 and response.status_code < 500
        if method == "POST" and role != "organiser":
            assert snapshot() == before, f"{method} {url} changed data for {role}"

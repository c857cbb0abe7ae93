"""Text longer than its column, typed into every form, posted to the API or given to a command.

SQLite does not enforce VARCHAR lengths; PostgreSQL refuses such a value with
StringDataRightTruncation, which would be a 500. Every field that ends up in a
length-limited column is checked before anything is written: the answer is a 4xx (a form
re-rendered with a German message and the typed value kept, where there is a form), and
nothing too long is stored. `assert_nothing_too_long` checks every String(n) column of
the whole schema after each request, so a silent cut or a missing check shows on both
engines.
"""

import io
import re
from html import escape

import pytest
from sqlalchemy import String, func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.accounts.models import Invitation, User
from app.curation.models import ModulePick
from app.extensions import db
from app.municipalities.models import Municipality
from app.practices.models import ExperienceReport, Practice, Revision
from app.search.models import SynonymGroup
from app.taxonomies.models import Lever, Topic
from app.uploads.models import Attachment
from app.workshops.models import Workshop, WorkshopAttachment
from tests.conftest import TEST_PASSWORD, count, csrf_token_from
from tests.test_uploads import pdf, png

LONG = 5000
HOME = "Gemeinde Testdorf"
SLUG = "testeintrag"
WORKSHOP = "2019-11-07-modul-2"
# A German "too long" message, whichever wording the field uses.
TOO_LONG = re.compile(r"[Hh]öchstens \d+ Zeichen|zu lang|kürzer", re.IGNORECASE)


def long_text(prefix: str = "Langer Text", length: int = LONG) -> str:
    """A value of `length` characters that survives HTML escaping unchanged."""
    return (prefix + " " + "x" * length)[:length]


def long_email(length: int = LONG) -> str:
    return "a" * (length - len("@example.org")) + "@example.org"


def assert_nothing_too_long() -> None:
    """No String(n) column of any table holds a value longer than n characters."""
    db.session.expire_all()
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, String) and column.type.length:
                longest = db.session.scalar(select(func.max(func.length(column))))
                assert (longest or 0) <= column.type.length, f"{table.name}.{column.name}"


def assert_refused(response, *typed: str, status: int | None = None) -> str:
    """A 4xx answer with a German message; each typed value is in the re-rendered form."""
    html = response.get_data(as_text=True)
    assert response.status_code < 500, html[-2000:]
    assert 400 <= response.status_code < 500, (response.status_code, html[:1000])
    if status is not None:
        assert response.status_code == status
    for value in typed:
        assert escape(value, quote=True) in html or value in html, value[:40]
    assert_nothing_too_long()
    return html


def post_form(client, path: str, data: dict, form_path: str | None = None):
    token = csrf_token_from(client, form_path or path)
    return client.post(path, data={**data, "csrf_token": token})


# --- fixtures -------------------------------------------------------------------------------

@pytest.fixture
def entry(write_practice, import_folder):
    """A published public entry of Gemeinde Testdorf, in module 2."""
    import_folder(write_practice(SLUG, title="Testeintrag", modules="2").parent)
    return db.session.scalar(select(Practice).where(Practice.slug == SLUG))


@pytest.fixture
def representative(create_user, login, entry):
    user = create_user(role="representative", municipality=HOME,
                       email="vertretung@example.org")
    login(user)
    return user


@pytest.fixture
def organiser(create_user, login, entry):
    user = create_user(role="organiser", name="Olga Organisatorin",
                       email="olga@example.org")
    login(user)
    return user


# --- entries --------------------------------------------------------------------------------

ENTRY = {
    "title": "Blühwiesen statt Rasen am Bauhof",
    "summary": "Der Bauhof mäht nur noch zweimal im Jahr.",
    "section_vorgehen": "Wir haben Saatgut aus der Region gekauft.",
    "levers": ["vorbild"], "topics": ["natur"], "modules": ["2"],
    "status": "umgesetzt", "visibility": "public",
    "contact_name": "Erika Muster", "contact_role": "Bauhofleitung",
    "contact_email": "bauhof@example.org", "contact_phone": "09241 123",
    "aktion": "speichern",
}
ENTRY_FIELDS = {
    "title": long_text("Titel"),
    "summary": long_text("Zusammenfassung"),
    "funding": long_text("Finanzierung"),
    "contact_name": long_text("Name"),
    "contact_role": long_text("Funktion"),
    "contact_email": long_email(),
    "contact_phone": "09241 " + "1" * LONG,
    "note": long_text("Geändert"),
    "links": "https://example.org/" + "a" * LONG,
    "started": "2" * LONG,
    "costs_eur": "9" * LONG,
}


@pytest.mark.parametrize("field", sorted(ENTRY_FIELDS))
def test_entry_form_new(client, representative, field):
    value = ENTRY_FIELDS[field]
    response = post_form(client, "/praxis/neu", {**ENTRY, field: value})
    assert_refused(response, value, status=422)
    assert count(Practice) == 1  # only the imported one


@pytest.mark.parametrize("field", sorted(ENTRY_FIELDS))
def test_entry_form_edit_and_its_revision_note(client, representative, entry, field):
    path = f"/praxis/{SLUG}/bearbeiten"
    page = client.get(path).get_data(as_text=True)
    base = re.search(r'name="base_revision" value="(\d+)"', page).group(1)
    value = ENTRY_FIELDS[field]
    response = post_form(client, path, {**ENTRY, "base_revision": base, field: value})
    assert_refused(response, value, status=422)
    assert count(Revision) == 1
    assert db.session.get(Practice, entry.id).title == "Testeintrag"


def test_entry_form_with_a_huge_base_revision(client, representative, entry):
    """A number of 5000 digits is no revision: the save is a conflict, not a 500."""
    path = f"/praxis/{SLUG}/bearbeiten"
    response = post_form(client, path, {**ENTRY, "base_revision": "1" * LONG})
    assert_refused(response, ENTRY["title"], status=409)
    assert count(Revision) == 1


def test_entry_form_organisers_municipality_choice(client, organiser):
    response = post_form(client, "/praxis/neu", {**ENTRY, "municipality": "m" * LONG})
    assert_refused(response, status=422)
    assert count(Practice) == 1


# --- experience reports ---------------------------------------------------------------------

def test_experience_report(client, create_user, login, entry):
    login(create_user(role="representative", municipality="Markt Anderswo"))
    body = long_text("Bericht", 6000)
    response = post_form(client, f"/praxis/{SLUG}/erfahrung",
                         {"body": body, "outcome": "uebernommen", "adopted": "a" * LONG})
    assert_refused(response, body, status=422)
    assert count(ExperienceReport) == 0


# --- uploads --------------------------------------------------------------------------------

def post_file(client, path: str, data: bytes, filename: str, **fields):
    token = csrf_token_from(client, path if path.endswith("/dateien") else
                            path.rsplit("/", 1)[0] + "/bearbeiten")
    boundary, body = encode_multipart({"csrf_token": token, **fields,
                                       "file": FileStorage(io.BytesIO(data), filename)})
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


@pytest.mark.parametrize("field", ["alt_text", "caption"])
def test_upload_description(client, representative, field):
    value = long_text("Beschreibung")
    fields = {"alt_text": "Dorfladen", "caption": "", field: value}
    response = post_file(client, f"/praxis/{SLUG}/dateien", png(), "laden.png", **fields)
    assert_refused(response, value, status=422)
    assert count(Attachment) == 0


@pytest.mark.parametrize(("data", "ending"), [(png(), ".png"), (pdf(), ".pdf")])
def test_upload_with_a_very_long_file_name(client, representative, data, ending):
    name = "Dorfladen " + "x" * LONG + ending
    response = post_file(client, f"/praxis/{SLUG}/dateien", data, name,
                         alt_text="Dorfladen", caption="")
    assert response.status_code < 500
    assert_nothing_too_long()
    if response.status_code == 302:  # stored under a shortened name with its ending
        stored = db.session.scalar(select(Attachment))
        assert stored.original_name.startswith("Dorfladen x")
        assert stored.original_name.endswith(ending)
    else:
        assert_refused(response, status=422)


# --- the own account ------------------------------------------------------------------------

PROFILE = {"name": "Vera Vertretung", "contact_role": "Klimaschutz", "phone": "09241 1"}


@pytest.mark.parametrize(("field", "value"), [
    ("name", long_text("Vera")),
    ("contact_role", long_text("Funktion")),
    ("phone", "09241 " + "1" * LONG),
])
def test_profile(client, representative, field, value):
    response = post_form(client, "/konto/profil", {**PROFILE, field: value})
    assert_refused(response, value, status=422)
    user = db.session.get(User, representative.id)
    assert user.name == "Test Person" and user.phone is None


def test_sign_in_email(client, create_user):
    create_user(email="person@example.org")
    email = long_email()
    response = post_form(client, "/konto/anmelden", {"email": email, "password": TEST_PASSWORD},
                         form_path="/konto/anmelden")
    # The sign-in form answers 200 with its message, like a wrong password.
    html = response.get_data(as_text=True)
    assert response.status_code < 500
    assert "Sie sind angemeldet" not in html and TOO_LONG.search(html)
    assert_nothing_too_long()


def test_sign_in_password(client, create_user):
    user = create_user()
    response = post_form(client, "/konto/anmelden", {"email": user.email, "password": "p" * LONG},
                         form_path="/konto/anmelden")
    assert response.status_code < 500
    assert_nothing_too_long()


def test_password_reset_email(client):
    email = long_email()
    response = post_form(client, "/konto/passwort-vergessen", {"email": email})
    html = assert_refused(response, email, status=422)
    assert TOO_LONG.search(html)


def test_change_password(client, representative):
    """Answers 422 with the form and its messages, like a wrong current password."""
    stored = db.session.get(User, representative.id).password_hash
    response = post_form(client, "/konto/passwort-aendern", {
        "current_password": "p" * LONG, "password": "q" * LONG, "confirm": "q" * LONG})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Passwort ist geändert" not in html  # form again
    assert "Das Passwort darf höchstens 256 Zeichen lang sein." in html
    assert db.session.get(User, representative.id).password_hash == stored


# --- invitations ----------------------------------------------------------------------------

INVITE = "/redaktion/personen/einladen"


@pytest.mark.parametrize(("field", "value"), [
    ("email", long_email()),
    ("name", long_text("Nora")),
    ("municipality", "m" * LONG),
    ("role", "r" * LONG),
])
def test_invitation(client, organiser, field, value):
    data = {"email": "neu@example.org", "name": "Nora Neu", "role": "representative",
            "municipality": "gemeinde-testdorf", field: value}
    response = post_form(client, INVITE, data)
    html = assert_refused(response, status=422)
    if field in ("email", "name"):
        assert value in html and TOO_LONG.search(html)
    assert count(Invitation) == 0


@pytest.fixture
def invitation_path(app, entry):
    from app.accounts import invitations

    invitation = Invitation(email="neu@example.org", name="Nora Neu", role="member")
    token = invitations._new_token(invitation)
    db.session.add(invitation)
    db.session.commit()
    return f"/konto/einladung/{token}"


def test_accepting_an_invitation(client, invitation_path):
    name = long_text("Nora")
    password = "Hopfen wächst an der Pegnitz entlang"
    response = post_form(client, invitation_path,
                         {"name": name, "password": password, "confirm": password})
    html = assert_refused(response, name, status=422)
    assert TOO_LONG.search(html)
    assert count(User) == 0


def test_role_change(client, organiser, create_user):
    person = create_user()
    response = post_form(client, f"/redaktion/personen/{person.id}/rolle",
                         {"role": "r" * LONG, "municipality": "m" * LONG},
                         form_path="/redaktion/personen")
    assert response.status_code < 500
    assert_nothing_too_long()
    assert db.session.get(User, person.id).role == "member"


# --- organisers' area: module collections ----------------------------------------------------

def test_module_introduction(client, organiser):
    text = long_text("Einführung", 25_000)
    response = post_form(client, "/redaktion/module/2/einfuehrung", {"introduction": text},
                         form_path="/redaktion/module/2")
    assert_refused(response, text, status=422)


def test_module_pick_added_with_a_long_note(client, organiser):
    response = post_form(client, "/redaktion/module/2/auswahl",
                         {"slug": SLUG, "note": long_text("Notiz")},
                         form_path="/redaktion/module/2")
    html = assert_refused(response, status=422)
    assert TOO_LONG.search(html)
    assert count(ModulePick) == 0


def test_module_pick_with_a_long_slug(client, organiser):
    response = post_form(client, "/redaktion/module/2/auswahl", {"slug": "s" * LONG},
                         form_path="/redaktion/module/2")
    assert_refused(response, status=422)


def test_module_pick_note(client, organiser):
    assert post_form(client, "/redaktion/module/2/auswahl", {"slug": SLUG},
                     form_path="/redaktion/module/2").status_code == 303
    pick = db.session.scalar(select(ModulePick))
    note = long_text("Notiz")
    response = post_form(client, f"/redaktion/module/2/auswahl/{pick.id}/notiz", {"note": note},
                         form_path="/redaktion/module/2")
    html = assert_refused(response, note, status=422)
    assert TOO_LONG.search(html)
    assert db.session.get(ModulePick, pick.id).note == ""


# --- organisers' area: workshops --------------------------------------------------------------

WORKSHOP_FORM = {"title": "Modul 2: Was kann vor Ort getan werden?", "date": "2024-05-04",
                 "date_note": "", "module": "2", "place": "Rathaus", "host": "",
                 "agenda": "", "minutes": ""}
WORKSHOP_FIELDS = {
    "title": long_text("Titel"),
    "place": long_text("Ort"),
    "date_note": long_text("Frühjahr"),
    "date": "2" * LONG,
    "module": "2" * LONG,
    "host": "h" * LONG,
    "agenda": long_text("Programm", 100_001),
    "minutes": long_text("Protokoll", 100_001),
}
SELECTS = {"module", "host"}  # a choice from a list: an unknown value is not shown again


@pytest.mark.parametrize("field", sorted(WORKSHOP_FIELDS))
def test_new_workshop(client, organiser, field):
    before = count(Workshop)
    value = WORKSHOP_FIELDS[field]
    response = post_form(client, "/redaktion/arbeitstreffen/neu", {**WORKSHOP_FORM, field: value})
    assert_refused(response, *([] if field in SELECTS else [value]), status=422)
    assert count(Workshop) == before


@pytest.mark.parametrize("field", sorted(WORKSHOP_FIELDS))
def test_edited_workshop(client, organiser, field):
    path = f"/redaktion/arbeitstreffen/{WORKSHOP}/bearbeiten"
    value = WORKSHOP_FIELDS[field]
    response = post_form(client, path, {**WORKSHOP_FORM, field: value})
    assert_refused(response, *([] if field in SELECTS else [value]), status=422)
    assert db.session.scalar(select(Workshop).where(Workshop.slug == WORKSHOP)).place != value


def test_workshop_file_title(client, organiser):
    title = long_text("Programm")
    response = post_file(client, f"/redaktion/arbeitstreffen/{WORKSHOP}/dateien", pdf(),
                         "programm.pdf", file_title=title)
    html = assert_refused(response, title, status=422)
    assert TOO_LONG.search(html)
    assert count(WorkshopAttachment) == 0


def test_workshop_file_with_a_very_long_file_name(client, organiser):
    name = "Programm " + "x" * LONG + ".pdf"
    response = post_file(client, f"/redaktion/arbeitstreffen/{WORKSHOP}/dateien", pdf(), name,
                         file_title="")
    assert response.status_code < 500
    assert_nothing_too_long()
    if response.status_code == 303:
        stored = db.session.scalar(select(WorkshopAttachment))
        assert stored.original_name.startswith("Programm x") and stored.original_name.endswith(
            ".pdf")


def test_workshop_link_with_a_long_slug(client, organiser):
    response = post_form(client, f"/redaktion/arbeitstreffen/{WORKSHOP}/eintraege",
                         {"slug": "s" * LONG},
                         form_path=f"/redaktion/arbeitstreffen/{WORKSHOP}/bearbeiten")
    assert_refused(response, status=422)


# --- organisers' area: vocabulary and synonyms ------------------------------------------------

@pytest.mark.parametrize(("field", "value"), [
    ("name", long_text("Hebel")),
    ("slug", "s" * LONG),
    ("description", long_text("Beschreibung")),
])
@pytest.mark.parametrize("kind", ["hebel", "handlungsfeld"])
def test_new_term(client, organiser, kind, field, value):
    before = count(Lever) + count(Topic)
    data = {"name": "Wärme planen", "slug": "", "description": "", field: value}
    response = post_form(client, f"/redaktion/vokabular/{kind}/neu", data)
    html = assert_refused(response, status=422)
    assert TOO_LONG.search(html) or "höchstens" in html
    if field != "description" or kind == "hebel":
        assert value in html
    assert count(Lever) + count(Topic) == before


@pytest.mark.parametrize(("path", "field"), [
    ("/redaktion/vokabular/hebel/vorbild", "name"),
    ("/redaktion/vokabular/hebel/vorbild", "description"),
    ("/redaktion/vokabular/handlungsfeld/energie", "name"),
])
def test_renamed_term(client, organiser, path, field):
    value = long_text("Neuer Name")
    data = {"name": "Vorbild sein", "description": "", field: value}
    response = post_form(client, path, data)
    assert_refused(response, value, status=422)


def test_synonym_group(client, organiser):
    line = "Dorfladen, " + "x" * LONG
    before = count(SynonymGroup)
    response = post_form(client, "/redaktion/synonyme/gruppe", {"gruppe": line},
                         form_path="/redaktion/synonyme")
    html = assert_refused(response, line, status=422)
    assert TOO_LONG.search(html)
    assert count(SynonymGroup) == before


@pytest.mark.parametrize(("line", "message"), [
    ("Dorfladen, " + "x" * LONG, "Eine Gruppe darf höchstens 2000 Zeichen"),
    ("# " + "Überschrift " * 500, "Eine Überschrift darf höchstens 120 Zeichen"),
    ("Dorfladen, Nahversorger\n" * 6000, "Höchstens 5000 Gruppen"),
])
def test_synonym_list(client, organiser, line, message):
    """A heading too long for its column was cut silently before."""
    edited = "Dorfladen, Nahversorger\n" + line + "\nBürgerbus, Rufbus\n"
    before = count(SynonymGroup)
    response = post_form(client, "/redaktion/synonyme", {"synonyme": edited},
                         form_path="/redaktion/synonyme")
    html = assert_refused(response, line.splitlines()[0], status=422)
    assert message in html
    assert count(SynonymGroup) == before


# --- organisers' area: municipalities -------------------------------------------------------

@pytest.mark.parametrize(("field", "value"), [
    ("district", long_text("Landkreis")),
    ("population", "1" * LONG),
])
def test_municipality_facts(client, organiser, field, value):
    path = "/redaktion/kommunen/gemeinde-testdorf"
    response = post_form(client, path, {"population": "3000", "district": "Bayreuth",
                                        field: value})
    assert_refused(response, value, status=422)
    municipality = db.session.scalar(select(Municipality).where(Municipality.name == HOME))
    assert municipality.district is None


@pytest.mark.parametrize("field", ["source", "target"])
def test_municipality_merge(client, organiser, field):
    data = {"source": "gemeinde-testdorf", "target": "gemeinde-testdorf", "confirm": "y",
            field: "k" * LONG}
    response = post_form(client, "/redaktion/kommunen-zusammenfuehren", data)
    assert_refused(response, status=422)
    assert count(Municipality) == 1


# --- decisions and review --------------------------------------------------------------------

def test_return_comment(client, organiser, entry):
    """The comment has no column limit, but it is not cut silently either."""
    from app.practices.models import StateChange

    db.session.get(Practice, entry.id).publication = "submitted"
    db.session.commit()
    comment = long_text("Kommentar", 5000)
    response = post_form(client, f"/redaktion/praxis/{SLUG}/entscheidung",
                         {"aktion": "zurueckgeben", "kommentar": comment}, form_path="/redaktion")
    html = assert_refused(response, comment, status=422)
    assert TOO_LONG.search(html)
    assert count(StateChange) == 0
    assert db.session.get(Practice, entry.id).publication == "submitted"


def test_activity_page_number(client, organiser):
    response = client.get("/redaktion/aktivitaet", query_string={"seite": "1" * LONG})
    assert response.status_code == 400


# --- Merkliste, comparison, council draft ----------------------------------------------------

def incompressible(length: int = LONG) -> str:
    import hashlib

    text = "".join(hashlib.sha256(str(n).encode()).hexdigest() for n in range(length // 64 + 1))
    return text[:length]


@pytest.mark.parametrize("action", ["merken", "entfernen", "a" * LONG])
@pytest.mark.parametrize("signed_in", [True, False])
def test_merkliste(client, create_user, login, entry, action, signed_in):
    if signed_in:
        login(create_user())
    token = csrf_token_from(client, "/merkliste") if signed_in else None
    data = {"slug": incompressible(), "aktion": action, "next": "/" + incompressible()}
    headers = {"Origin": "http://localhost"}
    response = client.post("/merkliste", data={**data, **({"csrf_token": token} if token else {})},
                           headers=headers)
    assert response.status_code < 500
    cookie = response.headers.get("Set-Cookie", "")
    assert len(cookie) < 4096, len(cookie)  # a browser drops a larger cookie
    assert_nothing_too_long()


@pytest.mark.parametrize("query", [
    {"slug": ["s" * LONG, SLUG]},
    {"slug": [SLUG, SLUG + "x"], "fuer": "f" * LONG},
])
def test_comparison(client, representative, query):
    response = client.get("/vergleich", query_string=query)
    assert response.status_code < 500


@pytest.mark.parametrize("query", [{"fuer": "f" * LONG}, {"alternative": ["a" * LONG] * 3}])
def test_council_draft(client, representative, query):
    response = client.get(f"/praxis/{SLUG}/beschlussvorlage.docx", query_string=query)
    assert response.status_code < 500


# --- JSON API and search ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["q", "lever", "topic", "module", "status", "municipality",
                                  "size_class", "like", "like_district", "like_population",
                                  "sort", "cost", "effort", "sdg", "page", "per_page"])
@pytest.mark.parametrize("value", ["x" * LONG, "1" * LONG])
def test_api_and_search_parameters(client, entry, name, value):
    assert client.get("/api/v1/practices", query_string={name: value}).status_code == 400
    assert client.get("/suche", query_string={name: value}).status_code < 500
    assert_nothing_too_long()


# --- the forms' maxlength hints ------------------------------------------------------------

def column_length(model, name: str) -> int:
    return model.__table__.c[name].type.length


def maxlength(html: str, name: str) -> int:
    tag = re.search(rf'<(?:input|textarea)[^>]*\bname="{name}"[^>]*>', html)
    assert tag, name
    found = re.search(r'maxlength="(\d+)"', tag.group(0))
    assert found, tag.group(0)
    return int(found.group(1))


def test_maxlength_hints_are_the_column_lengths(client, organiser):
    """Each form's maxlength comes from the same limit as its check, which fits the column."""
    from app.search.models import SynonymGroup as Group

    pages = {
        "/praxis/neu": [("title", Practice, "title"), ("note", Revision, "note"),
                        ("contact_phone", Practice, "contact_phone")],
        "/redaktion/arbeitstreffen/neu": [("title", Workshop, "title"),
                                          ("place", Workshop, "place"),
                                          ("date_note", Workshop, "date_note")],
        f"/redaktion/arbeitstreffen/{WORKSHOP}/bearbeiten": [
            ("file_title", WorkshopAttachment, "title")],
        "/redaktion/vokabular/hebel/neu": [("name", Lever, "name"), ("slug", Lever, "slug")],
        "/redaktion/personen/einladen": [("email", Invitation, "email"),
                                         ("name", Invitation, "name")],
        "/konto/profil": [("name", User, "name"), ("contact_role", User, "contact_role"),
                          ("phone", User, "phone")],
        "/redaktion/synonyme": [("gruppe", Group, "terms")],
        "/redaktion/kommunen/gemeinde-testdorf": [("district", Municipality, "district")],
        f"/praxis/{SLUG}/dateien": [("alt_text", Attachment, "alt_text"),
                                    ("caption", Attachment, "caption")],
    }
    for path, fields in pages.items():
        html = client.get(path).get_data(as_text=True)
        for name, model, column in fields:
            assert maxlength(html, name) == column_length(model, column), (path, name)
    module_page = client.get("/redaktion/module/2")
    assert module_page.status_code == 200
    assert post_form(client, "/redaktion/module/2/auswahl", {"slug": SLUG},
                     form_path="/redaktion/module/2").status_code == 303
    html = client.get("/redaktion/module/2").get_data(as_text=True)
    assert maxlength(html, "note") == column_length(ModulePick, "note")


# --- commands ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (["--role", "member", "--name", long_text("Name")], "höchstens 200 Zeichen"),
    (["--role", "representative", "--name", "Vera", "--municipality", long_text("Markt"),
      "--create-municipality"], "höchstens 200 Zeichen"),
])
def test_users_create(runner, app, args, message):
    result = runner.invoke(args=["users", "create", "vera@example.org", *args], input="\n")
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert count(User) == 0 and count(Municipality) == 0
    assert_nothing_too_long()


def test_users_create_with_a_long_email(runner, app):
    result = runner.invoke(args=["users", "create", long_email(), "--name", "Vera",
                                 "--role", "member"], input="\n")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert count(User) == 0


@pytest.mark.parametrize(("field", "value", "message"), [
    ("title", long_text("Titel"), "höchstens 200 Zeichen"),
    ("municipality", long_text("Markt"), "höchstens 200 Zeichen"),
    ("summary", long_text("Zusammenfassung"), "höchstens 600 Zeichen"),
    ("population", "1" * LONG, "Ziffern"),
    ("population", "'" + "1" * LONG + "'", "zwischen"),
    ("modules", "'" + "2" * LONG + "'", "keine Zahl"),
    ("levers", "x" * LONG, "unbekannter Wert"),
    ("levers", "vorbild]\nadopted_from: [" + "x" * LONG, "Kurzname"),
])
def test_practices_import(runner, app, write_practice, field, value, message):
    path = write_practice("zu-lang", **{field: value})
    result = runner.invoke(args=["practices", "import", str(path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert message in result.output and len(result.output) < 2000, result.output[:3000]
    assert count(Practice) == 0
    assert_nothing_too_long()


def test_practices_import_of_a_date_that_does_not_exist(runner, app, write_practice):
    path = write_practice("kein-datum")
    path.write_text(path.read_text(encoding="utf-8").replace(
        "visibility: public", "visibility: public\nreviewed: 2019-02-30"), encoding="utf-8")
    result = runner.invoke(args=["practices", "import", str(path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "Kopfdaten" in result.output
    assert count(Practice) == 0

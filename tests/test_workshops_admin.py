"""Workshops in the organisers' area: the permission matrix of every curation route added
for modules, workshops and freshness; create and edit with errors kept; files; linked
entries; iCalendar files; the seeded facts."""

import io
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.practices.models import Practice, PracticeWorkshop, Revision
from app.practices.services import practice_file_text
from app.seed import seed_reference_data
from app.uploads.services import archive_files
from app.workshops.ical import escape_text, fold
from app.workshops.models import Workshop, WorkshopAttachment
from tests.conftest import csrf_token_from
from tests.test_uploads import fetch, pdf

SEEDED = "2019-11-07-modul-2"

# (method, path) of every route these pages add; {w} is a workshop, {p} an entry.
ROUTES = [
    ("GET", "/redaktion/module"),
    ("GET", "/redaktion/module/2"),
    ("POST", "/redaktion/module/2/einfuehrung"),
    ("POST", "/redaktion/module/2/auswahl"),
    ("POST", "/redaktion/module/2/auswahl/1/verschieben"),
    ("POST", "/redaktion/module/2/auswahl/1/notiz"),
    ("POST", "/redaktion/module/2/auswahl/1/entfernen"),
    ("POST", "/redaktion/module/2/reihenfolge"),
    ("POST", "/redaktion/praxis/{p}/geprueft"),
    ("GET", "/redaktion/pruefung"),
    ("GET", "/redaktion/arbeitstreffen"),
    ("GET", "/redaktion/arbeitstreffen/neu"),
    ("POST", "/redaktion/arbeitstreffen/neu"),
    ("GET", "/redaktion/arbeitstreffen/{w}/bearbeiten"),
    ("POST", "/redaktion/arbeitstreffen/{w}/bearbeiten"),
    ("POST", "/redaktion/arbeitstreffen/{w}/dateien"),
    ("POST", "/redaktion/arbeitstreffen/{w}/dateien/1/loeschen"),
    ("POST", "/redaktion/arbeitstreffen/{w}/eintraege"),
    ("POST", "/redaktion/arbeitstreffen/{w}/eintraege/{p}/loesen"),
]


@pytest.fixture
def entries(write_practice, import_folder):
    """Three published entries of module 2 and one members-only entry."""
    paths = [write_practice(slug, title=title, modules="2", visibility=visibility)
             for slug, title, visibility in (
                 ("dorfladen", "Genossenschaftlicher Dorfladen", "public"),
                 ("buergerbus", "Bürgerbus mit Ehrenamtlichen", "public"),
                 ("ledlicht", "LED-Straßenbeleuchtung", "public"),
                 ("intern", "Interne Haushaltsrunde", "members"))]
    import_folder(paths[0].parent)


@pytest.fixture
def organiser(create_user, login):
    user = create_user(role="organiser")
    login(user)
    return user


def _path(template: str) -> str:
    return template.format(w=SEEDED, p="dorfladen")


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_anonymous_visitors_are_sent_to_sign_in(app, client, entries, method, path):
    token = csrf_token_from(client, "/konto/anmelden")
    response = client.open(_path(path), method=method, data={"csrf_token": token})
    assert response.status_code == 302
    assert "/konto/anmelden" in response.location


@pytest.mark.parametrize("role", ["member", "representative"])
@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_everyone_but_organisers_gets_403(app, client, entries, create_user, login, role,
                                          method, path):
    login(create_user(role=role, municipality="Gemeinde Testdorf"))
    token = csrf_token_from(client, "/")  # the sign-out form
    response = client.open(_path(path), method=method, data={"csrf_token": token})
    assert response.status_code == 403


@pytest.mark.parametrize(("method", "path"), [r for r in ROUTES if r[0] == "POST"])
def test_posts_without_csrf_token_are_refused(app, client, entries, organiser, method, path):
    response = client.post(_path(path), data={"slug": "dorfladen", "title": "X"})
    assert response.status_code == 400


def test_organisers_reach_every_page(app, client, entries, organiser):
    for method, path in ROUTES:
        if method == "GET":
            assert client.get(_path(path)).status_code == 200, path
    queue = client.get("/redaktion").get_data(as_text=True)
    assert 'aria-current="page">Prüfen' in queue and "/redaktion/arbeitstreffen" in queue


VALID = {"title": "Modul 2: Nachtreffen", "date": "2031-05-20", "module": "2",
         "place": "Rathaus, Sitzungssaal", "host": "gemeinde-testdorf", "date_note": "",
         "agenda": "## Ablauf\n\n- 10 Uhr: Begrüßung", "minutes": ""}


def _post_form(client, path, data, page=None):
    token = csrf_token_from(client, page or path)
    return client.post(path, data={"csrf_token": token, **data})


def test_create_workshop_errors_keep_what_was_typed(app, client, entries, organiser):
    bad = {**VALID, "title": "", "date": "31.02.2031", "module": "7", "host": "atlantis"}
    response = _post_form(client, "/redaktion/arbeitstreffen/neu", bad)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Bitte geben Sie einen Titel an." in html
    assert "„31.02.2031“ ist kein Datum" in html
    assert "Bitte wählen Sie eines der vier Module" in html
    assert "Diese Kommune ist nicht bekannt" in html
    assert 'value="Rathaus, Sitzungssaal"' in html and "- 10 Uhr: Begrüßung" in html
    assert 'aria-describedby="hinweis-title fehler-title"' in html
    assert db.session.scalar(select(Workshop).where(Workshop.title == "")) is None


def test_create_and_edit_a_workshop(app, client, entries, organiser):
    response = _post_form(client, "/redaktion/arbeitstreffen/neu", VALID)
    assert response.status_code == 303
    assert response.location.endswith("/redaktion/arbeitstreffen/2031-05-20-modul-2/bearbeiten")
    page = client.get("/arbeitstreffen/2031-05-20-modul-2").get_data(as_text=True)
    assert "Rathaus, Sitzungssaal" in page and "Gemeinde Testdorf" in page
    assert '<h2 id="ablauf">Ablauf</h2>' in page or "Ablauf</h2>" in page
    assert "Alle kommenden Arbeitstreffen abonnieren" in page
    # A second one on the same day and module gets its own slug.
    assert _post_form(client, "/redaktion/arbeitstreffen/neu", VALID).location.endswith(
        "/2031-05-20-modul-2-2/bearbeiten")

    edit = "/redaktion/arbeitstreffen/2031-05-20-modul-2/bearbeiten"
    refused = _post_form(client, edit, {**VALID, "date": "", "minutes": "Wir waren 30."})
    assert refused.status_code == 422 and "Wir waren 30." in refused.get_data(as_text=True)
    saved = _post_form(client, edit, {**VALID, "date": "21.05.2031", "module": "",
                                      "minutes": "Wir waren **30**."})
    assert saved.status_code == 303
    workshop = db.session.scalar(select(Workshop).where(Workshop.slug == "2031-05-20-modul-2"))
    db.session.refresh(workshop)
    assert workshop.date == date(2031, 5, 21) and workshop.module is None  # slug stays
    assert "<strong>30</strong>" in client.get(
        "/arbeitstreffen/2031-05-20-modul-2").get_data(as_text=True)


def _upload(client, data: bytes, filename: str, title: str = ""):
    path = f"/redaktion/arbeitstreffen/{SEEDED}/bearbeiten"
    token = csrf_token_from(client, path)
    return client.post(f"/redaktion/arbeitstreffen/{SEEDED}/dateien",
                       data={"csrf_token": token, "file_title": title,
                             "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def test_a_pdf_programme_is_accepted_and_served_as_a_download(app, client, organiser):
    response = _upload(client, pdf(), "Programm Modul 2.pdf", "Programm (PDF)")
    assert response.status_code == 303
    attachment = db.session.scalar(select(WorkshopAttachment))
    page = client.get(f"/arbeitstreffen/{SEEDED}").get_data(as_text=True)
    assert "Programm (PDF)" in page and attachment.stored_name in page
    served = fetch(app.test_client(), f"/arbeitstreffen/{SEEDED}/dateien/{attachment.stored_name}")
    assert served.status_code == 200 and served.data == pdf()
    assert served.headers["Content-Type"] == "application/pdf"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert app.test_client().get(
        f"/arbeitstreffen/2019-08-18-auftakt/dateien/{attachment.stored_name}").status_code == 404

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive_files(archive)  # the backup takes workshop files along
        assert f"uploads/{attachment.stored_name}" in archive.namelist()

    token = csrf_token_from(client, f"/redaktion/arbeitstreffen/{SEEDED}/bearbeiten")
    client.post(f"/redaktion/arbeitstreffen/{SEEDED}/dateien/{attachment.id}/loeschen",
                data={"csrf_token": token})
    assert db.session.scalar(select(WorkshopAttachment)) is None
    assert not list(Path(app.config["UPLOAD_DIR"]).glob("*.pdf"))


@pytest.mark.parametrize(("data", "filename"), [
    (b"<!doctype html><html><script>alert(1)</script></html>", "programm.html"),
    (b"<html><body>Programm</body></html>", "programm.pdf"),
])
def test_an_html_file_is_refused_with_a_message(app, client, organiser, data, filename):
    response = _upload(client, data, filename, "Programm")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="fehler-file"' in html and "JPEG, PNG, WebP oder PDF" in html
    assert 'value="Programm"' in html  # the title typed is kept
    assert db.session.scalar(select(WorkshopAttachment)) is None


def test_an_upload_without_a_file_gets_a_message(app, client, organiser):
    token = csrf_token_from(client, f"/redaktion/arbeitstreffen/{SEEDED}/bearbeiten")
    response = client.post(f"/redaktion/arbeitstreffen/{SEEDED}/dateien",
                           data={"csrf_token": token})
    assert response.status_code == 422
    assert "Bitte wählen Sie eine Datei aus." in response.get_data(as_text=True)


def _practice(slug) -> Practice:
    practice = db.session.scalar(select(Practice).where(Practice.slug == slug))
    db.session.refresh(practice)
    return practice


def test_link_and_unlink_entries(app, client, entries, organiser):
    edit = f"/redaktion/arbeitstreffen/{SEEDED}/bearbeiten"
    page = client.get(edit).get_data(as_text=True)
    assert 'aria-label="Verknüpfen: Genossenschaftlicher Dorfladen"' in page
    for slug in ("dorfladen", "buergerbus", "intern"):
        assert _post_form(client, f"/redaktion/arbeitstreffen/{SEEDED}/eintraege",
                          {"slug": slug}, edit).status_code == 303
    again = _post_form(client, f"/redaktion/arbeitstreffen/{SEEDED}/eintraege",
                       {"slug": "dorfladen"}, edit)
    assert again.status_code == 422 and "schon verknüpft" in again.get_data(as_text=True)

    # Appended at the end of the entry's workshops, and part of its file and revisions.
    _post_form(client, "/redaktion/arbeitstreffen/2020-02-13-modul-3/eintraege",
               {"slug": "dorfladen"}, edit)
    dorfladen = _practice("dorfladen")
    assert [w.slug for w in dorfladen.workshops] == [SEEDED, "2020-02-13-modul-3"]
    assert f"workshops: [{SEEDED}, 2020-02-13-modul-3]" in practice_file_text(dorfladen)
    assert "verknüpft" in db.session.scalars(select(Revision.note).where(
        Revision.practice_id == dorfladen.id).order_by(Revision.number.desc())).first()

    public = app.test_client().get(f"/arbeitstreffen/{SEEDED}").get_data(as_text=True)
    assert "Genossenschaftlicher Dorfladen" in public and "Bürgerbus" in public
    assert "Interne Haushaltsrunde" not in public  # members only
    assert "Interne Haushaltsrunde" in client.get(f"/arbeitstreffen/{SEEDED}").get_data(
        as_text=True)

    response = _post_form(client, f"/redaktion/arbeitstreffen/{SEEDED}/eintraege/dorfladen/loesen",
                          {}, edit)
    assert response.status_code == 303
    assert [w.slug for w in _practice("dorfladen").workshops] == ["2020-02-13-modul-3"]
    assert db.session.get(PracticeWorkshop, (dorfladen.id, db.session.scalar(
        select(Workshop.id).where(Workshop.slug == "2020-02-13-modul-3")))).position == 0
    assert "Genossenschaftlicher Dorfladen" not in app.test_client().get(
        f"/arbeitstreffen/{SEEDED}").get_data(as_text=True)


def test_ics_of_one_workshop(app, client, organiser):
    workshop = db.session.scalar(select(Workshop).where(Workshop.slug == "2019-08-18-auftakt"))
    workshop.agenda = "Begrüßung; Vorstellung, Austausch\nund ein sehr langer Programmpunkt " * 3
    db.session.commit()
    response = app.test_client().get("/arbeitstreffen/2019-08-18-auftakt.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.get_data(as_text=True)
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")  # every line ends in CRLF
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    unfolded = text.replace("\r\n ", "")
    assert "UID:2019-08-18-auftakt@localhost\r\n" in unfolded
    assert "DTSTART;VALUE=DATE:20190818\r\nDTEND;VALUE=DATE:20190819\r\n" in unfolded
    assert "SUMMARY:Auftakttreffen des Kommunalkreises\r\n" in unfolded
    assert "LOCATION:Pegnitz\r\n" in unfolded
    assert "Begrüßung\\; Vorstellung\\, Austausch\\nund" in unfolded
    assert "URL:http://localhost/arbeitstreffen/2019-08-18-auftakt" in unfolded
    assert "DTSTAMP:" in unfolded and unfolded.count("BEGIN:VEVENT") == 1
    assert app.test_client().get("/arbeitstreffen/gibt-es-nicht.ics").status_code == 404


def test_ics_of_all_upcoming_workshops(app, client, entries, organiser):
    soon = (date.today() + timedelta(days=30)).isoformat()
    _post_form(client, "/redaktion/arbeitstreffen/neu", {**VALID, "date": soon},
               "/redaktion/arbeitstreffen/neu")
    text = app.test_client().get("/arbeitstreffen.ics").get_data(as_text=True)
    assert text.count("BEGIN:VEVENT") == 1  # the seeded ones are past
    assert f"DTSTART;VALUE=DATE:{soon.replace('-', '')}" in text
    assert "LOCATION:Rathaus\\, Sitzungssaal\\, Gemeinde Testdorf" in text.replace("\r\n ", "")


def test_folding_never_splits_a_character():
    line = "DESCRIPTION:" + "ä" * 100
    folded = fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line
    assert escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"


def test_seeded_workshops_have_the_published_facts_and_no_invented_ones(app, client):
    kickoff = app.test_client().get("/arbeitstreffen/2019-08-18-auftakt").get_data(as_text=True)
    assert "18. August 2019" in kickoff and "Pegnitz" in kickoff
    assert "nicht überliefert" in kickoff  # host unknown
    module4 = app.test_client().get("/arbeitstreffen/2020-06-25-modul-4").get_data(as_text=True)
    assert "Frühjahr/Sommer 2020" in module4 and "25. Juni 2020" not in module4
    dates = dict(db.session.execute(select(Workshop.slug, Workshop.date)).all())
    assert dates["2019-08-14-modul-1"] == date(2019, 8, 14)
    assert dates["2019-11-07-modul-2"] == date(2019, 11, 7)
    assert dates["2020-02-13-modul-3"] == date(2020, 2, 13)
    module2 = app.test_client().get(f"/arbeitstreffen/{SEEDED}").get_data(as_text=True)
    assert module2.count("nicht überliefert") == 2  # place and host


def test_seeding_again_adds_nothing_and_keeps_organisers_edits(app, client, organiser):
    edit = "/redaktion/arbeitstreffen/2020-06-25-modul-4/bearbeiten"
    response = _post_form(client, edit, {**VALID, "title": "Modul 4: Wandel organisieren",
                                         "module": "4", "date": "2020-07-02", "date_note": "",
                                         "place": "Online", "host": ""})
    assert response.status_code == 303
    count = len(db.session.scalars(select(Workshop)).all())
    assert seed_reference_data() == 0
    assert len(db.session.scalars(select(Workshop)).all()) == count
    workshop = db.session.scalar(select(Workshop).where(Workshop.slug == "2020-06-25-modul-4"))
    db.session.refresh(workshop)
    assert (workshop.place, workshop.date_note, workshop.date) == ("Online", "",
                                                                   date(2020, 7, 2))


def test_seeding_fills_facts_into_unedited_workshops(app):
    workshop = db.session.scalar(select(Workshop).where(Workshop.slug == "2020-06-25-modul-4"))
    workshop.date_note = ""
    db.session.commit()
    seed_reference_data()
    db.session.refresh(workshop)
    assert workshop.date_note.startswith("Frühjahr/Sommer 2020")

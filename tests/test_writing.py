"""Writing through the web (SPEC §6): new entries, edits, revisions, submission, review."""

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.practices import states
from app.practices.models import Practice, Revision, StateChange
from tests.conftest import csrf_token_from

ENTRY = {
    "title": "Blühwiesen statt Rasen am Bauhof",
    "summary": "Der Bauhof mäht nur noch zweimal im Jahr; es blüht und summt.",
    "section_ausgangslage": "Rasenflächen kosteten viel Arbeit.",
    "section_vorgehen": "Wir haben Saatgut aus der Region gekauft.",
    "levers": ["vorbild", "beraten-motivieren"],
    "topics": ["natur"],
    "modules": ["2"],
    "sdgs": ["15"],
    "status": "umgesetzt",
    "started": "2021",
    "costs_eur": "4.500",
    "funding": "Eigenmittel",
    "effort": "gering",
    "visibility": "public",
    "links": "https://example.org/bluehwiese",
    "contact_name": "Erika Muster",
    "contact_role": "Bauhofleitung",
    "contact_email": "bauhof@example.org",
    "contact_phone": "09241 123",
    "aktion": "speichern",
}


@pytest.fixture
def representative(create_user):
    return create_user(role="representative", municipality="Markt Beispiel",
                       email="vertretung@example.org")


def post_entry(client, path="/praxis/neu", **changes):
    data = {**ENTRY, **changes, "csrf_token": csrf_token_from(client, path)}
    return client.post(path, data=data)


def test_representative_saves_a_draft_only_their_municipality_sees(
        client, login, representative, create_user, app):
    login(representative)
    response = post_entry(client)
    assert response.status_code == 302
    practice = db.session.scalar(select(Practice))
    assert response.headers["Location"].endswith(f"/praxis/{practice.slug}")
    assert practice.slug == "bluehwiesen-statt-rasen-am-bauhof"
    assert practice.publication == states.DRAFT
    assert practice.municipality.name == "Markt Beispiel"
    assert [lever.slug for lever in practice.levers] == ["vorbild", "beraten-motivieren"]
    assert practice.costs_eur == 4500 and practice.started == 2021
    assert "## Ausgangslage" in practice.body and "<h2" in practice.body_html
    assert [r.number for r in practice.revisions] == [1]
    page = client.get(f"/praxis/{practice.slug}")
    assert page.status_code == 200 and "Entwurf" in page.get_data(as_text=True)

    other = app.test_client()
    assert other.get(f"/praxis/{practice.slug}").status_code == 404
    search = other.get("/api/v1/practices?q=Blühwiesen").get_json()
    assert search["total"] == 0


def test_main_lever_stays_first(client, login, representative):
    login(representative)
    post_entry(client, levers=["organisieren-verankern", "vorbild", "analysieren"])
    practice = db.session.scalar(select(Practice))
    assert [lever.slug for lever in practice.levers] == [
        "organisieren-verankern", "vorbild", "analysieren"]
    form = client.get(f"/praxis/{practice.slug}/bearbeiten").get_data(as_text=True)
    chosen = re.findall(r'name="levers" value="([a-z-]+)" checked', form)
    assert chosen == ["vorbild", "analysieren"]  # further levers, in their order


def test_invalid_save_answers_422_and_keeps_everything_typed(client, login, representative):
    login(representative)
    response = post_entry(client, title="", started="zwanzig", links="keine-adresse",
                          section_vorgehen="Mein langer Text über das Vorgehen.")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Mein langer Text über das Vorgehen." in html
    assert "zwanzig" in html and "keine-adresse" in html and "Eigenmittel" in html
    assert "Pflichtfeld" in html and "ganze Zahl" in html
    assert db.session.scalar(select(Practice)) is None


def test_contact_longer_than_its_column_is_a_message_not_a_500(client, login, representative):
    """PostgreSQL enforces the column lengths: the rules refuse what would not fit."""
    login(representative)
    long_phone = "09241 " + "1" * 70
    response = post_entry(client, contact_phone=long_phone, contact_role="R" * 201)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert long_phone in html and "höchstens 60 Zeichen" in html
    assert "höchstens 200 Zeichen" in html
    assert db.session.scalar(select(Practice)) is None


def test_mass_assigned_fields_are_ignored(client, login, representative, create_user):
    login(representative)
    post_entry(client, publication="published", municipality="andere-kommune",
               author_id="999", reviewed="2020-01-01", slug="mein-slug")
    practice = db.session.scalar(select(Practice))
    assert practice.publication == states.DRAFT
    assert practice.municipality.name == "Markt Beispiel"
    assert practice.author_id == representative.id
    assert practice.reviewed is None and practice.slug != "mein-slug"


def test_members_cannot_write_and_anonymous_are_sent_to_sign_in(client, login, create_user):
    assert client.get("/praxis/neu").status_code == 302
    login(create_user(role="member"))
    assert client.get("/praxis/neu").status_code == 403


def test_representative_of_another_municipality_is_refused(
        client, login, representative, create_user, app):
    login(representative)
    post_entry(client)
    practice = db.session.scalar(select(Practice))
    other_client = app.test_client()
    stranger = create_user(role="representative", municipality="Gemeinde Anderswo")
    token = csrf_token_from(other_client, "/konto/anmelden")
    other_client.post("/konto/anmelden", data={"email": stranger.email,
                                               "password": "ein sehr langes Testpasswort",
                                               "csrf_token": token})
    path = f"/praxis/{practice.slug}/bearbeiten"
    assert other_client.get(path).status_code == 404
    own_token = csrf_token_from(other_client, "/praxis/neu")
    forged = other_client.post(path, data={**ENTRY, "title": "Gekapert", "base_revision": "1",
                                           "csrf_token": own_token})
    assert forged.status_code == 404
    assert other_client.get(f"/praxis/{practice.slug}/versionen").status_code == 404
    submit = other_client.post(f"/praxis/{practice.slug}/einreichen",
                               data={"csrf_token": own_token})
    assert submit.status_code == 404
    db.session.expire_all()
    assert db.session.get(Practice, practice.id).title == ENTRY["title"]
    assert db.session.get(Practice, practice.id).publication == states.DRAFT


def test_edits_record_revisions_and_history_shows_a_word_diff(client, login, representative):
    login(representative)
    post_entry(client)
    practice = db.session.scalar(select(Practice))
    path = f"/praxis/{practice.slug}/bearbeiten"
    response = post_entry(client, path, base_revision="1", note="Kosten ergänzt",
                          section_vorgehen="Wir haben heimisches Saatgut gekauft.",
                          levers=["vorbild"])
    assert response.status_code == 302
    history = client.get(f"/praxis/{practice.slug}/versionen").get_data(as_text=True)
    assert "Kosten ergänzt" in history
    assert "<del>Saatgut aus der Region</del>" in history or "<del>" in history
    assert "<ins>heimisches" in history
    assert "Hebel" in history  # the metadata change is listed
    db.session.expire_all()
    assert [r.number for r in db.session.scalars(select(Revision))] == [1, 2]


def test_a_stale_save_answers_409_overwrites_nothing_and_keeps_the_typed_text(
        client, login, representative):
    login(representative)
    post_entry(client)
    practice = db.session.scalar(select(Practice))
    path = f"/praxis/{practice.slug}/bearbeiten"
    assert post_entry(client, path, base_revision="1", title="Erste Änderung").status_code == 302
    stale = post_entry(client, path, base_revision="1", title="Zweite Änderung",
                       section_vorgehen="Mein Text, der nicht verloren gehen darf.")
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "Mein Text, der nicht verloren gehen darf." in html
    assert "Erste Änderung" in html  # the other version is shown
    db.session.expire_all()
    assert db.session.get(Practice, practice.id).title == "Erste Änderung"
    assert len(db.session.get(Practice, practice.id).revisions) == 2


def test_slug_stays_when_the_title_changes(client, login, representative):
    login(representative)
    post_entry(client)
    practice = db.session.scalar(select(Practice))
    slug = practice.slug
    post_entry(client, f"/praxis/{slug}/bearbeiten", base_revision="1", title="Ganz neu")
    db.session.expire_all()
    assert db.session.get(Practice, practice.id).slug == slug


def test_submit_publish_and_find_it(client, login, representative, create_user, app):
    from app import search

    login(representative)
    post_entry(client)
    practice = db.session.scalar(select(Practice))
    token = csrf_token_from(client, f"/praxis/{practice.slug}")
    assert client.post(f"/praxis/{practice.slug}/einreichen",
                       data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Practice, practice.id).publication == states.SUBMITTED
    assert "Eingereicht" in client.get("/meine").get_data(as_text=True)

    organiser_client = app.test_client()
    organiser = create_user(role="organiser")
    token = csrf_token_from(organiser_client, "/konto/anmelden")
    organiser_client.post("/konto/anmelden", data={
        "email": organiser.email, "password": "ein sehr langes Testpasswort",
        "csrf_token": token})
    queue = organiser_client.get("/redaktion")
    assert queue.status_code == 200 and ENTRY["title"] in queue.get_data(as_text=True)
    token = csrf_token_from(organiser_client, "/redaktion")
    decided = organiser_client.post(f"/redaktion/praxis/{practice.slug}/entscheidung",
                                    data={"aktion": "veroeffentlichen", "csrf_token": token})
    assert decided.status_code == 302
    search.wait_for_background_drains()
    found = app.test_client().get("/api/v1/practices?q=Blühwiesen").get_json()
    assert [hit["slug"] for hit in found["results"]] == [practice.slug]
    changes = db.session.scalars(select(StateChange)).all()
    assert [(c.from_state, c.to_state) for c in changes] == [
        ("draft", "submitted"), ("submitted", "published")]
    archived = organiser_client.post(f"/redaktion/praxis/{practice.slug}/entscheidung",
                                     data={"aktion": "archivieren", "csrf_token": token})
    assert archived.status_code == 302
    search.wait_for_background_drains()
    assert app.test_client().get("/api/v1/practices?q=Blühwiesen").get_json()["total"] == 0
    assert app.test_client().get(f"/praxis/{practice.slug}").status_code == 404


def test_return_with_comment_shows_on_the_entry_and_on_mine(
        client, login, representative, create_user, app):
    login(representative)
    post_entry(client)
    practice = db.session.scalar(select(Practice))
    client.post(f"/praxis/{practice.slug}/einreichen",
                data={"csrf_token": csrf_token_from(client, f"/praxis/{practice.slug}")})
    organiser_client = app.test_client()
    organiser = create_user(role="organiser")
    organiser_client.post("/konto/anmelden", data={
        "email": organiser.email, "password": "ein sehr langes Testpasswort",
        "csrf_token": csrf_token_from(organiser_client, "/konto/anmelden")})
    token = csrf_token_from(organiser_client, "/redaktion")
    path = f"/redaktion/praxis/{practice.slug}/entscheidung"
    assert organiser_client.post(path, data={"aktion": "zurueckgeben",
                                             "csrf_token": token}).status_code == 422
    organiser_client.post(path, data={"aktion": "zurueckgeben", "csrf_token": token,
                                      "kommentar": "Bitte die Kosten genauer angeben."})
    assert "Bitte die Kosten genauer angeben." in client.get("/meine").get_data(as_text=True)
    page = client.get(f"/praxis/{practice.slug}").get_data(as_text=True)
    assert "Bitte die Kosten genauer angeben." in page
    # Whatever is posted, only the state machine's moves happen.
    again = organiser_client.post(path, data={"aktion": "zurueckgeben", "csrf_token": token,
                                              "kommentar": "Nochmal"})
    assert again.status_code == 409
    bogus = organiser_client.post(path, data={"aktion": "loeschen", "csrf_token": token})
    assert bogus.status_code == 303
    db.session.expire_all()
    assert db.session.get(Practice, practice.id).publication == states.RETURNED


def test_redaktion_is_for_organisers_only(client, login, create_user):
    assert client.get("/redaktion").status_code == 302
    login(create_user(role="representative", municipality="Markt Beispiel"))
    assert client.get("/redaktion").status_code == 403


def test_organiser_restores_an_old_revision_as_a_new_one(client, login, create_user):
    organiser = create_user(role="organiser")
    create_user(role="representative", municipality="Markt Beispiel")
    login(organiser)
    from app.municipalities.models import Municipality
    municipality = db.session.scalar(select(Municipality))
    post_entry(client, municipality=municipality.slug)
    practice = db.session.scalar(select(Practice))
    post_entry(client, f"/praxis/{practice.slug}/bearbeiten", base_revision="1",
               title="Falscher Titel", municipality=municipality.slug)
    token = csrf_token_from(client, f"/praxis/{practice.slug}/versionen")
    response = client.post(f"/praxis/{practice.slug}/versionen/1/wiederherstellen",
                           data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    restored = db.session.get(Practice, practice.id)
    assert restored.title == ENTRY["title"]
    assert [r.number for r in restored.revisions] == [1, 2, 3]
    assert "wiederhergestellt" in restored.revisions[-1].note


def test_expired_session_keeps_the_typed_entry(client, login, representative, app):
    login(representative)
    token = csrf_token_from(client, "/praxis/neu")
    client.delete_cookie("session")  # the session ran out while writing
    typed = {**ENTRY, "csrf_token": token,
             "section_vorgehen": "Eine Stunde Arbeit, die nicht verloren geht."}
    response = client.post("/praxis/neu", data=typed)
    assert response.status_code == 302
    assert "/konto/anmelden" in response.headers["Location"]
    assert db.session.scalar(select(Practice)) is None
    from urllib.parse import parse_qs, urlsplit
    next_url = parse_qs(urlsplit(response.headers["Location"]).query)["next"][0]
    login(representative, next_url=next_url)
    form = client.get(next_url).get_data(as_text=True)
    assert "Eine Stunde Arbeit, die nicht verloren geht." in form
    assert ENTRY["title"] in form and "wiederhergestellt" in form


def test_csrf_is_refused_on_every_writing_form(client, login, representative):
    login(representative)
    post_entry(client)
    practice = db.session.scalar(select(Practice))
    for path in ("/praxis/neu", f"/praxis/{practice.slug}/bearbeiten",
                 f"/praxis/{practice.slug}/einreichen",
                 f"/praxis/{practice.slug}/versionen/1/wiederherstellen"):
        assert client.post(path, data={**ENTRY, "base_revision": "1"}).status_code == 400, path
    assert len(db.session.scalars(select(Practice)).all()) == 1


def test_new_form_prefills_the_contact_and_offers_similar_entries_on_preview(
        client, login, representative, demo_content):
    login(representative)
    form = client.get("/praxis/neu").get_data(as_text=True)
    assert 'value="vertretung@example.org"' in form and 'value="Test Person"' in form
    from app.practices.models import Practice as Model
    existing = db.session.scalars(select(Model).where(Model.visibility == "public")).first()
    preview = post_entry(client, title=existing.title, aktion="vorschau")
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "Gibt es schon" in html and f"/praxis/{existing.slug}" in html
    assert db.session.scalar(select(func.count(Model.id)).where(
        Model.publication == states.DRAFT)) == 0  # a preview saves nothing


def test_expired_session_keeps_a_typed_experience_report(
        client, login, create_user, write_practice, import_folder):
    import_folder(write_practice("vorbild-eintrag").parent)
    member = create_user(role="member")
    login(member)
    token = csrf_token_from(client, "/praxis/vorbild-eintrag/erfahrung")
    client.delete_cookie("session")
    response = client.post("/praxis/vorbild-eintrag/erfahrung", data={
        "body": "Bei uns lief es ganz ähnlich.", "outcome": "angepasst", "csrf_token": token})
    assert response.status_code == 302 and "/konto/anmelden" in response.headers["Location"]
    from urllib.parse import parse_qs, urlsplit
    next_url = parse_qs(urlsplit(response.headers["Location"]).query)["next"][0]
    login(member, next_url=next_url)
    form = client.get(next_url).get_data(as_text=True)
    assert "Bei uns lief es ganz ähnlich." in form


def test_a_web_edit_is_not_hidden_from_a_repeated_import(
        client, login, create_user, write_practice, import_folder, runner):
    path = write_practice("aus-datei", municipality="Markt Beispiel")
    import_folder(path.parent)
    login(create_user(role="organiser"))
    response = post_entry(client, "/praxis/aus-datei/bearbeiten", base_revision="1",
                          municipality="markt-beispiel", title="Im Web geändert")
    assert response.status_code == 302
    again = runner.invoke(args=["practices", "import", str(path.parent)])
    assert "1 geändert" in again.output  # the file is the curated source (SPEC §2)
    unchanged = runner.invoke(args=["practices", "import", str(path.parent)])
    assert "1 unverändert" in unchanged.output


# --- findings of a new-user trial --------------------------------------------------------

def test_the_empty_similar_box_renders_nothing_until_it_has_content(client, login,
                                                                     representative):
    """Before, whitespace inside the box beat .similar-box:empty: a yellow strip showed."""
    login(representative)
    form = client.get("/praxis/neu").get_data(as_text=True)
    box = re.search(r'<div id="gibt-es-schon" class="similar-box"[^>]*>(.*?)</div>', form, re.S)
    assert box and box.group(1) == ""  # its texts for the script are data attributes


def test_preview_lands_at_the_preview_and_shows_title_summary_and_facts(
        client, login, representative):
    login(representative)
    form = client.get("/praxis/neu").get_data(as_text=True)
    buttons = re.findall(r'<button type="submit" name="aktion" value="vorschau"[^>]*>', form)
    assert len(buttons) == 2 and all('formaction="/praxis/neu#vorschau"' in b for b in buttons)
    assert 'class="flash preview-notice"' not in form  # nothing to point at yet

    response = post_entry(client, aktion="vorschau")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    notice = re.search(r'<p class="flash preview-notice">(.*?)</p>', html, re.S).group(1)
    assert "gespeichert ist noch nichts" in notice and 'href="#vorschau"' in notice
    preview = re.search(r'<section class="preview".*?</section>', html, re.S).group(0)
    assert 'id="vorschau"' in preview
    assert f'<span class="visually-hidden">Titel: </span>{ENTRY["title"]}' in preview
    assert ENTRY["summary"] in preview
    facts = dict(re.findall(r"<dt>([^<]+)</dt><dd>(.*?)</dd>", preview, re.S))
    assert facts["Kommune"] == "Markt Beispiel" and facts["Stand"] == "Umgesetzt"
    assert facts["Seit"] == "2021" and facts["Kosten"] == "4.500&nbsp;€"
    assert facts["Aufwand für die Verwaltung"] == "gering"
    assert "Vorbild sein" in facts["Hebel"] and "Natur" in facts["Handlungsfelder"]
    assert "<h2>Ausgangslage</h2>" in preview or "Ausgangslage</h2>" in preview
    # Every typed field is still in the form.
    assert f'value="{ENTRY["title"]}"' in html and 'value="4.500"' in html
    assert ENTRY["section_vorgehen"] in html.split('<section class="preview"')[0]


def test_preview_with_a_problem_links_from_the_preview_to_the_messages(
        client, login, representative):
    login(representative)
    html = post_entry(client, aktion="vorschau", started="20x1").get_data(as_text=True)
    preview = re.search(r'<section class="preview".*?</section>', html, re.S).group(0)
    assert "Vor dem Speichern ist noch 1 Angabe zu prüfen." in preview
    assert 'href="#fehlerliste"' in preview and 'id="fehlerliste"' in html


def test_history_tells_versions_of_one_day_apart_by_their_time_in_berlin(
        client, login, representative):
    from datetime import datetime

    login(representative)
    post_entry(client)
    practice = db.session.scalar(select(Practice))
    for number in (2, 3):
        post_entry(client, f"/praxis/{practice.slug}/bearbeiten", base_revision=str(number - 1),
                   note=f"Änderung {number}", summary=f"{ENTRY['summary']} ({number})")
    revisions = db.session.scalars(select(Revision).order_by(Revision.number)).all()
    # Stored in UTC: 7:05, 12:40 and 22:30 on 1 July 2024 (summer time in Berlin: +2 h).
    for revision, hour, minute in zip(revisions, (7, 12, 22), (5, 40, 30), strict=True):
        revision.created_at = datetime(2024, 7, 1, hour, minute)
    db.session.commit()
    html = client.get(f"/praxis/{practice.slug}/versionen").get_data(as_text=True)
    assert '<time datetime="2024-07-01T07:05:00Z">1. Juli 2024, 09:05\u00a0Uhr</time>' in html
    assert "1. Juli 2024, 14:40\u00a0Uhr" in html
    assert "2. Juli 2024, 00:30\u00a0Uhr" in html  # already the next day in Berlin
    header = re.search(r"<thead.*?</thead>", html, re.S).group(0)
    assert re.findall(r'role="columnheader">([^<]+)<', header)[:3] == ["Version", "von", "bis"]


def _adoption_options(html: str) -> list[tuple[str, str, bool]]:
    """The 'Übernommen von' checkboxes: (slug, label, ticked)."""
    return [(slug, label.strip(), bool(ticked)) for slug, ticked, label in re.findall(
        r'name="adopted_from" value="([^"]+)"( checked)?>\s*<label[^>]*>([^<]+)</label>', html)]


def test_the_form_finds_other_towns_published_entries_to_adopt_from(
        client, login, representative, write_practice, import_folder, tmp_path):
    """'Übernommen von': a search in the form (no list of every entry) offers published
    entries of other municipalities, named with their town, never the own ones; a ticked
    one is saved, and an address pasted into the search finds its entry too."""
    write_practice("dorfladen", title="Dorfladen mit Café", municipality="Gemeinde Nachbarort")
    write_practice("dorfladen-zwei", title="Zweiter Dorfladen", municipality="Markt Beispiel")
    write_practice("radweg", title="Radweg zur Schule", municipality="Stadt Drüben")
    import_folder(tmp_path / "files")
    login(representative)
    assert _adoption_options(client.get("/praxis/neu").get_data(as_text=True)) == []

    searched = post_entry(client, aktion="uebernahme-suchen", adopted_from_query="Dorfläden")
    assert searched.status_code == 200
    html = searched.get_data(as_text=True)
    assert _adoption_options(html) == [("dorfladen", "Dorfladen mit Café (Gemeinde Nachbarort)",
                                        False)]
    assert "Blühwiesen statt Rasen am Bauhof" in html  # everything typed is kept
    assert db.session.scalar(select(func.count(Practice.id)).where(
        Practice.publication == states.DRAFT)) == 0  # searching saves nothing

    pasted = post_entry(client, aktion="uebernahme-suchen",
                        adopted_from_query="https://example.org/praxis/radweg")
    assert _adoption_options(pasted.get_data(as_text=True)) == [
        ("radweg", "Radweg zur Schule (Stadt Drüben)", False)]

    forgotten = post_entry(client, adopted_from_query="Dorfladen")  # searched, not ticked
    assert forgotten.status_code == 422
    assert "Bitte haken Sie an" in forgotten.get_data(as_text=True)

    assert post_entry(client, adopted_from=["dorfladen"],
                      adopted_from_query="Dorfladen").status_code == 302
    saved = db.session.scalar(select(Practice).where(Practice.publication == states.DRAFT))
    assert saved.adopted_from == ["dorfladen"]
    edit = client.get(f"/praxis/{saved.slug}/bearbeiten").get_data(as_text=True)
    assert _adoption_options(edit) == [("dorfladen", "Dorfladen mit Café (Gemeinde Nachbarort)",
                                        True)]


def test_only_visible_published_entries_of_other_towns_can_be_named_as_adopted(
        app, client, login, representative, create_user, write_practice, import_folder,
        tmp_path):
    """Posting 'adopted_from' by hand is checked on the server like the search offers it:
    no other town's draft, no own entry, no unknown address; names an imported file gave
    earlier stay when the entry is edited."""
    write_practice("dorfladen", title="Dorfladen", municipality="Gemeinde Nachbarort")
    write_practice("eigenes", title="Eigenes Projekt", municipality="Markt Beispiel")
    path = write_practice("alt", title="Alter Eintrag", municipality="Markt Beispiel")
    path.write_text(path.read_text().replace("status: umgesetzt",
                                             "status: umgesetzt\nadopted_from: [noch-nicht-da]"))
    import_folder(tmp_path / "files")
    other = app.test_client()
    neighbour = create_user(role="representative", municipality="Gemeinde Nachbarort")
    other.post("/konto/anmelden", data={"email": neighbour.email,
                                         "password": "ein sehr langes Testpasswort",
                                         "csrf_token": csrf_token_from(other, "/konto/anmelden")})
    post_entry(other, title="Entwurf der Nachbarn")  # a draft of another town
    draft = db.session.scalar(select(Practice.slug).where(Practice.publication == states.DRAFT))
    assert draft
    login(representative)

    for refused in ("eigenes", "gibt-es-nicht", draft):
        response = post_entry(client, adopted_from=["dorfladen", refused])
        assert response.status_code == 422, refused
        assert f"nicht: {refused}" in response.get_data(as_text=True)
    assert post_entry(client, adopted_from=["dorfladen"]).status_code == 302

    form = client.get("/praxis/alt/bearbeiten").get_data(as_text=True)
    assert ("noch-nicht-da", "noch-nicht-da", True) in _adoption_options(form)
    kept = post_entry(client, "/praxis/alt/bearbeiten", base_revision="1", title="Alter Eintrag",
                      adopted_from=["noch-nicht-da", "dorfladen"])
    assert kept.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Practice.adopted_from).where(Practice.slug == "alt")) == [
        "noch-nicht-da", "dorfladen"]


def test_a_search_under_adopted_from_is_never_dropped_silently(
        client, login, representative, write_practice, import_folder, tmp_path):
    """Saving with words in the search box: refused with a message until one of the found
    entries is ticked or the box is emptied, also when another entry is ticked already;
    a preview only lists what was found."""
    write_practice("dorfladen", title="Dorfladen", municipality="Gemeinde Nachbarort")
    write_practice("radweg", title="Radweg zur Schule", municipality="Stadt Drüben")
    import_folder(tmp_path / "files")
    login(representative)
    preview = post_entry(client, aktion="vorschau", adopted_from=["dorfladen"],
                         adopted_from_query="Radweg")
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "Bitte haken Sie an" not in html
    assert ("radweg", "Radweg zur Schule (Stadt Drüben)", False) in _adoption_options(html)

    unticked = post_entry(client, adopted_from=["dorfladen"], adopted_from_query="Radweg")
    assert unticked.status_code == 422
    assert "Bitte haken Sie an" in unticked.get_data(as_text=True)
    nothing = post_entry(client, adopted_from_query="Zebrastreifenquartett")
    assert nothing.status_code == 422
    assert "passt kein Eintrag" in nothing.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Practice.id)).where(
        Practice.publication == states.DRAFT)) == 0
    assert post_entry(client, adopted_from=["dorfladen", "radweg"],
                      adopted_from_query="Radweg").status_code == 302


def test_a_save_while_the_edit_form_is_read_is_never_overwritten(
        app, client, login, representative):
    """The form's text is never older than its revision number (a lost write on PostgreSQL).

    Another person saves at the worst moment: after the form has read the entry and just
    before it reads the revision number. Saving the form must then keep that save (or be
    refused as stale); it must not silently overwrite it.
    """
    from sqlalchemy import event
    from werkzeug.datastructures import MultiDict

    from benchmarks.load import FormParser, append_sentence

    login(representative)
    post_entry(client)
    practice = db.session.scalar(select(Practice))
    path = f"/praxis/{practice.slug}/bearbeiten"
    other = app.test_client()
    other.post("/konto/anmelden", data={"email": representative.email,
                                         "password": "ein sehr langes Testpasswort",
                                         "csrf_token": csrf_token_from(other, "/konto/anmelden")})
    theirs = {**ENTRY, "csrf_token": csrf_token_from(other, path), "base_revision": "1",
              "section_vorgehen": "Dazwischen gespeichert."}
    saved_between = []

    def save_in_between(_conn, _cursor, statement, *_args):
        if not saved_between and "FROM revision" in statement and "DESC" in statement:
            saved_between.append("saving")  # the save's own statements must not come here
            saved_between[0] = other.post(path, data=theirs).status_code

    event.listen(db.engine, "before_cursor_execute", save_in_between)
    try:
        html = client.get(path).get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", save_in_between)
    assert saved_between == [302]

    form = next(f for f in FormParser.parse(html)
                if any(name == "base_revision" for name, _ in f["fields"]))
    mine = client.post(path, data=MultiDict(append_sentence(form["fields"], "Mein Nachtrag.")))
    assert mine.status_code in (302, 409)
    db.session.expire_all()
    body = db.session.get(Practice, practice.id).body
    assert "Dazwischen gespeichert." in body
    assert ("Mein Nachtrag." in body) == (mine.status_code == 302)

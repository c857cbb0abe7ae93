"""The reading side in server-rendered HTML: home, search, entry, municipality, module,
workshop and feed pages, as anonymous readers and as signed-in members see them."""

import re
import xml.etree.ElementTree as ET

import pytest

ATOM = "{http://www.w3.org/2005/Atom}"


def html_of(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


@pytest.fixture
def entries(import_folder, write_practice):
    """Three entries: public with a contact, members-only, and one adopting the first."""
    write_practice(
        "solardach-schule", title="Solardach auf der Grundschule",
        municipality="Gemeinde Sonnfeld", population=4200, levers="vorbild, finanzieren-foerdern",
        topics="energie", modules="2, 3",
        body="Die Genossenschaft baut.\n\n## Stolpersteine und Tipps\n\nStatik früh prüfen.")
    write_practice(
        "geheimer-plan", title="Interner Hitzeplan", municipality="Stadt Kühlberg",
        population=12000, levers="organisieren-verankern", topics="klimaanpassung",
        modules="4", visibility="members")
    write_practice(
        "solardach-kita", title="Solardach auf der Kita", municipality="Markt Lichtenau",
        population=4800, levers="vorbild", topics="energie", modules="2")
    folder = write_practice().parent
    # Contact, costs and adoption are not in the conftest template: add them by hand.
    path = folder / "solardach-schule.md"
    text = path.read_text(encoding="utf-8").replace(
        "status: umgesetzt",
        "status: umgesetzt\nstarted: 2018\ncosts_eur: 120000\nfunding: Bürgerdarlehen\n"
        "effort: mittel\nsdgs: [7, 13]\nworkshops: [2019-11-07-modul-2]\nreviewed: 2020-03-01\n"
        "contact:\n  name: Erika Muster\n  role: Klimaschutzmanagerin\n"
        "  email: erika@example.org\n  phone: 09241 123")
    path.write_text(text, encoding="utf-8")
    kita = folder / "solardach-kita.md"
    kita.write_text(kita.read_text(encoding="utf-8").replace(
        "status: umgesetzt", "status: geplant\nadopted_from: [solardach-schule]"),
        encoding="utf-8")
    (folder / "testeintrag.md").unlink()
    return import_folder(folder)


# --- every page type -------------------------------------------------------------------

PAGES = ["/", "/suche", "/suche?q=Solardach", "/praxis/solardach-schule",
         "/praxis/solardach-schule/druck", "/kommunen", "/kommunen/gemeinde-sonnfeld",
         "/module", "/module/2", "/arbeitstreffen/2019-11-07-modul-2"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_german_titled_and_has_one_h1_and_landmarks(client, entries, path):
    html = html_of(client, path)
    assert '<html lang="de">' in html
    assert len(re.findall(r"<h1[ >]", html)) == 1
    assert re.search(r"<title>[^<]+ – Kommunen for future</title>", html)
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in html
    assert 'class="skip-link" href="#inhalt"' in html


@pytest.mark.parametrize("path", PAGES)
def test_pages_load_nothing_from_other_hosts_and_need_no_inline_code(client, entries, path):
    html = html_of(client, path)
    assert not re.search(r'<(script|link|img|iframe)[^>]+(src|href)="(https?:)?//', html)
    assert " style=" not in html and "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r" on[a-z]+=", html)


def test_page_titles_differ(client, entries):
    titles = {re.search(r"<title>(.*?)</title>", html_of(client, path)).group(1)
              for path in PAGES if "?" not in path}
    assert len(titles) == len([path for path in PAGES if "?" not in path])


# --- home ------------------------------------------------------------------------------

def test_home_has_search_entry_points_matrix_recent_and_picks_empty_state(client, entries):
    html = html_of(client, "/")
    assert 'role="search"' in html and 'name="q"' in html
    assert 'href="/suche?lever=vorbild"' in html
    assert 'href="/suche?topic=energie"' in html
    assert 'href="/module/2"' in html
    assert "<caption" in html and 'scope="col"' in html and 'scope="row"' in html
    # Two public entries have module 2 and lever "vorbild"; the cell says so and links there.
    cell = re.search(r'<a href="/suche\?module=2&amp;lever=vorbild">(\d+)<', html)
    assert cell and cell.group(1) == "2"
    assert "Solardach auf der Kita" in html
    assert "noch keine Auswahl getroffen" in html


def test_home_counts_ignore_members_only_entries_for_anonymous(client, entries, create_user,
                                                                login):
    anonymous = html_of(client, "/")
    assert "Interner Hitzeplan" not in anonymous
    cell = re.search(r'<a href="/suche\?module=4&amp;lever=organisieren-verankern">(\d+)<',
                     anonymous)
    assert cell.group(1) == "0"
    login(create_user())
    member = html_of(client, "/")
    cell = re.search(r'<a href="/suche\?module=4&amp;lever=organisieren-verankern">(\d+)<',
                     member)
    assert cell.group(1) == "1"


def test_home_without_entries_shows_empty_states(client):
    html = html_of(client, "/")
    assert "Noch keine Lösungsansätze veröffentlicht." in html


# --- practice page ---------------------------------------------------------------------

def test_practice_page_shows_entry_metadata_and_relations(client, entries):
    html = html_of(client, "/praxis/solardach-schule")
    assert "<h1" in html and "Solardach auf der Grundschule" in html
    for text in ("Gemeinde Sonnfeld", "4.200 Einw.", "2.000 – 5.000 Einw.", "Umgesetzt",
                 "2018", "120.000\u00a0€", "Bürgerdarlehen", "mittel", "Vorbild sein",
                 "Energie und Wärme", "Modul 2", "SDG 7", "1. März 2020",
                 "Stolpersteine und Tipps", "Modul 2: Was kann vor Ort getan werden?"):
        assert text in html, text
    assert 'href="#stolpersteine-und-tipps"' in html  # table of contents
    assert 'href="/arbeitstreffen/2019-11-07-modul-2"' in html
    # adopted by: the Kita entry names this one in adopted_from
    assert "Diesen Ansatz haben übernommen" in html and "Solardach auf der Kita" in html
    assert 'href="/praxis/solardach-schule/druck"' in html
    assert 'href="/praxis/solardach-schule.md"' in html


def test_adopted_from_is_shown_on_the_adopting_entry(client, entries):
    html = html_of(client, "/praxis/solardach-kita")
    assert "Dieser Ansatz wurde übernommen von" in html
    assert 'href="/praxis/solardach-schule"' in html


def test_contact_details_only_for_signed_in_members(client, entries, create_user, login):
    anonymous = html_of(client, "/praxis/solardach-schule")
    assert "Erika Muster" in anonymous and "Klimaschutzmanagerin" in anonymous
    assert "erika@example.org" not in anonymous and "09241" not in anonymous
    assert "Kontaktdaten sehen angemeldete Mitglieder" in anonymous
    assert 'href="/konto/anmelden?next=/praxis/solardach-schule"' in anonymous
    login(create_user())
    member = html_of(client, "/praxis/solardach-schule")
    assert "mailto:erika@example.org" in member and "09241 123" in member


def test_members_only_and_unknown_entries_are_404_for_anonymous(client, entries, create_user,
                                                                  login):
    for path in ("/praxis/geheimer-plan", "/praxis/geheimer-plan/druck",
                 "/praxis/geheimer-plan.md", "/praxis/gibt-es-nicht"):
        assert client.get(path).status_code == 404, path
    login(create_user())
    assert client.get("/praxis/geheimer-plan").status_code == 200


def test_print_view_is_compact_and_names_the_source(client, entries):
    html = html_of(client, "/praxis/solardach-schule/druck")
    assert 'class="page-print"' in html
    assert "http://localhost/praxis/solardach-schule" in html
    assert "Eckdaten" in html and "Erika Muster" in html
    assert 'id="kopf-suche"' not in html
    assert "erika@example.org" not in html


def test_markdown_download_is_an_attachment_without_personal_data_for_anonymous(
        client, entries, create_user, login):
    response = client.get("/praxis/solardach-schule.md")
    assert response.status_code == 200
    assert response.mimetype == "text/markdown"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="solardach-schule.md"')
    text = response.get_data(as_text=True)
    assert text.startswith("---\ntitle: Solardach auf der Grundschule")
    assert "Erika Muster" in text and "erika@example.org" not in text and "09241" not in text
    login(create_user())
    assert "erika@example.org" in client.get("/praxis/solardach-schule.md").get_data(
        as_text=True)


# --- municipalities, modules, workshops ------------------------------------------------

def test_municipality_list_and_profile(client, entries):
    html = html_of(client, "/kommunen")
    assert 'href="/kommunen/gemeinde-sonnfeld"' in html and "<caption" in html
    profile = html_of(client, "/kommunen/gemeinde-sonnfeld")
    assert "Gemeinde Sonnfeld" in profile and "4.200 Einw." in profile
    assert "2.000 – 5.000 Einw." in profile
    assert 'href="/praxis/solardach-schule"' in profile
    assert 'href="/suche?like=gemeinde-sonnfeld"' in profile
    assert "Interner Hitzeplan" not in html_of(client, "/kommunen/stadt-kuehlberg")
    assert client.get("/kommunen/nirgendwo").status_code == 404


def test_module_page_shows_question_workshops_entries(client, entries):
    html = html_of(client, "/module/2")
    assert "Welche Hebel und Instrumente haben wir in der Hand?" in html
    assert "7. November 2019" in html
    assert 'href="/arbeitstreffen/2019-11-07-modul-2"' in html
    assert "Solardach auf der Grundschule" in html and "Solardach auf der Kita" in html
    assert "noch keine Auswahl getroffen" in html
    assert "Interner Hitzeplan" not in html_of(client, "/module/4")
    assert client.get("/module/9").status_code == 404
    assert "Modul 4: Wandel organisieren" in html_of(client, "/module")


def test_workshop_page_shows_date_and_discussed_entries(client, entries):
    html = html_of(client, "/arbeitstreffen/2019-11-07-modul-2")
    assert "7. November 2019" in html and "Solardach auf der Grundschule" in html
    assert "Solardach auf der Kita" not in html
    assert client.get("/arbeitstreffen/1999-01-01-modul-9").status_code == 404


# --- feeds -----------------------------------------------------------------------------

@pytest.mark.parametrize("path,expected", [
    ("/feeds/neu.atom", {"Solardach auf der Grundschule", "Solardach auf der Kita"}),
    ("/feeds/hebel/finanzieren-foerdern.atom", {"Solardach auf der Grundschule"}),
    ("/feeds/modul/3.atom", {"Solardach auf der Grundschule"}),
    ("/feeds/modul/4.atom", set()),
])
def test_atom_feeds_list_visible_new_entries(client, entries, path, expected):
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}id").text and feed.find(f"{ATOM}updated").text
    titles = {entry.find(f"{ATOM}title").text for entry in feed.findall(f"{ATOM}entry")}
    assert titles == expected
    for entry in feed.findall(f"{ATOM}entry"):
        assert entry.find(f"{ATOM}link").get("href").startswith("http://localhost/praxis/")


def test_unknown_feeds_are_404(client, entries):
    assert client.get("/feeds/hebel/unbekannt.atom").status_code == 404
    assert client.get("/feeds/modul/7.atom").status_code == 404


def test_error_page_is_german_and_offers_a_way_on(client):
    html = html_of(client, "/gibt-es-nicht", 404)
    assert "Seite nicht gefunden" in html and 'href="/suche"' in html


# --- search page -----------------------------------------------------------------------

def test_search_shows_hits_with_municipality_size_status_levers_and_highlight(client, entries):
    html = html_of(client, "/suche?q=Solardach")
    assert "2 Lösungsansätze gefunden" in html
    assert 'href="/praxis/solardach-schule"' in html and 'href="/praxis/solardach-kita"' in html
    assert "Gemeinde Sonnfeld" in html and "4.200 Einw." in html
    assert "2.000 – 5.000 Einw." in html and "Umgesetzt" in html and "Geplant" in html
    assert "Vorbild sein" in html
    assert "Interner Hitzeplan" not in html
    assert 'value="Solardach"' in html
    snippet = re.search(r'<p class="snippet">(.*?)</p>', html_of(client, "/suche?q=Statik"), re.S)
    assert "<mark>Statik</mark>" in snippet.group(1)


def test_facets_have_counts_combine_and_can_be_removed(client, entries):
    html = html_of(client, "/suche?q=Solardach")
    link = re.search(r'href="(/suche\?q=Solardach&amp;lever=finanzieren-foerdern)"', html)
    assert link, "facet link for a lever"
    filtered = html_of(client, link.group(1).replace("&amp;", "&"))
    assert "1 Lösungsansatz gefunden" in filtered
    assert "Solardach auf der Kita" not in filtered
    assert 'aria-current="true"' in filtered  # the chosen facet value is marked
    # The chip removes the filter again; a second field combines with AND.
    assert 'href="/suche?q=Solardach"' in filtered
    combined = html_of(client, "/suche?lever=vorbild&status=geplant")
    assert "1 Lösungsansatz gefunden" in combined and "Solardach auf der Kita" in combined
    either = html_of(client, "/suche?status=geplant&status=umgesetzt")
    assert "2 Lösungsansätze gefunden" in either


def test_search_without_results_gives_advice(client, entries):
    html = html_of(client, "/suche?q=Quxwyzblorf")
    assert "Keine Lösungsansätze gefunden." in html
    assert "Prüfen Sie die Schreibweise" in html


def test_bad_search_parameters_get_a_german_message_not_a_crash(client, entries):
    for path in ("/suche?sort=quatsch", "/suche?page=abc", "/suche?lever=gibts-nicht",
                 "/suche?q=" + "x" * 100_000):
        html = html_of(client, path, 400)
        assert "Bitte prüfen Sie Ihre Angaben" in html and 'id="suchbegriff"' in html


def test_search_paginates(client, entries):
    html = html_of(client, "/suche?per_page=1")
    assert "2 Lösungsansätze gefunden" in html
    assert 'rel="next"' in html and "page=2" in html
    second = html_of(client, "/suche?per_page=1&page=2")
    assert 'rel="prev"' in second and "Seite 2" in second


def test_search_offers_the_suggestion_of_the_service(client, entries, monkeypatch):
    from app.search import SearchResult, views

    monkeypatch.setattr(views, "search_practices", lambda request, viewer=None: SearchResult(
        total=0, page=1, per_page=20, hits=[], facets={}, suggestion="Solardach"))
    html = html_of(client, "/suche?q=Solardch")
    assert 'Meinten Sie <a href="/suche?q=Solardach">Solardach</a>?' in html


def test_like_mine_ranks_and_explains_similarity(client, entries):
    html = html_of(client, "/suche?q=Solardach&like=markt-lichtenau")
    assert '<option value="markt-lichtenau" selected>' in html
    assert "Ähnlichkeit zu Markt Lichtenau:" in html
    assert "ähnliche Größe" in html and "dieselbe Kommune" in html


def test_like_mine_defaults_to_the_signed_in_persons_municipality(client, entries, create_user,
                                                                  login):
    login(create_user(municipality="Markt Lichtenau"))
    html = html_of(client, "/suche?q=Solardach")
    assert '<option value="markt-lichtenau" selected>' in html
    assert "ähnliche Kommunen wie Markt Lichtenau zuerst" in html
    cleared = html_of(client, "/suche?q=Solardach&like=")
    assert "Ähnlichkeit zu" not in cleared
    # Members also find members-only entries.
    assert "Interner Hitzeplan" in html_of(client, "/suche?q=Hitzeplan")


def test_search_page_title_names_the_query(client, entries):
    html = html_of(client, "/suche?q=Solardach")
    assert "<title>Suche nach „Solardach“ – Kommunen for future</title>" in html


def test_practice_page_shows_published_experience_reports(client, entries):
    from sqlalchemy import select

    from app.extensions import db
    from app.markdown import render_markdown
    from app.municipalities.services import get_or_create_municipality
    from app.practices.models import ExperienceReport, Practice

    practice = db.session.scalar(select(Practice).where(Practice.slug == "solardach-schule"))
    other = get_or_create_municipality("Markt Lichtenau")
    for text, state in (("Bei uns klappte es auch.", "published"),
                        ("Noch nicht freigegeben.", "submitted")):
        db.session.add(ExperienceReport(practice=practice, municipality=other, body=text,
                                        body_html=str(render_markdown(text)), publication=state))
    db.session.commit()
    html = html_of(client, "/praxis/solardach-schule")
    assert "Bei uns klappte es auch." in html and 'href="/kommunen/markt-lichtenau"' in html
    assert "Noch nicht freigegeben." not in html


def test_search_filtered_by_lever_announces_its_feed(client, entries):
    html = html_of(client, "/suche?lever=vorbild")
    assert 'type="application/atom+xml"' in html and 'href="/feeds/hebel/vorbild.atom"' in html


def test_unknown_search_parameters_are_ignored(client, entries):
    html = html_of(client, "/suche?q=Solardach&_scheme=javascript&_external=1&foo=bar")
    assert "2 Lösungsansätze gefunden" in html
    assert "foo=bar" not in html and "_scheme" not in html


def test_home_offers_like_mine_preselected_for_signed_in_people(client, entries, create_user,
                                                                login):
    assert 'name="like"' in html_of(client, "/")
    login(create_user(municipality="Markt Lichtenau"))
    assert '<option value="markt-lichtenau" selected>' in html_of(client, "/")


def test_practice_page_leads_back_to_the_search_one_came_from(client, entries):
    html = client.get("/praxis/solardach-schule", headers={
        "Referer": "http://localhost/suche?q=Solardach&lever=vorbild"}).get_data(as_text=True)
    assert 'href="/suche?q=Solardach&amp;lever=vorbild">Suchergebnisse</a>' in html
    foreign = client.get("/praxis/solardach-schule", headers={
        "Referer": "http://evil.example/suche?q=x"}).get_data(as_text=True)
    assert "evil.example" not in foreign and "Suchergebnisse" not in foreign


# --- findings of a new-user trial --------------------------------------------------------

def test_home_like_mine_starts_with_no_municipality_chosen(client, entries):
    html = html_of(client, "/")
    select = re.search(r'<select id="start-wie-meine" name="like">(.*?)</select>', html, re.S)
    options = re.findall(r"<option[^>]*>[^<]*</option>", select.group(1))
    assert options[0] == '<option value="">– keine Kommune gewählt –</option>'
    assert " selected" not in select.group(1)
    # Sent as it is: the search page with every entry, nothing ranked by likeness.
    result = html_of(client, "/suche?like=")
    assert "2 Lösungsansätze gefunden" in result and "Ähnlichkeit zu" not in result
    assert '<option value="">– keine Kommune gewählt –</option>' in result


def test_home_matrix_names_the_modules_once_over_their_numbers(client, entries):
    html = html_of(client, "/")
    table = re.search(r'<table class="matrix">.*?</table>', html, re.S).group(0)
    assert '<th scope="colgroup" colspan="4" class="matrix-group">Modul</th>' in table
    assert re.search(r'<th scope="col" class="num-head"><abbr title="Modul 2: [^"]+">2</abbr>',
                     table)
    assert '<th scope="col" rowspan="2">Hebel</th>' in table


def test_likeness_to_a_town_not_listed_reads_ihrer_kommune(client, entries):
    html = html_of(client, "/suche?q=Solardach&like_population=4500&like_district=Bamberg")
    assert "Ähnlichkeit zu Ihrer Kommune:" in html
    assert "Ähnlichkeit zu Ihre Kommune" not in html


def test_a_page_past_the_end_says_so_instead_of_a_failed_search(client, entries):
    response = client.get("/suche?q=Solardach&page=99")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    status = re.search(r'<p id="suchstatus"[^>]*>(.*?)</p>', html, re.S).group(1).strip()
    assert status == "Seite 99 gibt es nicht – die Ergebnisse enden auf Seite 1."
    assert "konnte nicht ausgeführt werden" not in html
    assert '<a href="/suche?q=Solardach&amp;page=1">Zur letzten Seite (Seite 1)</a>' in html
    assert "<title>Diese Seite gibt es nicht – Suche nach „Solardach“" in html

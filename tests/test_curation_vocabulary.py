"""Vocabulary and municipalities in the organisers' area: levers and topics, the search's
synonym groups (reaching another process without a reindex), municipality facts, merging."""

import html
import json
import re
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import select

from app.accounts.models import SecurityEvent, User
from app.extensions import db
from app.municipalities.models import Municipality
from app.municipalities.redirects import MunicipalityRedirect
from app.practices.models import ExperienceReport, Practice
from app.search.models import SynonymGroup
from app.taxonomies.models import Lever, Topic
from tests.conftest import PROJECT_ROOT, count, csrf_token_from


@pytest.fixture
def organiser(create_user, login):
    user = create_user(role="organiser", name="Olga Organisatorin")
    login(user)
    return user


def post_form(client, path, data, form_path=None):
    token = csrf_token_from(client, form_path or path)
    return client.post(path, data={**data, "csrf_token": token})


def api_total(client, **params) -> int:
    return client.get("/api/v1/practices", query_string=params).get_json()["total"]


# --- levers and topics -------------------------------------------------------------------------

def test_renaming_a_lever_shows_the_new_name_on_the_entry_in_facets_and_in_search(
        app, client, organiser, write_practice, import_folder):
    import_folder(write_practice("schule-pv", title="Solardach der Schule",
                                 levers="vorbild").parent)
    assert "Vorbild sein" in client.get("/praxis/schule-pv").get_data(as_text=True)
    assert api_total(client, q="Leuchtturmkommune") == 0

    response = post_form(client, "/redaktion/vokabular/hebel/vorbild",
                         {"name": "Leuchtturmkommune sein", "description": "Eigene Gebäude"})
    assert response.status_code == 302

    entry = client.get("/praxis/schule-pv").get_data(as_text=True)
    assert "Leuchtturmkommune sein" in entry and "Vorbild sein" not in entry
    search_page = client.get("/suche").get_data(as_text=True)
    assert "Leuchtturmkommune sein" in search_page and "Vorbild sein" not in search_page
    assert api_total(client, q="Leuchtturmkommune") == 1  # the index has the new name
    assert api_total(client, lever="vorbild") == 1  # the slug stays
    lever = db.session.scalar(select(Lever).where(Lever.slug == "vorbild"))
    assert (lever.name, lever.description) == ("Leuchtturmkommune sein", "Eigene Gebäude")
    event = db.session.scalar(select(SecurityEvent).where(
        SecurityEvent.action == "lever_renamed"))
    assert event.details["old_name"] == "Vorbild sein"


def test_renaming_a_topic_keeps_its_slug(client, organiser):
    response = post_form(client, "/redaktion/vokabular/handlungsfeld/energie",
                         {"name": "Energie, Wärme und Strom"})
    assert response.status_code == 302
    topic = db.session.scalar(select(Topic).where(Topic.slug == "energie"))
    assert topic.name == "Energie, Wärme und Strom"
    assert "Energie, Wärme und Strom" in client.get("/redaktion/vokabular").get_data(as_text=True)


def test_a_new_lever_gets_a_slug_from_its_name_and_comes_last(client, organiser):
    response = post_form(client, "/redaktion/vokabular/hebel/neu",
                         {"name": "Wärme planen", "slug": "",
                          "description": "Kommunale Wärmeplanung"})
    assert response.status_code == 302
    lever = db.session.scalar(select(Lever).where(Lever.slug == "waerme-planen"))
    assert lever.name == "Wärme planen"
    assert lever.position > max(db.session.scalars(
        select(Lever.position).where(Lever.slug != "waerme-planen")))
    form = client.get("/praxis/neu").get_data(as_text=True)
    assert "Wärme planen" in form  # organisers can use it in an entry at once


@pytest.mark.parametrize("data, message", [
    ({"name": "", "slug": ""}, "Bitte geben Sie einen Namen an."),
    ({"name": "Vorbild sein", "slug": ""}, "Diesen Namen gibt es schon."),
    ({"name": "Neuer Hebel", "slug": "Großbuchstaben!"}, "Nur Kleinbuchstaben a–z"),
    ({"name": "Neuer Hebel", "slug": "vorbild"}, "Die Kurzform „vorbild“ ist schon vergeben."),
])
def test_a_bad_new_lever_is_refused_and_keeps_the_input(client, organiser, data, message):
    before = count(Lever)
    response = post_form(client, "/redaktion/vokabular/hebel/neu",
                         {**data, "description": "Meine Beschreibung"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and "Meine Beschreibung" in page and 'aria-invalid="true"' in page
    assert count(Lever) == before


def test_an_unknown_kind_or_term_is_404(client, organiser):
    assert client.get("/redaktion/vokabular/farbe/neu").status_code == 404
    assert client.get("/redaktion/vokabular/hebel/gibt-es-nicht").status_code == 404


# --- synonyms ----------------------------------------------------------------------------------

def test_the_synonym_list_is_seeded_from_the_shipped_file(client, organiser):
    groups = db.session.scalars(select(SynonymGroup).order_by(SynonymGroup.position)).all()
    assert len(groups) > 400
    assert groups[0].section == "Energie" and groups[0].terms.startswith("PV, Photovoltaik")
    page = client.get("/redaktion/synonyme").get_data(as_text=True)
    assert "# Energie" in page and "PV, Photovoltaik" in page


def test_the_organisers_navigation_links_the_synonyms(client, organiser):
    """Before, /redaktion/synonyme was only reachable through „Vokabular“."""
    queue = client.get("/redaktion").get_data(as_text=True)
    nav = re.search(r'<nav class="area-nav".*?</nav>', queue, re.S).group(0)
    assert '<a href="/redaktion/synonyme">Synonyme</a>' in nav
    assert nav.index("/redaktion/vokabular") < nav.index("/redaktion/synonyme")
    page = client.get("/redaktion/synonyme").get_data(as_text=True)
    assert '<a href="/redaktion/synonyme" aria-current="page">Synonyme</a>' in page


CHILD = textwrap.dedent("""
    import json, sys
    from app import create_app
    app = create_app(json.loads(sys.argv[1]))
    client = app.test_client()
    for line in sys.stdin:
        answer = client.get("/api/v1/practices", query_string={"q": line.strip()})
        print(json.dumps(answer.get_json()["total"]), flush=True)
""")


def test_a_synonym_added_reaches_another_running_process_without_reindex_or_restart(
        app, client, organiser, write_practice, import_folder):
    import_folder(write_practice("obst", title="Obst für alle", body=(
        "Jeden Herbst veranstalten wir eine Zwetschgenbörse am Rathaus.")).parent)
    config = {key: app.config[key] for key in (
        "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "SEARCH_INDEX_DIR", "UPLOAD_DIR")}
    config.update(TESTING=True, SEARCH_SYNC="off")
    child = subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(config)],
                             cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)

    def ask(query: str) -> int:
        child.stdin.write(query + "\n")
        child.stdin.flush()
        line = child.stdout.readline()
        assert line, "the other process stopped"
        return json.loads(line)

    try:
        assert ask("Zwetschgenbörse") == 1
        assert ask("Fruchttauschtag") == 0
        assert api_total(client, q="Fruchttauschtag") == 0
        response = post_form(client, "/redaktion/synonyme/gruppe",
                             {"gruppe": "Fruchttauschtag, Zwetschgenbörse"},
                             form_path="/redaktion/synonyme")
        assert response.status_code == 302
        assert api_total(client, q="Fruchttauschtag") == 1  # this process
        assert ask("Fruchttauschtag") == 1  # the other process, still running
    finally:
        _, errors = child.communicate(timeout=30)  # closes stdin: the child's loop ends
    assert child.returncode == 0, errors


def test_a_second_app_on_the_same_database_sees_an_edited_list(
        app, client, organiser, write_practice, import_folder, tmp_path):
    from app import create_app
    from tests.conftest import FreshContextClient, make_config

    import_folder(write_practice("obst", title="Obst für alle",
                                 body="Wir betreiben eine Zwetschgenbörse.").parent)
    other = create_app({**make_config(tmp_path / "other", app.config["SQLALCHEMY_DATABASE_URI"]),
                        "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
                        "SEARCH_SYNC": "off"})
    other.test_client_class = FreshContextClient
    reader = other.test_client()
    assert api_total(reader, q="Pflückzeit") == 0
    text = client.get("/redaktion/synonyme").get_data(as_text=True)
    assert "PV, Photovoltaik" in text
    listing = db.session.scalars(select(SynonymGroup.terms)).all()
    edited = "\n".join(listing) + "\n# Eigene\nPflückzeit, Zwetschgenbörse\n"
    response = post_form(client, "/redaktion/synonyme", {"synonyme": edited},
                         form_path="/redaktion/synonyme")
    assert response.status_code == 302
    assert api_total(reader, q="Pflückzeit") == 1
    assert db.session.scalar(select(SynonymGroup.section).where(
        SynonymGroup.terms == "Pflückzeit, Zwetschgenbörse")) == "Eigene"
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("text, message", [
    ("PV, Photovoltaik\nnur ein Wort\n", "Zeile 2: Eine Gruppe braucht mindestens zwei Ausdrücke"),
    ("a =>\n", "Zeile 1: Schreiben Sie „Wort => Ersatz, Ersatz“"),
])
def test_a_bad_synonym_list_is_refused_with_the_line_and_kept(client, organiser, text, message):
    before = count(SynonymGroup)
    response = post_form(client, "/redaktion/synonyme", {"synonyme": text})
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert message in page and text.splitlines()[0] in page
    assert count(SynonymGroup) == before


def test_a_single_word_is_not_a_synonym_group(client, organiser):
    response = post_form(client, "/redaktion/synonyme/gruppe", {"gruppe": "Einzelwort"},
                         form_path="/redaktion/synonyme")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "mindestens zwei Ausdrücke" in page and 'value="Einzelwort"' in page


# --- municipalities ----------------------------------------------------------------------------

def test_editing_a_municipalitys_facts_derives_the_region_and_updates_search(
        client, organiser, write_practice, import_folder):
    import_folder(write_practice("dorf", municipality="Gemeinde Testdorf",
                                 population=3000).parent)
    response = post_form(client, "/redaktion/kommunen/gemeinde-testdorf",
                         {"population": "1.500", "district": "Bayreuth"})
    assert response.status_code == 302
    municipality = db.session.scalar(select(Municipality).where(
        Municipality.slug == "gemeinde-testdorf"))
    assert (municipality.population, municipality.district, municipality.region) == \
        (1500, "Bayreuth", "Oberfranken")
    assert api_total(client, population_max=2000) == 1
    assert "1.500" in client.get("/kommunen/gemeinde-testdorf").get_data(as_text=True)


def test_a_bad_population_is_refused_with_the_input_kept(client, organiser, write_practice,
                                                        import_folder):
    import_folder(write_practice("dorf").parent)
    response = post_form(client, "/redaktion/kommunen/gemeinde-testdorf",
                         {"population": "sehr viele", "district": "Hof"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Bitte eine ganze Zahl" in page and 'value="sehr viele"' in page
    assert 'value="Hof"' in page


def test_merging_moves_entries_reports_and_accounts_and_redirects_the_old_address(
        client, organiser, create_user, write_practice, import_folder):
    folder = write_practice("alt-eins", title="Alter Eintrag", municipality="Pegnitz").parent
    write_practice("neu-eins", title="Neuer Eintrag", municipality="Stadt Pegnitz")
    import_folder(folder)
    source = db.session.scalar(select(Municipality).where(Municipality.name == "Pegnitz"))
    target = db.session.scalar(select(Municipality).where(Municipality.name == "Stadt Pegnitz"))
    rita = create_user(role="representative", municipality="Pegnitz", email="rita@example.org")
    report_on = db.session.scalar(select(Practice).where(Practice.slug == "neu-eins"))
    db.session.add(ExperienceReport(practice=report_on, municipality_id=source.id,
                                    author_id=rita.id, body="Haben wir auch gemacht."))
    db.session.commit()
    source_slug, target_id = source.slug, target.id
    assert api_total(client, municipality=target.slug) == 1

    response = post_form(client, "/redaktion/kommunen-zusammenfuehren", {
        "source": source_slug, "target": target.slug, "confirm": "y"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/kommunen/{target.slug}")

    assert db.session.scalar(select(Municipality).where(Municipality.slug == source_slug)) \
        is None
    assert set(db.session.scalars(select(Practice.municipality_id))) == {target_id}
    assert db.session.scalar(select(ExperienceReport.municipality_id)) == target_id
    assert db.session.get(User, rita.id).municipality_id == target_id
    assert db.session.get(MunicipalityRedirect, source_slug).municipality_id == target_id
    old = client.get(f"/kommunen/{source_slug}")
    assert old.status_code == 301 and old.headers["Location"].endswith(f"/kommunen/{target.slug}")
    assert "Alter Eintrag" in client.get(f"/kommunen/{target.slug}").get_data(as_text=True)
    assert api_total(client, municipality=target.slug) == 2  # the index knows the move
    assert api_total(client, q="Alter Eintrag Stadt Pegnitz") >= 1
    assert client.get("/kommunen/gibt-es-nicht").status_code == 404


@pytest.mark.parametrize("data, message", [
    ({"source": "gemeinde-testdorf", "target": "gemeinde-testdorf", "confirm": "y"},
     "Bitte wählen Sie zwei verschiedene Kommunen."),
    ({"source": "gemeinde-testdorf", "target": "markt-anderswo"},
     "Bitte bestätigen Sie das Zusammenführen."),
    ({"source": "gibt-es-nicht", "target": "markt-anderswo", "confirm": "y"},
     "Diese Kommune gibt es nicht."),
])
def test_a_bad_merge_is_refused_and_changes_nothing(client, organiser, write_practice,
                                                   import_folder, data, message):
    folder = write_practice("a", municipality="Gemeinde Testdorf").parent
    write_practice("b", municipality="Markt Anderswo")
    import_folder(folder)
    response = post_form(client, "/redaktion/kommunen-zusammenfuehren", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(Municipality) == 2 and count(MunicipalityRedirect) == 0

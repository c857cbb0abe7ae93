"""Merkliste, comparison and council draft (SPEC §7), as readers would use them."""

import io
import re

import pytest
from docx import Document
from sqlalchemy import select

from app.deciding.models import RememberedPractice
from app.extensions import db
from app.practices import states
from app.practices.models import Practice
from tests.conftest import count

SAME_ORIGIN = {"Origin": "http://localhost"}
PUBLIC = "beschaffungsrichtlinie-quellenstein"      # Markt Quellenstein, 6.300
BIG = "energiesparwettbewerb-kitas-rosenach"        # Stadt Rosenach am Lech, 18.700
OTHER = "mitfahrbank-ginsterbach"                   # Gemeinde Ginsterbach, 1.240
MEMBERS_ONLY = "hitzeaktionsplan-lauterfels"
MAYORS_TOWN = "markt-steinachried"                  # 4.200 inhabitants
HEADINGS = ["Betreff", "Sachverhalt", "Beschlussvorschlag", "Finanzielle Auswirkungen",
            "Auswirkungen auf Klima und Nachhaltigkeit", "Erfahrungen anderer Kommunen",
            "Quelle"]


def practice(slug: str) -> Practice:
    return db.session.scalar(select(Practice).where(Practice.slug == slug))


def page_token(client, path: str) -> str | None:
    """The CSRF token inside the Merken/Entfernen forms of a page, if it has one."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return match.group(1) if match else None


def press(client, slug, action="merken", headers=SAME_ORIGIN, token=None, **extra):
    """Press Merken/Entfernen as a browser without JavaScript would."""
    data = {"slug": slug, "aktion": action, **extra}
    if token:
        data["csrf_token"] = token
    return client.post("/merkliste", data=data, headers=headers)


def press_with_token(client, slug, action="merken", page=None):
    """Press the button on a page that carries a token (a session exists)."""
    return press(client, slug, action, token=page_token(client, page or f"/praxis/{slug}"))


def listed(client) -> list[str]:
    html = client.get("/merkliste").get_data(as_text=True)
    return re.findall(r'name="slug" value="([^"]+)" form="vergleich-auswahl"', html)


def draft(response) -> Document:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype.endswith("wordprocessingml.document")
    return Document(io.BytesIO(response.data))


def all_text(document: Document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    return "\n".join(parts)


def headings(document: Document) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == "Heading 1"]


# --- sessions: reading sets no cookie ----------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/suche?q=energie", f"/praxis/{PUBLIC}", "/merkliste",
                                  f"/vergleich?slug={PUBLIC}&slug={BIG}"])
def test_plain_reading_sets_no_cookie(client, demo_content, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    html = response.get_data(as_text=True)
    assert 'name="csrf_token"' not in html  # no token, hence no session, for a mere reader


def test_buttons_on_result_cards_and_entry_page(client, demo_content):
    search = client.get("/suche?q=energie").get_data(as_text=True)
    assert search.count('name="aktion" value="merken"') >= 2
    entry = client.get(f"/praxis/{PUBLIC}").get_data(as_text=True)
    assert f'id="merken-{PUBLIC}"' in entry and ">Merken<" in entry
    assert f"/praxis/{PUBLIC}/beschlussvorlage.docx" in entry


# --- the Merkliste without JavaScript --------------------------------------------------------

def test_anonymous_reader_remembers_and_removes_without_javascript(client, demo_content):
    first = press(client, PUBLIC, next="/suche?q=energie")
    assert first.status_code == 303
    assert first.headers["Location"].endswith(f"/suche?q=energie#merken-{PUBLIC}")
    assert "Set-Cookie" in first.headers  # remembering is the first reason for a cookie
    assert listed(client) == [PUBLIC]
    assert count(RememberedPractice) == 0  # in the session, not in any account

    entry = client.get(f"/praxis/{PUBLIC}").get_data(as_text=True)
    assert "Gemerkt" in entry and 'name="aktion" value="entfernen"' in entry
    assert "Merkliste (1)" in entry

    # From now on the session holds a token, and the usual Flask-WTF check applies.
    assert press(client, BIG).status_code == 400
    assert press_with_token(client, BIG).status_code == 303
    assert listed(client) == [PUBLIC, BIG]

    removed = press_with_token(client, PUBLIC, "entfernen", page="/merkliste")
    assert removed.status_code == 303 and removed.headers["Location"].endswith("/merkliste")
    assert listed(client) == [BIG]
    assert "ist nicht mehr auf Ihrer Merkliste" in client.get("/merkliste").get_data(
        as_text=True) or listed(client) == [BIG]


def test_the_flash_tells_what_happened(client, demo_content):
    response = press(client, PUBLIC, next=f"/praxis/{PUBLIC}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "ist auf Ihrer Merkliste" in page


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Referer": "https://evil.example/page"},
    {"Origin": "http://localhost", "Sec-Fetch-Site": "cross-site"},
    {},
])
def test_cross_site_post_without_token_is_refused(client, demo_content, headers):
    response = press(client, PUBLIC, headers=headers)
    assert response.status_code == 400
    assert "Formular" in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    assert listed(client) == []


def test_same_origin_referer_or_fetch_metadata_is_accepted(client, demo_content):
    assert press(client, PUBLIC, headers={"Referer": "http://localhost/suche"}).status_code == 303
    other = client.application.test_client()
    assert press(other, BIG, headers={"Sec-Fetch-Site": "same-origin",
                                      "Origin": "http://localhost"}).status_code == 303


def test_signed_in_cross_site_post_is_refused(client, demo_content, create_user, login):
    login(create_user())
    assert press(client, PUBLIC).status_code == 400  # a session: the token is required
    assert count(RememberedPractice) == 0


def test_bad_input_gets_clear_messages(client, demo_content):
    assert press(client, "gibt-es-nicht").status_code == 404
    assert "gibt es nicht" in press(client, "gibt-es-nicht").get_data(as_text=True)
    assert press(client, PUBLIC, action="loeschen").status_code == 400
    assert press(client, MEMBERS_ONLY).status_code == 404
    assert press(client, "x" * 500).status_code == 404


def test_redirect_goes_only_to_local_paths(client, demo_content):
    response = press(client, PUBLIC, next="//evil.example/x")
    assert response.headers["Location"].endswith("/merkliste")
    response = press(client, BIG, token=page_token(client, "/merkliste"),
                     next="https://evil.example/")
    assert response.headers["Location"].endswith("/merkliste")


def test_javascript_enhancement_gets_json(client, demo_content):
    response = press(client, PUBLIC, headers={**SAME_ORIGIN, "Accept": "application/json"})
    assert response.status_code == 200
    assert response.json["remembered"] is True and response.json["count"] == 1
    assert response.json["csrf_token"]


# --- account list and merge --------------------------------------------------------------

def test_signed_in_list_lives_in_the_account(client, demo_content, create_user, login):
    user = create_user()
    login(user)
    assert press_with_token(client, PUBLIC).status_code == 303
    assert press_with_token(client, MEMBERS_ONLY).status_code == 303
    assert count(RememberedPractice) == 2
    assert listed(client) == [PUBLIC, MEMBERS_ONLY]
    client.post("/konto/abmelden", data={"csrf_token": page_token(client, "/merkliste")})
    assert listed(client) == []  # the account's list is not in the anonymous session
    login(user)
    assert listed(client) == [PUBLIC, MEMBERS_ONLY]


def test_anonymous_list_is_merged_at_sign_in(client, demo_content, create_user, login):
    user = create_user()
    db.session.add(RememberedPractice(user_id=user.id, practice_id=practice(BIG).id))
    db.session.commit()
    press(client, PUBLIC)
    press_with_token(client, BIG)
    press_with_token(client, OTHER)
    login(user)
    assert listed(client) == [BIG, PUBLIC, OTHER]
    assert count(RememberedPractice) == 3  # no duplicate of BIG


def test_failed_sign_in_keeps_the_anonymous_list(client, demo_content, create_user, login):
    user = create_user()
    press(client, PUBLIC)
    login(user, password="falsches Passwort, sehr lang")
    assert listed(client) == [PUBLIC]
    assert count(RememberedPractice) == 0


def test_vanished_entries_disappear_silently(client, demo_content, create_user, login):
    press(client, PUBLIC)
    press_with_token(client, BIG)
    press_with_token(client, OTHER)
    practice(PUBLIC).publication = states.ARCHIVED
    practice(BIG).visibility = "members"
    db.session.delete(practice(OTHER))
    db.session.commit()
    response = client.get("/merkliste")
    assert response.status_code == 200
    assert listed(client) == []
    assert "Ihre Merkliste ist leer" in response.get_data(as_text=True)


def test_members_only_entry_vanishes_after_sign_out(client, demo_content, create_user, login):
    user = create_user()
    login(user)
    press_with_token(client, MEMBERS_ONLY)
    assert listed(client) == [MEMBERS_ONLY]
    client.post("/konto/abmelden", data={"csrf_token": page_token(client, "/merkliste")})
    assert client.get("/merkliste").status_code == 200
    assert listed(client) == []
    assert client.get("/merkliste.md").get_data(as_text=True).count("## ") == 0


def test_markdown_download_of_the_list(client, demo_content, create_user, login):
    press(client, PUBLIC)
    press_with_token(client, BIG)
    response = client.get("/merkliste.md")
    text = response.get_data(as_text=True)
    assert response.mimetype == "text/markdown" and "attachment" in response.headers[
        "Content-Disposition"]
    assert practice(PUBLIC).title in text and practice(BIG).title in text
    assert "### Ergebnisse und Wirkung" in text
    assert "@" not in text.replace("@example.org>", "")  # no e-mail for anonymous readers
    assert practice(PUBLIC).contact_email not in text

    login(create_user())
    press_with_token(client, PUBLIC)
    assert practice(PUBLIC).contact_email in client.get("/merkliste.md").get_data(as_text=True)


# --- comparison -------------------------------------------------------------------------

def test_comparison_shows_the_facts_side_by_side(client, demo_content):
    response = client.get(f"/vergleich?slug={PUBLIC}&slug={BIG}&slug={OTHER}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for slug in (PUBLIC, BIG, OTHER):
        assert practice(slug).title in html
    for label in ("Kommune", "Stand und seit wann", "Kosten", "Finanzierung",
                  "Aufwand für die Verwaltung", "Hebel", "Handlungsfelder",
                  "Ergebnisse und Wirkung", "Stolpersteine und Tipps", "Übertragbarkeit",
                  "Ansprechperson", "Besprochen bei"):
        assert f">{label}" in html, label
    assert "6.300" in html and "Landkreis Neumarkt in der Oberpfalz" in html
    assert "Alle 19 Stromverträge sind seit 2019 Ökostromverträge" in html  # first block
    assert "Jede Verwaltung kann mit Papier und Strom beginnen" in html
    assert "Fiktives Beispiel" not in html  # the first paragraph only, not the whole section
    # Costs differ: the row is marked with a class and a visible word, not colour alone.
    assert re.search(r'<tr class="fact-costs differs">\s*<th scope="row">Kosten '
                     r'<span class="differs-mark">', html)
    assert "unterschiedlich" in html
    assert practice(PUBLIC).contact_email not in html
    assert "Kontaktdaten sehen angemeldete Mitglieder" in html
    # One draft per column, covering the other alternatives.
    assert (f"/praxis/{PUBLIC}/beschlussvorlage.docx?alternative={BIG}&amp;alternative={OTHER}"
            in html)


def test_equal_rows_are_not_marked(client, demo_content):
    html = client.get(f"/vergleich?slug={PUBLIC}&slug=pv-schuldaecher-buergerenergie-quellenstein"
                      ).get_data(as_text=True)
    assert '<tr class="fact-municipality">' in html  # the same municipality


def test_comparison_shows_contact_details_to_members(client, demo_content, create_user, login):
    login(create_user())
    html = client.get(f"/vergleich?slug={PUBLIC}&slug={MEMBERS_ONLY}").get_data(as_text=True)
    assert practice(PUBLIC).contact_email in html
    assert practice(MEMBERS_ONLY).title in html


@pytest.mark.parametrize(("query", "status", "message"), [
    ("", 400, "mindestens zwei"),
    (f"slug={PUBLIC}", 400, "mindestens zwei"),
    (f"slug={PUBLIC}&slug={PUBLIC}", 400, "mindestens zwei"),
    ("&".join(f"slug={s}" for s in (PUBLIC, BIG, OTHER, MEMBERS_ONLY,
                                     "repair-cafe-ulmenhain")), 400, "höchstens vier"),
    (f"slug={PUBLIC}&slug=gibt-es-nicht", 404, "gibt-es-nicht"),
    (f"slug={PUBLIC}&slug={MEMBERS_ONLY}", 404, MEMBERS_ONLY),
    (f"slug={PUBLIC}&slug=%27%3B--%3Cscript%3E", 404, "&#39;;--&lt;script&gt;"),
])
def test_comparison_limits_get_clear_messages(client, demo_content, query, status, message):
    response = client.get(f"/vergleich?{query}")
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert message in html and "Zur Merkliste" in html


def test_comparison_removes_duplicates(client, demo_content):
    response = client.get(f"/vergleich?slug={PUBLIC}&slug={BIG}&slug={PUBLIC}")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('<th scope="col"><a href=') == 2


def test_merkliste_offers_comparison_of_its_entries(client, demo_content):
    press(client, PUBLIC)
    press_with_token(client, BIG)
    html = client.get("/merkliste").get_data(as_text=True)
    assert 'action="/vergleich"' in html and "Ausgewählte vergleichen" in html
    assert html.count("checked") == 2


# --- council draft ----------------------------------------------------------------------

def test_council_draft_for_the_mayors_town(client, demo_content):
    response = client.get(f"/praxis/{BIG}/beschlussvorlage.docx?fuer={MAYORS_TOWN}")
    document = draft(response)
    assert "attachment" in response.headers["Content-Disposition"]
    found = headings(document)
    assert [h for h in found if h in HEADINGS] == HEADINGS
    text = all_text(document)
    entry = practice(BIG)
    assert "Entwurf, bitte anpassen" in text
    assert "Markt Steinachried" in text and entry.title in text
    assert "Stadt Rosenach am Lech (18.700 Einwohner, Landkreis Augsburg) hat ab 2017 den " \
           "Ansatz „‚Energiedetektive‘" in text  # third person, German inner quotes
    assert len(document.tables) >= 2  # the entry's results table is a Word table
    assert "Referenzkommune 18.700 Einwohner, Ihre Kommune 4.200 Einwohner" in text
    assert "14.000" in text and "nicht Zahlen von Markt Steinachried" in text
    assert f"{client.application.config['BASE_URL']}/praxis/{BIG}" in text
    assert "[" in text and "Beschlussvorschlag" in text
    assert entry.contact_email not in text
    assert entry.contact_name in text


def test_council_draft_holds_contact_details_for_members(client, demo_content, create_user,
                                                         login):
    login(create_user(municipality="Markt Steinachried"))
    text = all_text(draft(client.get(f"/praxis/{PUBLIC}/beschlussvorlage.docx")))
    assert practice(PUBLIC).contact_email in text
    assert "Markt Steinachried" in text  # the signed-in person's municipality by default
    assert "Referenzkommune 6.300 Einwohner, Ihre Kommune 4.200 Einwohner" in text


def test_council_draft_without_municipality_has_a_placeholder(client, demo_content):
    text = all_text(draft(client.get(f"/praxis/{PUBLIC}/beschlussvorlage.docx")))
    assert "[Name Ihrer Kommune]" in text
    assert "Größenvergleich" not in text


def test_council_draft_for_an_unknown_municipality_says_so(client, demo_content):
    response = client.get(f"/praxis/{PUBLIC}/beschlussvorlage.docx?fuer=nirgendwo")
    assert response.status_code == 400
    assert "„nirgendwo“ ist in der Wissensbasis nicht bekannt" in response.get_data(as_text=True)


def test_members_only_draft_is_404_for_anonymous_readers(client, demo_content):
    response = client.get(f"/praxis/{MEMBERS_ONLY}/beschlussvorlage.docx")
    assert response.status_code == 404
    assert "wordprocessingml" not in response.mimetype
    assert client.get("/praxis/gibt-es-nicht/beschlussvorlage.docx").status_code == 404


def test_draft_from_the_comparison_covers_the_alternatives(client, demo_content):
    url = (f"/praxis/{PUBLIC}/beschlussvorlage.docx?fuer={MAYORS_TOWN}"
           f"&alternative={BIG}&alternative={MEMBERS_ONLY}&alternative=gibt-es-nicht")
    document = draft(client.get(url))
    assert "Geprüfte Alternativen" in headings(document)
    text = all_text(document)
    assert "„‚Energiedetektive‘ – Energiesparwettbewerb in den städtischen Kitas“" in text
    assert practice(MEMBERS_ONLY).title not in text  # invisible alternatives are left out


def test_draft_names_experience_reports(client, demo_content):
    entry = practice(PUBLIC)
    document = draft(client.get(f"/praxis/{PUBLIC}/beschlussvorlage.docx"))
    text = all_text(document)
    reports = [r for r in entry.experience_reports if r.publication == "published"]
    if reports:
        assert reports[0].municipality.name in text
    else:
        assert "noch keine Erfahrungsberichte" in text
    assert "Stolpersteine und Tipps aus Markt Quellenstein" in text


def test_council_draft_shows_the_results_once(client, demo_content):
    """The first block of "Ergebnisse und Wirkung" stands under Sachverhalt; the climate
    section refers to it instead of repeating it (a new-user trial found the table twice)."""
    document = draft(client.get(f"/praxis/{BIG}/beschlussvorlage.docx?fuer={MAYORS_TOWN}"))
    tables = [tuple(cell.text for row in table.rows for cell in row.cells)
              for table in document.tables]
    assert len(tables) == len(set(tables))
    assert "Ergebnisse und Wirkung in Stadt Rosenach am Lech: siehe Sachverhalt" in all_text(
        document)

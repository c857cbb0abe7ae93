"""Members-only entries, visibly: the mark in lists and on the page, the explanation page
that anonymous readers get instead (the same for every slug, so nothing leaks), and the
hint on the search page that members find more."""

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.practices import states
from app.practices.models import Practice

SECRET_TITLE = "Interner Hitzeplan"
SECRET_SUMMARY = "Kühlräume und Trinkwasser für die Sommerwochen."
MARK = "Nur für Mitglieder"
EXPLANATION = "Dieser Lösungsansatz ist nicht öffentlich"
ENTRY_PAGES = ("/praxis/{slug}", "/praxis/{slug}/druck", "/praxis/{slug}.md")


@pytest.fixture
def entries(import_folder, write_practice):
    """A public entry, a members-only one and a draft of a third municipality."""
    write_practice("solardach-schule", title="Solardach auf der Grundschule",
                   municipality="Gemeinde Sonnfeld")
    write_practice("geheimer-plan", title=SECRET_TITLE, summary=SECRET_SUMMARY,
                   municipality="Stadt Kühlberg", visibility="members",
                   body="Nur intern: die Liste der Kühlräume.")
    folder = write_practice("halber-entwurf", title="Halber Entwurf",
                            municipality="Markt Lichtenau").parent
    import_folder(folder)
    draft = db.session.scalar(select(Practice).where(Practice.slug == "halber-entwurf"))
    draft.publication = states.DRAFT
    db.session.commit()


def page(client, path: str, status: int) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def without_slug(html: str, slug: str) -> str:
    """The page with the one thing it may echo, the requested address, taken out."""
    return html.replace(slug, "SLUG")


@pytest.mark.parametrize("template", ENTRY_PAGES)
def test_anonymous_reader_gets_an_explanation_with_sign_in_link_and_no_content(
        client, entries, template):
    path = template.format(slug="geheimer-plan")
    html = page(client, path, 404)
    assert EXPLANATION in html
    assert "nur nach der Anmeldung zu sehen" in html
    login_link = re.search(r'<a class="button" href="([^"]+)">Anmelden</a>', html)
    assert login_link and login_link.group(1) == "/konto/anmelden?next=" + path
    for secret in (SECRET_TITLE, SECRET_SUMMARY, "Kühlräume", "Stadt Kühlberg", MARK):
        assert secret not in html


@pytest.mark.parametrize("template", ENTRY_PAGES)
def test_unknown_slug_and_draft_give_exactly_the_same_page_to_anonymous_readers(
        client, entries, template):
    members_only = page(client, template.format(slug="geheimer-plan"), 404)
    for slug in ("gibt-es-nicht", "halber-entwurf"):
        other = page(client, template.format(slug=slug), 404)
        assert without_slug(other, slug) == without_slug(members_only, "geheimer-plan")


def test_sign_in_from_the_explanation_leads_back_to_the_entry(client, entries, create_user,
                                                             login):
    member = create_user()
    response = login(member, next_url="/praxis/geheimer-plan")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/praxis/geheimer-plan")
    html = page(client, "/praxis/geheimer-plan", 200)
    assert SECRET_TITLE in html and EXPLANATION not in html


def test_member_sees_the_entry_with_the_members_only_mark(client, entries, create_user, login):
    login(create_user())
    html = page(client, "/praxis/geheimer-plan", 200)
    assert f"<h1 id=\"seite-titel\">{SECRET_TITLE}</h1>" in html
    assert f'<span class="badge-members">{MARK}</span>' in html
    assert "Diesen Eintrag sehen nur angemeldete Mitglieder." in html
    printed = page(client, "/praxis/geheimer-plan/druck", 200)
    assert SECRET_TITLE in printed and MARK in printed
    public = page(client, "/praxis/solardach-schule", 200)
    assert MARK not in public


def test_signed_in_readers_get_a_plain_404_for_unknown_slugs_and_others_drafts(
        client, entries, create_user, login):
    login(create_user(role="representative", municipality="Stadt Kühlberg"))
    for slug in ("gibt-es-nicht", "halber-entwurf"):
        for template in ENTRY_PAGES:
            html = page(client, template.format(slug=slug), 404)
            assert "Seite nicht gefunden" in html and EXPLANATION not in html
            assert "Halber Entwurf" not in html


def test_the_api_still_answers_json_404_for_members_only_entries(client, entries):
    response = client.get("/api/v1/practices/geheimer-plan")
    assert response.status_code == 404 and response.is_json


def test_lists_mark_members_only_entries_for_members(client, entries, create_user, login):
    login(create_user())
    municipality = page(client, "/kommunen/stadt-kuehlberg", 200)
    assert MARK in municipality
    results = page(client, "/suche?q=Hitzeplan", 200)
    card = re.search(r'<li class="card hit">.*?</li>', results, re.S).group(0)
    assert SECRET_TITLE in card and MARK in card
    public_card = page(client, "/suche?q=Solardach", 200)
    assert "Solardach auf der Grundschule" in public_card and MARK not in public_card


def test_search_tells_anonymous_readers_once_and_without_a_number_that_members_see_more(
        client, entries, create_user, login):
    html = page(client, "/suche", 200)
    hint = re.findall(r'<p class="members-hint">(.*?)</p>', html, re.S)
    assert len(hint) == 1
    assert "Angemeldete Mitglieder finden weitere Lösungsansätze." in hint[0]
    assert "/konto/anmelden?next=" in hint[0]
    assert not re.search(r"\d", re.sub(r"<[^>]+>", "", hint[0]))
    assert SECRET_TITLE not in html
    assert html.count("members-hint") == 1
    login(create_user())
    assert "members-hint" not in page(client, "/suche", 200)


def test_no_hint_when_there_are_no_members_only_entries(client, import_folder, write_practice):
    import_folder(write_practice().parent)
    assert "members-hint" not in page(client, "/suche", 200)

"""Module curation: introduction, ordered collections, and where readers see them; the
freshness pages and the reminder command."""

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.curation.freshness import months_before, send_reminders, stale_practices
from app.curation.models import ModulePick, ReviewReminder
from app.extensions import db
from app.practices.models import Practice, Revision
from tests.conftest import csrf_token_from

ENTRIES = {
    "dorfladen": ("Genossenschaftlicher Dorfladen", "public"),
    "buergerbus": ("Bürgerbus mit Ehrenamtlichen", "public"),
    "ledlicht": ("LED-Straßenbeleuchtung", "public"),
    "intern": ("Interne Haushaltsrunde", "members"),
}


@pytest.fixture
def entries(write_practice, import_folder):
    """Four published entries of module 2, one of them for members only."""
    paths = [write_practice(slug, title=title, visibility=visibility, modules="2")
             for slug, (title, visibility) in ENTRIES.items()]
    import_folder(paths[0].parent)


@pytest.fixture
def organiser(create_user, login):
    user = create_user(role="organiser", name="Olga Organisation")
    login(user)
    return user


def post(client, path, data=None, page=None):
    token = csrf_token_from(client, page or "/redaktion/module/2")
    return client.post(path, data={"csrf_token": token, **(data or {})})


def add(client, slug, module=2):
    response = post(client, f"/redaktion/module/{module}/auswahl", {"slug": slug},
                    f"/redaktion/module/{module}")
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response


def order(module_number=2) -> list[str]:
    picks = db.session.scalars(select(ModulePick).join(ModulePick.module)
                               .where(ModulePick.module.has(number=module_number))
                               .order_by(ModulePick.position)).all()
    return [pick.practice.slug for pick in picks]


def pick_id(slug) -> int:
    return db.session.scalar(select(ModulePick.id).join(ModulePick.practice)
                             .where(Practice.slug == slug))


def titles_in(html: str, section_id: str) -> list[str]:
    """The entry titles of one section of a page, in page order."""
    start = html.index(f'id="{section_id}"')
    end = html.find("</section>", start)
    part = html[start:end]
    return [t for t in re.findall(r'class="card-title"><a href="/praxis/[^"]+">([^<]+)</a>', part)]


def test_add_move_up_and_down_and_remove(app, client, entries, organiser):
    for slug in ("dorfladen", "buergerbus", "ledlicht"):
        add(client, slug)
    assert order() == ["dorfladen", "buergerbus", "ledlicht"]

    post(client, f"/redaktion/module/2/auswahl/{pick_id('ledlicht')}/verschieben",
         {"richtung": "hoch"})
    assert order() == ["dorfladen", "ledlicht", "buergerbus"]
    post(client, f"/redaktion/module/2/auswahl/{pick_id('dorfladen')}/verschieben",
         {"richtung": "runter"})
    assert order() == ["ledlicht", "dorfladen", "buergerbus"]
    # At the ends nothing moves.
    post(client, f"/redaktion/module/2/auswahl/{pick_id('ledlicht')}/verschieben",
         {"richtung": "hoch"})
    post(client, f"/redaktion/module/2/auswahl/{pick_id('buergerbus')}/verschieben",
         {"richtung": "runter"})
    assert order() == ["ledlicht", "dorfladen", "buergerbus"]

    post(client, f"/redaktion/module/2/auswahl/{pick_id('dorfladen')}/entfernen")
    assert order() == ["ledlicht", "buergerbus"]
    assert [p.position for p in db.session.scalars(
        select(ModulePick).order_by(ModulePick.position))] == [0, 1]
    add(client, "dorfladen")
    assert order() == ["ledlicht", "buergerbus", "dorfladen"]


def test_the_page_offers_buttons_that_work_without_javascript(app, client, entries, organiser):
    add(client, "dorfladen")
    add(client, "buergerbus")
    html = client.get("/redaktion/module/2").get_data(as_text=True)
    assert 'value="runter" aria-label="Nach unten: Genossenschaftlicher Dorfladen"' in html
    assert 'value="hoch" aria-label="Nach oben: Bürgerbus mit Ehrenamtlichen"' in html
    assert 'aria-label="Zur Auswahl hinzufügen: LED-Straßenbeleuchtung"' in html
    assert "Zur Auswahl hinzufügen: Genossenschaftlicher Dorfladen" not in html  # already in
    assert "js/curation-order.js" in html
    found = client.get("/redaktion/module/2?q=bürgerbus").get_data(as_text=True)
    assert "Treffer für „bürgerbus“" in found


def test_drag_and_drop_order_is_one_post_and_must_name_every_pick(app, client, entries,
                                                                  organiser):
    for slug in ("dorfladen", "buergerbus", "ledlicht"):
        add(client, slug)
    ids = [pick_id(s) for s in ("ledlicht", "dorfladen", "buergerbus")]
    token = csrf_token_from(client, "/redaktion/module/2")
    response = client.post("/redaktion/module/2/reihenfolge",
                           data={"csrf_token": token, "reihenfolge": ids},
                           headers={"X-Requested-With": "fetch"})
    assert response.status_code == 204
    assert order() == ["ledlicht", "dorfladen", "buergerbus"]
    response = client.post("/redaktion/module/2/reihenfolge",
                           data={"csrf_token": token, "reihenfolge": ids[:2]})
    assert response.status_code == 422
    assert "Seite neu" in response.get_data(as_text=True)
    assert order() == ["ledlicht", "dorfladen", "buergerbus"]


def test_refused_additions_get_a_message(app, client, entries, organiser):
    add(client, "dorfladen")
    again = post(client, "/redaktion/module/2/auswahl", {"slug": "dorfladen"})
    assert again.status_code == 422
    assert "schon in der Auswahl" in again.get_data(as_text=True)
    unknown = post(client, "/redaktion/module/2/auswahl", {"slug": "gibt-es-nicht"})
    assert unknown.status_code == 422
    db.session.execute(db.update(Practice).where(Practice.slug == "ledlicht")
                       .values(publication="draft"))
    db.session.commit()
    draft = post(client, "/redaktion/module/2/auswahl", {"slug": "ledlicht"})
    assert draft.status_code == 422
    assert "Nur veröffentlichte Einträge" in draft.get_data(as_text=True)
    assert order() == ["dorfladen"]
    assert post(client, "/redaktion/module/9/auswahl", {"slug": "dorfladen"},
                "/redaktion/module/2").status_code == 404


def test_notes_and_introduction_are_kept_and_shown(app, client, entries, organiser):
    add(client, "buergerbus")
    post(client, f"/redaktion/module/2/auswahl/{pick_id('buergerbus')}/notiz",
         {"note": "Zeigt, wie Ehrenamt Lücken im ÖPNV schließt."})
    too_long = post(client, f"/redaktion/module/2/auswahl/{pick_id('buergerbus')}/notiz",
                    {"note": "x" * 1001})
    assert too_long.status_code == 422
    html = too_long.get_data(as_text=True)
    assert "höchstens 1000 Zeichen" in html and "x" * 1001 in html  # typed text kept
    post(client, "/redaktion/module/2/einfuehrung",
         {"introduction": "Hier geht es um **Hebel** vor Ort.\n\n<script>x</script>"})
    page = client.get("/module/2").get_data(as_text=True)
    assert "<strong>Hebel</strong>" in page and "<script>x" not in page
    assert "Zeigt, wie Ehrenamt Lücken im ÖPNV schließt." in page
    long_intro = post(client, "/redaktion/module/2/einfuehrung", {"introduction": "y" * 20_001})
    assert long_intro.status_code == 422 and "y" * 20_001 in long_intro.get_data(as_text=True)


def test_collections_appear_in_order_on_module_and_home_page(app, client, entries, organiser):
    for slug in ("ledlicht", "dorfladen", "buergerbus"):
        add(client, slug)
    add(client, "dorfladen", module=3)
    expected = ["LED-Straßenbeleuchtung", "Genossenschaftlicher Dorfladen",
                "Bürgerbus mit Ehrenamtlichen"]
    assert titles_in(client.get("/module/2").get_data(as_text=True), "auswahl") == expected
    home = client.get("/").get_data(as_text=True)
    assert titles_in(home, "auswahl-2") == expected
    assert titles_in(home, "auswahl-3") == ["Genossenschaftlicher Dorfladen"]
    assert "noch keine Auswahl getroffen" in home  # modules 1 and 4


def test_members_only_picks_are_not_shown_to_anonymous_readers(app, client, entries,
                                                               organiser):
    add(client, "intern")
    add(client, "dorfladen")
    assert titles_in(client.get("/module/2").get_data(as_text=True), "auswahl") == [
        "Interne Haushaltsrunde", "Genossenschaftlicher Dorfladen"]
    anonymous = app.test_client()
    assert titles_in(anonymous.get("/module/2").get_data(as_text=True), "auswahl") == [
        "Genossenschaftlicher Dorfladen"]
    home = anonymous.get("/").get_data(as_text=True)
    assert titles_in(home, "auswahl-2") == ["Genossenschaftlicher Dorfladen"]
    assert "Interne Haushaltsrunde" not in home


def test_an_archived_pick_disappears_for_readers_but_stays_listed_for_organisers(
        app, client, entries, organiser):
    add(client, "ledlicht")
    db.session.execute(db.update(Practice).where(Practice.slug == "ledlicht")
                       .values(publication="archived"))
    db.session.commit()
    assert titles_in(client.get("/module/2").get_data(as_text=True), "auswahl") == []
    assert "nicht mehr veröffentlicht" in client.get("/redaktion/module/2").get_data(
        as_text=True)


# --- Freshness -------------------------------------------------------------------------


def test_marking_an_entry_as_checked_records_a_revision_and_shows_the_date(
        app, client, entries, organiser):
    page = client.get("/praxis/dorfladen").get_data(as_text=True)
    assert "Als heute geprüft vermerken" in page
    response = post(client, "/redaktion/praxis/dorfladen/geprueft", page="/praxis/dorfladen")
    assert response.status_code == 303 and response.location.endswith("/praxis/dorfladen")
    practice = db.session.scalar(select(Practice).where(Practice.slug == "dorfladen"))
    db.session.refresh(practice)
    assert practice.reviewed == date.today()
    revision = db.session.scalars(select(Revision).where(Revision.practice_id == practice.id)
                                  .order_by(Revision.number.desc())).first()
    assert revision.note.startswith("Geprüft am")
    assert f"reviewed: {date.today().isoformat()}" in revision.content
    reader = app.test_client().get("/praxis/dorfladen").get_data(as_text=True)
    assert "Zuletzt geprüft" in reader and "noch nicht geprüft" not in reader
    assert "Als heute geprüft vermerken" not in reader
    assert client.get("/api/v1/practices/dorfladen").get_json()["reviewed"] == (
        date.today().isoformat())


def test_members_do_not_see_the_checked_button(app, client, entries, create_user, login):
    login(create_user(role="member"))
    assert "Als heute geprüft vermerken" not in client.get("/praxis/dorfladen").get_data(
        as_text=True)


def _set_reviewed(slug, day):
    db.session.execute(db.update(Practice).where(Practice.slug == slug).values(reviewed=day))
    db.session.commit()


def test_stale_list_oldest_first_and_never_checked_on_top(app, client, entries, organiser):
    today = date.today()
    _set_reviewed("dorfladen", months_before(today, 12))  # exactly 12 months: due
    _set_reviewed("buergerbus", months_before(today, 30))
    _set_reviewed("ledlicht", today - timedelta(days=300))  # fresh
    assert [p.slug for p in stale_practices(today)] == ["intern", "buergerbus", "dorfladen"]
    html = client.get("/redaktion/pruefung").get_data(as_text=True)
    positions = [html.index(ENTRIES[slug][0]) for slug in ("intern", "buergerbus", "dorfladen")]
    assert positions == sorted(positions)
    assert ENTRIES["ledlicht"][0] not in html
    response = post(client, "/redaktion/praxis/buergerbus/geprueft", {"zurueck": "liste"},
                    "/redaktion/pruefung")
    assert response.location.endswith("/redaktion/pruefung")
    assert "buergerbus" not in [p.slug for p in stale_practices(today)]


def test_months_before_handles_short_months():
    assert months_before(date(2024, 3, 31), 1) == date(2024, 2, 29)
    assert months_before(date(2025, 2, 28), 12) == date(2024, 2, 28)
    assert months_before(date(2024, 1, 15), 12) == date(2023, 1, 15)


def test_reminders_send_once_and_not_again_within_a_month(app, entries, create_user,
                                                          smtp_server, runner):
    today = date.today()
    for slug in ENTRIES:
        _set_reviewed(slug, today)
    _set_reviewed("dorfladen", None)
    _set_reviewed("buergerbus", months_before(today, 13))
    rep = create_user(role="representative", municipality="Gemeinde Testdorf",
                      email="vertretung@testdorf.example", name="Vera Vertretung")
    create_user(role="member", municipality="Gemeinde Testdorf", email="leser@testdorf.example")

    result = runner.invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines() == [
        "1 Erinnerungen verschickt (2 Einträge), 0 fehlgeschlagen, 0 erst kürzlich erinnert, "
        "0 ohne Vertreter*in."]  # not a terminal: only the summary
    smtp_server.wait()
    assert smtp_server.recipients == [[rep.email]]
    body = smtp_server.messages[0].get_content()
    assert "Genossenschaftlicher Dorfladen" in body and "Bürgerbus" in body
    assert "LED-Straßenbeleuchtung" not in body
    assert "/praxis/dorfladen" in body and "noch nie" in body

    again = runner.invoke(args=["reminders", "send"])
    assert "0 Erinnerungen verschickt" in again.output
    assert "2 erst kürzlich erinnert" in again.output
    assert len(smtp_server.messages) == 1

    # Three weeks later still nothing; a month after the first one, the next reminder.
    sent = db.session.scalar(select(ReviewReminder.sent_at))
    assert send_reminders(now=sent + timedelta(days=21)).mails_sent == 0
    assert send_reminders(now=sent + timedelta(days=32)).mails_sent == 1
    smtp_server.wait()
    assert len(smtp_server.messages) == 2


def test_reminders_count_entries_without_representative(app, entries, smtp_server):
    report = send_reminders(now=datetime(2030, 1, 1, 3, 0))
    assert report.mails_sent == 0 and report.entries_without_representative == 4
    assert db.session.scalar(select(ReviewReminder.practice_id)) is None


def test_a_module_page_lists_its_first_entries_and_sends_readers_to_the_search(
        app, client, entries, monkeypatch):
    """A module with hundreds of entries does not become one endless page: the first ones
    by title, the true count, and a link to the search filtered by the module."""
    from app.workshops import views

    monkeypatch.setattr(views, "MODULE_PAGE_ENTRIES", 2)
    html = client.get("/module/2").get_data(as_text=True)
    assert titles_in(html, "eintraege") == ["Bürgerbus mit Ehrenamtlichen",
                                            "Genossenschaftlicher Dorfladen"]
    assert "(3)" in html  # three public entries in module 2
    assert "die ersten 2 von 3" in html and 'href="/suche?module=2"' in html
    monkeypatch.setattr(views, "MODULE_PAGE_ENTRIES", 60)
    html = client.get("/module/2").get_data(as_text=True)
    assert len(titles_in(html, "eintraege")) == 3 and "die ersten" not in html

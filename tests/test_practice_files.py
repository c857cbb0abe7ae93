"""The practice file format (SPEC §2) and the import/export commands (SPEC §3)."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.municipalities.models import Municipality
from app.practices.models import Practice, Revision
from app.search.models import SearchChange
from app.timeutil import utcnow
from app.workshops.models import Workshop
from tests.conftest import BLIND_SET, DEMO_PRACTICES, count

FULL_ENTRY = """---
title: Bürgersolaranlage auf dem Dach der Grundschule
municipality: Stadt Hohenfeld
state: Bayern
district: Bayreuth
population: 13500
summary: >-
  Eine Energiegenossenschaft betreibt seit 2018 eine PV-Anlage auf dem Schuldach.
levers: [beteiligen-kooperieren, vorbild]
topics: [energie]
modules: [2, 3]
sdgs: [7, 13]
status: umgesetzt
started: 2018
costs_eur: 120000
funding: Bürgerdarlehen, Förderprogramm "Sonne"
contact:
  name: Erika Muster
  role: Klimaschutzmanagerin
  email: klimaschutz@example.org
workshops: [2019-11-07-modul-2]
links: [https://example.org/bericht.pdf]
visibility: members
effort: mittel
adopted_from: [anderer-eintrag]
reviewed: 2020-03-01
---
## Ausgangslage

Das Dach war frei.

| Jahr | kWh |
|---|---|
| 2019 | 95.000 |
"""


def run_import(runner, path):
    return runner.invoke(args=["practices", "import", str(path)])


def test_full_entry_imports_every_field(runner, tmp_path):
    (tmp_path / "buergersolar-hohenfeld.md").write_text(FULL_ENTRY, encoding="utf-8")
    result = run_import(runner, tmp_path / "buergersolar-hohenfeld.md")
    assert result.exit_code == 0, result.output
    assert "1 neu" in result.output
    practice = db.session.scalar(select(Practice).where(Practice.slug == "buergersolar-hohenfeld"))
    assert practice.publication == "published" and practice.published_at is not None
    assert practice.municipality.name == "Stadt Hohenfeld"
    assert practice.municipality.kind == "Stadt"
    assert practice.municipality.population == 13500
    # Written order is kept: the first lever is the main one (SPEC §2).
    assert [lever.slug for lever in practice.levers] == ["beteiligen-kooperieren", "vorbild"]
    assert [m.number for m in practice.modules] == [2, 3]
    assert practice.sdgs == [7, 13]
    assert practice.costs_eur == 120000 and practice.started == 2018
    assert practice.funding == 'Bürgerdarlehen, Förderprogramm "Sonne"'
    assert practice.contact_email == "klimaschutz@example.org"
    assert [w.slug for w in practice.workshops] == ["2019-11-07-modul-2"]
    assert practice.visibility == "members" and practice.effort == "mittel"
    assert practice.adopted_from == ["anderer-eintrag"]
    assert practice.reviewed.isoformat() == "2020-03-01"
    assert "<table>" in practice.body_html
    assert len(practice.revisions) == 1
    assert count(SearchChange) == 1


def test_second_import_changes_nothing(runner, app):
    assert run_import(runner, BLIND_SET / "practices").exit_code == 0
    revisions, changes = count(Revision), count(SearchChange)
    result = run_import(runner, BLIND_SET / "practices")
    assert result.exit_code == 0
    files = len(list((BLIND_SET / "practices").glob("*.md")))
    assert f"0 neu, 0 geändert, {files} unverändert" in result.output
    assert (count(Revision), count(SearchChange)) == (revisions, changes)


def test_changed_file_records_a_revision(runner, tmp_path):
    path = tmp_path / "eintrag.md"
    path.write_text(FULL_ENTRY, encoding="utf-8")
    run_import(runner, path)
    path.write_text(FULL_ENTRY.replace("Das Dach war frei.", "Das Dach war leer."),
                    encoding="utf-8")
    result = run_import(runner, path)
    assert "1 geändert" in result.output
    practice = db.session.scalar(select(Practice).where(Practice.slug == "eintrag"))
    assert [r.number for r in practice.revisions] == [1, 2]
    assert "Das Dach war frei." in practice.revisions[0].content
    assert "Das Dach war leer." in practice.revisions[1].content


def test_export_import_export_is_byte_identical(runner, make_app, tmp_path):
    assert run_import(runner, BLIND_SET / "practices").exit_code == 0
    assert run_import(runner, DEMO_PRACTICES).exit_code == 0
    first, second = tmp_path / "first", tmp_path / "second"
    assert runner.invoke(args=["practices", "export", str(first)]).exit_code == 0
    exported = count(Practice)
    other = make_app()  # an empty installation
    with other.app_context():
        other_runner = other.test_cli_runner()
        assert count(Practice) == 0
        assert run_import(other_runner, first).exit_code == 0
        assert other_runner.invoke(args=["practices", "export", str(second)]).exit_code == 0
    names = sorted(p.name for p in first.iterdir())
    assert len(names) == exported >= 50
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_lists_keep_their_written_order_through_import_and_export(runner, tmp_path):
    text = (FULL_ENTRY.replace("levers: [beteiligen-kooperieren, vorbild]",
                               "levers: [vorbild, analysieren, beteiligen-kooperieren]")
            .replace("topics: [energie]", "topics: [soziales, energie]")
            .replace("sdgs: [7, 13]", "sdgs: [13, 7]"))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "reihenfolge.md").write_text(text, encoding="utf-8")
    assert run_import(runner, tmp_path / "in").exit_code == 0
    practice = db.session.scalar(select(Practice).where(Practice.slug == "reihenfolge"))
    assert [lever.slug for lever in practice.levers] == [
        "vorbild", "analysieren", "beteiligen-kooperieren"]
    assert practice.sdgs == [13, 7]
    assert runner.invoke(args=["practices", "export", str(tmp_path / "out")]).exit_code == 0
    exported = (tmp_path / "out" / "reihenfolge.md").read_text(encoding="utf-8")
    assert "levers: [vorbild, analysieren, beteiligen-kooperieren]\n" in exported
    assert "topics: [soziales, energie]\n" in exported and "sdgs: [13, 7]\n" in exported
    again = run_import(runner, tmp_path / "out")
    assert "1 unverändert" in again.output


def test_publication_date_is_imported_exported_and_kept(runner, tmp_path):
    (tmp_path / "in").mkdir()
    dated = tmp_path / "in" / "datiert.md"
    dated.write_text(FULL_ENTRY.replace("---\n## Ausgangslage", "published: 2019-11-20\n---\n"
                                        "## Ausgangslage"), encoding="utf-8")
    undated = tmp_path / "in" / "undatiert.md"
    undated.write_text(FULL_ENTRY, encoding="utf-8")
    assert run_import(runner, tmp_path / "in").exit_code == 0
    by_slug = {p.slug: p for p in db.session.scalars(select(Practice))}
    assert by_slug["datiert"].published_at.date().isoformat() == "2019-11-20"
    first_import = by_slug["undatiert"].published_at
    assert first_import.date() == utcnow().date()
    assert runner.invoke(args=["practices", "export", str(tmp_path / "out")]).exit_code == 0
    assert "published: 2019-11-20\n" in (tmp_path / "out" / "datiert.md").read_text()
    # A file without the field keeps the date of its first import, and counts as unchanged.
    again = run_import(runner, tmp_path / "in")
    assert "2 unverändert" in again.output
    db.session.expire_all()
    assert db.session.get(Practice, by_slug["undatiert"].id).published_at == first_import


def test_newest_first_follows_the_publication_date(runner, client, tmp_path):
    (tmp_path / "in").mkdir()
    days = (("alt", "2019-03-01"), ("juengst", "2024-05-02"), ("mittel", "2021-07-03"))
    for slug, day in days:
        (tmp_path / "in" / f"{slug}.md").write_text(FULL_ENTRY.replace(
            "---\n## Ausgangslage", f"published: {day}\n---\n## Ausgangslage").replace(
            "visibility: members", "visibility: public"), encoding="utf-8")
    assert run_import(runner, tmp_path / "in").exit_code == 0
    from app import search
    search.apply_pending_changes()
    newest = client.get("/api/v1/practices?sort=newest").get_json()["results"]
    assert [hit["slug"] for hit in newest] == ["juengst", "mittel", "alt"]
    feed = client.get("/feeds/neu.atom").get_data(as_text=True)
    assert (feed.index("/praxis/juengst") < feed.index("/praxis/mittel")
            < feed.index("/praxis/alt"))
    assert "2019-03-01T" in feed


def test_a_slug_taken_by_a_page_is_refused(runner, write_practice):
    path = write_practice("neu")
    result = run_import(runner, path)
    assert result.exit_code == 1 and "reserviert" in result.output


def test_municipalities_match_by_exact_name(runner, write_practice):
    write_practice("a", municipality="Stadt Hohenfeld")
    path = write_practice("b", municipality="Hohenfeld")
    assert run_import(runner, path.parent).exit_code == 0
    names = set(db.session.scalars(select(Municipality.name)))
    assert {"Stadt Hohenfeld", "Hohenfeld"} <= names


def test_unknown_workshop_of_valid_form_is_created(runner, tmp_path):
    text = FULL_ENTRY.replace("[2019-11-07-modul-2]", "[2021-03-04-modul-4]")
    (tmp_path / "neuer-workshop.md").write_text(text, encoding="utf-8")
    assert run_import(runner, tmp_path).exit_code == 0
    workshop = db.session.scalar(select(Workshop).where(Workshop.slug == "2021-03-04-modul-4"))
    assert workshop.module.number == 4 and workshop.date.isoformat() == "2021-03-04"


BROKEN = [
    # (description, replace this, with this, field named in the message)
    ("missing title", "title: Bürgersolaranlage auf dem Dach der Grundschule\n", "", "title"),
    ("title too long", "title: Bürgersolaranlage auf dem Dach der Grundschule",
     "title: " + "x" * 201, "title"),
    ("missing municipality", "municipality: Stadt Hohenfeld\n", "", "municipality"),
    ("summary too long", "  Eine Energiegenossenschaft betreibt seit 2018 eine PV-Anlage "
     "auf dem Schuldach.", "  " + "Wort " * 130, "summary"),
    ("no lever", "levers: [beteiligen-kooperieren, vorbild]", "levers: []", "levers"),
    ("unknown lever", "levers: [beteiligen-kooperieren, vorbild]", "levers: [zaubern]", "levers"),
    ("unknown topic", "topics: [energie]", "topics: [raumfahrt]", "topics"),
    ("module out of range", "modules: [2, 3]", "modules: [5]", "modules"),
    ("sdg out of range", "sdgs: [7, 13]", "sdgs: [18]", "sdgs"),
    ("bad status", "status: umgesetzt", "status: fertig", "status"),
    ("year not a number", "started: 2018", "started: letztes Jahr", "started"),
    ("costs not a number", "costs_eur: 120000", "costs_eur: teuer", "costs_eur"),
    ("bad email", "klimaschutz@example.org", "keine-adresse", "contact.email"),
    ("contact role too long", "role: Klimaschutzmanagerin", "role: " + "x" * 201,
     "contact.role"),
    ("bad workshop slug", "[2019-11-07-modul-2]", "[modul-zwei]", "workshops"),
    ("javascript link", "[https://example.org/bericht.pdf]", "['javascript:alert(1)']", "links"),
    ("bad visibility", "visibility: members", "visibility: geheim", "visibility"),
    ("bad effort", "effort: mittel", "effort: riesig", "effort"),
    ("bad date", "reviewed: 2020-03-01", "reviewed: gestern", "reviewed"),
    ("unknown field", "effort: mittel", "effort: mittel\nfarbe: blau", "farbe"),
    ("broken yaml", "topics: [energie]", "topics: [energie", "Kopfdaten"),
    ("no front matter", "---\ntitle:", "title:", "Kopfdaten"),
]


@pytest.mark.parametrize(("case", "old", "new", "field"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_file_is_rejected_and_nothing_is_imported(runner, tmp_path, write_practice,
                                                         case, old, new, field):
    folder = tmp_path / "files"
    for number in range(3):
        write_practice(f"gut-{number}")
    assert old in FULL_ENTRY, case
    (folder / "kaputt.md").write_text(FULL_ENTRY.replace(old, new, 1), encoding="utf-8")
    municipalities = count(Municipality)
    result = run_import(runner, folder)
    assert result.exit_code == 1
    assert "kaputt.md" in result.output and field in result.output
    assert "nichts importiert" in result.output
    assert count(Practice) == 0 and count(SearchChange) == 0
    assert count(Municipality) == municipalities


def test_every_bad_file_is_reported(runner, tmp_path, write_practice):
    write_practice("eins", levers="zaubern")
    path = write_practice("zwei", status="fertig")
    result = run_import(runner, path.parent)
    assert result.exit_code == 1
    assert "eins.md" in result.output and "levers" in result.output
    assert "zwei.md" in result.output and "status" in result.output


def test_bad_file_name_and_oversized_file_are_rejected(runner, tmp_path, write_practice):
    write_practice("Gross_Geschrieben")
    big = write_practice("riesig", body="x" * 1_100_000)
    result = run_import(runner, big.parent)
    assert result.exit_code == 1
    assert "Gross_Geschrieben.md" in result.output and "riesig.md" in result.output


def test_failed_import_leaves_existing_entries_as_they_were(runner, write_practice):
    path = write_practice("bestand", title="Alter Titel")
    assert run_import(runner, path).exit_code == 0
    write_practice("bestand", title="Neuer Titel")
    write_practice("kaputt", status="fertig")
    assert run_import(runner, path.parent).exit_code == 1
    practice = db.session.scalar(select(Practice).where(Practice.slug == "bestand"))
    assert practice.title == "Alter Titel"
    assert len(practice.revisions) == 1


def test_demo_content_covers_every_lever_module_and_most_topics(demo_content):
    practices = db.session.scalars(select(Practice)).all()
    assert len(practices) >= 24
    assert {lever.slug for p in practices for lever in p.levers} >= {
        "vorbild", "beschaffen", "planen-regeln", "versorgen-anbieten", "finanzieren-foerdern",
        "beraten-motivieren", "beteiligen-kooperieren", "organisieren-verankern", "analysieren"}
    assert {m.number for p in practices for m in p.modules} == {1, 2, 3, 4}
    assert len({t.slug for p in practices for t in p.topics}) >= 8
    assert all(p.workshops for p in practices if p.modules)


def test_lenient_spellings_are_normalised_on_export(runner, tmp_path):
    text = (FULL_ENTRY.replace("topics: [energie]", "topics: energie")
            .replace("modules: [2, 3]", 'modules: ["3", 2]')
            .replace("started: 2018", 'started: "2018"'))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "locker.md").write_text(text, encoding="utf-8")
    assert run_import(runner, tmp_path / "in").exit_code == 0
    assert runner.invoke(args=["practices", "export", str(tmp_path / "out")]).exit_code == 0
    exported = (tmp_path / "out" / "locker.md").read_text(encoding="utf-8")
    assert "topics: [energie]\nmodules: [3, 2]\n" in exported
    assert "started: 2018\n" in exported


def test_an_import_in_worker_processes_stores_what_a_sequential_one_does(
        runner, make_app, tmp_path, monkeypatch):
    from app.practices import services

    sequential, parallel = tmp_path / "sequential", tmp_path / "parallel"
    assert run_import(runner, BLIND_SET / "practices").exit_code == 0
    assert runner.invoke(args=["practices", "export", str(sequential)]).exit_code == 0
    monkeypatch.setattr(services, "PARALLEL_IMPORT_FROM", 1)  # a pool for any import
    other = make_app()
    with other.app_context():
        other_runner = other.test_cli_runner()
        assert run_import(other_runner, BLIND_SET / "practices").exit_code == 0
        assert other_runner.invoke(args=["practices", "export", str(parallel)]).exit_code == 0
        assert count(Revision) == count(Practice) >= 25
    names = sorted(p.name for p in sequential.iterdir())
    assert names == sorted(p.name for p in parallel.iterdir())
    for name in names:
        assert (sequential / name).read_bytes() == (parallel / name).read_bytes(), name


def test_an_invalid_file_late_in_a_parallel_import_undoes_the_saved_ones(
        runner, tmp_path, write_practice, monkeypatch):
    from app.practices import services

    monkeypatch.setattr(services, "PARALLEL_IMPORT_FROM", 1)
    for number in range(40):
        path = write_practice(f"gut-{number:02d}", municipality=f"Neudorf {number}")
    write_practice("zz-kaputt", status="fertig")  # parsed after the good ones were saved
    municipalities = count(Municipality)
    result = run_import(runner, path.parent)
    assert result.exit_code == 1 and "zz-kaputt.md" in result.output
    assert count(Practice) == 0 and count(SearchChange) == 0 and count(Revision) == 0
    assert count(Municipality) == municipalities

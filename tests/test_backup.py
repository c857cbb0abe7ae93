"""Backup and restore of the whole knowledge base (SECURITY.md 23)."""

from sqlalchemy import select

from app.extensions import db
from app.practices.models import ExperienceReport, Practice
from app.practices.services import practice_file_text
from tests.conftest import BLIND_SET, count


def snapshot() -> dict:
    """What a user would compare: every entry as a file, reports, accounts."""
    from app.accounts.models import User

    return {
        "practices": {p.slug: practice_file_text(p) for p in db.session.scalars(select(Practice))},
        "revisions": sorted((r.practice.slug, r.number, r.content)
                            for p in db.session.scalars(select(Practice)) for r in p.revisions),
        "reports": sorted((r.practice.slug, r.body) for r in db.session.scalars(
            select(ExperienceReport))),
        "users": sorted((u.email, u.role, u.password_hash) for u in db.session.scalars(
            select(User))),
    }


def test_backup_restores_onto_an_empty_installation(app, runner, make_app, import_folder,
                                                    create_user, write_practice, tmp_path):
    import_folder(BLIND_SET / "practices")
    practice = db.session.scalars(select(Practice)).first()
    user = create_user(role="representative", municipality="Stadt Musterau")
    db.session.add(ExperienceReport(practice=practice, author=user, body="Bei uns auch!",
                                    municipality=user.municipality))
    db.session.commit()
    before = snapshot()
    archive = tmp_path / "sicherung.zip"
    result = runner.invoke(args=["backup", "create", str(archive)])
    assert result.exit_code == 0, result.output

    other = make_app()
    with other.app_context():
        result = other.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
        assert result.exit_code == 0, result.output
        assert snapshot() == before
        # New entries still get fresh ids after the restore.
        new_file = write_practice("nach-der-wiederherstellung")
        result = other.test_cli_runner().invoke(args=["practices", "import", str(new_file)])
        assert result.exit_code == 0, result.output
        assert count(Practice) == len(before["practices"]) + 1


def test_restore_refuses_a_non_empty_installation(app, runner, import_folder, tmp_path):
    import_folder(BLIND_SET / "practices")
    archive = tmp_path / "sicherung.zip"
    assert runner.invoke(args=["backup", "create", str(archive)]).exit_code == 0
    result = runner.invoke(args=["backup", "restore", str(archive)])
    assert result.exit_code == 1
    assert "leere Installation" in result.output
    assert count(Practice) == len(list((BLIND_SET / "practices").glob("*.md")))


def test_restore_rejects_a_file_that_is_no_backup(runner, tmp_path):
    bogus = tmp_path / "kaputt.zip"
    bogus.write_text("kein Archiv")
    result = runner.invoke(args=["backup", "restore", str(bogus)])
    assert result.exit_code == 1
    assert "keine Sicherung" in result.output

"""Schema migrations and seeding of the reference data."""

from sqlalchemy import inspect, select

from app import create_app
from app.accounts.models import User
from app.extensions import db
from app.seed import seed_reference_data
from app.taxonomies.models import Lever, Topic
from app.workshops.models import Module, Workshop
from tests.conftest import count, make_config


def test_init_migrates_an_empty_database_and_seeds(tmp_path, databases):
    app = create_app(make_config(tmp_path, databases.empty(tmp_path)))
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        assert {"practice", "municipality", "workshop", "revision", "experience_report",
                "search_change", "user_account", "alembic_version"} <= tables
        assert count(Lever) == 9
        assert count(Topic) == 11
        assert [m.number for m in db.session.scalars(select(Module).order_by(Module.number))] \
            == [1, 2, 3, 4]
        slugs = set(db.session.scalars(select(Workshop.slug)))
        assert {"2019-08-18-auftakt", "2019-08-14-modul-1", "2019-11-07-modul-2",
                "2020-02-13-modul-3", "2020-06-25-modul-4"} <= slugs
        assert count(User) == 0, "no default account may exist after installation"
        db.session.remove()
        db.engine.dispose()


def test_init_twice_changes_nothing(tmp_path, databases):
    app = create_app(make_config(tmp_path, databases.empty(tmp_path)))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    with app.app_context():
        before = (count(Lever), count(Topic), count(Module), count(Workshop))
    second = runner.invoke(args=["init"])
    assert second.exit_code == 0
    assert "0 Stammdaten ergänzt" in second.output
    with app.app_context():
        assert (count(Lever), count(Topic), count(Module), count(Workshop)) == before
        db.session.remove()
        db.engine.dispose()


def test_seeding_keeps_organiser_additions(app):
    db.session.add(Lever(slug="eigener-hebel", name="Eigener Hebel", position=99))
    db.session.commit()
    assert seed_reference_data() == 0
    assert count(Lever) == 10


def test_migrations_match_the_models(app):
    """Autogenerate finds nothing to do: every model change has a reviewed migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"render_as_batch": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_module_four_workshop_and_kick_off_place(app):
    kick_off = db.session.scalar(select(Workshop).where(Workshop.slug == "2019-08-18-auftakt"))
    assert kick_off.place == "Pegnitz" and kick_off.module is None

"""The search outbox stays small and loses nothing: pruning with several index folders, and
sequence numbers that PostgreSQL commits out of order (during a drain and a reindex)."""

import json
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import search
from app.extensions import db
from app.practices.models import Practice
from app.search import sync
from app.search.index import STATE_FILE, IndexStore
from app.search.models import SearchChange, SearchConsumer
from app.search.outbox import add_change, record_practice_change
from tests.conftest import ON_POSTGRES

postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="SQLite commits in sequence order")


@pytest.fixture
def every_drain_registers(monkeypatch):
    """Consumer rows are refreshed (and the outbox pruned) on every drain, not once a minute."""
    monkeypatch.setattr(sync, "CONSUMER_INTERVAL", 0.0)
    monkeypatch.setattr(sync, "PRUNE_AGE", timedelta(0))


def change(slug: str, summary: str) -> None:
    practice = db.session.scalar(select(Practice).where(Practice.slug == slug))
    practice.summary = summary
    record_practice_change(slug)
    db.session.commit()
    search.changes_committed()  # SEARCH_SYNC=inline: the app's own index applies it


def seqs() -> list[int]:
    return list(db.session.scalars(select(SearchChange.seq).order_by(SearchChange.seq)))


def drain(store: IndexStore) -> int:
    with Session(db.engine) as session:
        return sync.drain(store, session)


def up_to_date(store: IndexStore) -> bool:
    with Session(db.engine) as session:
        return sync.check(store, session).ok


def test_pruning_waits_for_every_index_folder(app, write_practice, import_folder, tmp_path,
                                              every_drain_registers):
    main = search.store_for_app(app)
    other = IndexStore(tmp_path / "second-host-index")  # another host's folder, same database
    assert drain(main) == 0 and drain(other) == 0  # both registered at the empty outbox
    for slug in ("hecke", "obst", "zisterne"):
        write_practice(slug, title=f"Eintrag {slug}")
    import_folder(tmp_path / "files")
    assert len(seqs()) == 3  # the other folder has not applied them yet
    assert drain(other) == 3 and up_to_date(other)
    drain(other)  # registers its final position; the outbox is pruned to the newest row
    last = seqs()[-1]
    assert seqs() == [last]

    for number in range(4):  # only the app's own index follows
        change("hecke", f"Heckenpflanzung Nummer {number}")
    assert main.read_state().seq == seqs()[-1]
    # the other folder still needs them all; the one it applied last may go now
    assert seqs() == list(range(last + 1, last + 5))
    assert not up_to_date(other)

    assert drain(other) == 4 and up_to_date(other)
    drain(main)
    change("obst", "Streuobstwiese am Schulweg")  # the main index registers and prunes
    remaining = seqs()
    assert len(remaining) <= 2 and remaining[-1] == last + 5
    consumers = dict(db.session.execute(select(SearchConsumer.name, SearchConsumer.seq)).all())
    assert consumers[sync.consumer_name(other, other.current_name())] == last + 4
    assert consumers[sync.PRUNED] == remaining[0] - 1

    # the newest row is never pruned, so SQLite never hands out a number twice
    drain(other)
    drain(main)
    change("zisterne", "Regenwasser")
    assert seqs()[-1] == last + 6 and up_to_date(main)


def test_rows_younger_than_an_hour_stay(app, write_practice, import_folder, tmp_path,
                                       monkeypatch):
    monkeypatch.setattr(sync, "CONSUMER_INTERVAL", 0.0)
    write_practice("hecke", title="Heckenpflanzung am Feldrand")
    import_folder(tmp_path / "files")
    change("hecke", "Hecken am Schulweg")
    change("hecke", "Hecken am Feldrand")
    assert len(seqs()) == 3  # applied by the only index, but young
    db.session.execute(SearchChange.__table__.update().values(
        created_at=SearchChange.created_at - timedelta(hours=2)))
    db.session.commit()
    change("hecke", "Hecken mit Schulklassen")
    assert len(seqs()) == 1  # the old ones went, the new one is the newest row
    assert up_to_date(search.store_for_app(app))


def test_a_folder_not_seen_for_long_is_forgotten_and_then_rebuilt(
        app, write_practice, import_folder, tmp_path, every_drain_registers, monkeypatch):
    other = IndexStore(tmp_path / "second-host-index")
    drain(other)
    write_practice("hecke", title="Heckenpflanzung am Feldrand")
    import_folder(tmp_path / "files")
    drain(other)
    stale = sync.consumer_name(other, other.current_name())
    db.session.execute(SearchConsumer.__table__.update().where(SearchConsumer.name == stale)
                       .values(seen_at=SearchConsumer.seen_at - sync.CONSUMER_TTL * 2))
    db.session.commit()
    change("hecke", "Hecken mit Schulklassen gepflanzt")
    change("hecke", "Hecken mit Vereinen gepflanzt")
    assert stale not in set(db.session.scalars(select(SearchConsumer.name)))
    # the rows it needed are gone: it says so instead of quietly missing the changes
    with pytest.raises(sync.IndexBehindOutbox, match="search reindex"):
        drain(other)
    monkeypatch.setitem(app.config, "SEARCH_INDEX_DIR", str(other.root))
    other_app_store = app.extensions["search"]
    app.extensions["search"] = other
    with pytest.raises(sync.IndexBehindOutbox):
        search.index_lag()  # /healthz answers 503
    result = app.test_cli_runner().invoke(args=["search", "worker", "--once"])
    app.extensions["search"] = other_app_store
    assert result.exit_code == 0, result.output
    assert "neu aufgebaut" in result.output
    other.invalidate()
    assert up_to_date(other)


def test_a_new_empty_folder_on_a_pruned_outbox_needs_a_reindex(
        app, write_practice, import_folder, tmp_path, every_drain_registers):
    write_practice("hecke", title="Heckenpflanzung am Feldrand")
    import_folder(tmp_path / "files")
    change("hecke", "Hecken am Schulweg")
    change("hecke", "Hecken am Feldrand")
    assert db.session.scalar(select(func.count()).select_from(SearchChange)) == 1
    fresh = IndexStore(tmp_path / "fresh-index")
    with pytest.raises(sync.IndexBehindOutbox):
        drain(fresh)
    with Session(db.engine) as session:
        assert sync.reindex(fresh, session) == 1
    assert up_to_date(fresh)


def test_reindex_registers_its_folder_and_forgets_the_replaced_one(
        app, runner, write_practice, import_folder, tmp_path, every_drain_registers):
    write_practice("hecke", title="Heckenpflanzung am Feldrand")
    import_folder(tmp_path / "files")
    store = search.store_for_app(app)
    old = sync.consumer_name(store, store.current_name())
    assert old in set(db.session.scalars(select(SearchConsumer.name)))
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    db.session.rollback()
    names = set(db.session.scalars(select(SearchConsumer.name)))
    assert old not in names and sync.consumer_name(store, store.current_name()) in names
    change("hecke", "Hecken am Schulweg")
    assert up_to_date(store)


def _uncommitted_change(slug: str, summary: str) -> Session:
    """Another connection changes a practice and draws its outbox number, without commit."""
    session = Session(db.engine)
    practice = session.scalar(select(Practice).where(Practice.slug == slug))
    practice.summary = summary
    add_change(session, slug)
    session.flush()
    return session


@postgres_only
def test_a_lower_number_committed_late_is_applied_by_the_next_drain(
        app, write_practice, import_folder, tmp_path):
    write_practice("hecke", title="Heckenpflanzung am Feldrand")
    write_practice("obst", title="Streuobstwiese der Schule")
    import_folder(tmp_path / "files")
    store = search.store_for_app(app)
    slow = _uncommitted_change("hecke", "Zaunkönige brüten in der Hecke")
    try:
        change("obst", "Obstbäume mit Nistkästen")  # a higher number, committed and applied
        lower = store.read_state().seq - 1
        assert lower in store.read_state().holes
        # however old the hole, it is kept while its transaction runs (it used to expire)
        state = json.loads((store.folder() / STATE_FILE).read_text())
        state["holes"] = {key: 0.0 for key in state["holes"]}
        (store.folder() / STATE_FILE).write_text(json.dumps(state))
        search.apply_pending_changes()
        assert lower in store.read_state().holes
        slow.commit()
    finally:
        slow.close()
    assert search.apply_pending_changes() == 1  # no `search check` needed
    assert store.read_state().holes == {}
    assert up_to_date(store)


@postgres_only
def test_reindex_waits_for_a_lower_number_still_being_written(
        app, write_practice, import_folder, tmp_path, monkeypatch):
    monkeypatch.setattr(sync, "LOCK_TIMEOUT", 0.3)  # then it says it waits
    write_practice("hecke", title="Heckenpflanzung am Feldrand")
    write_practice("obst", title="Streuobstwiese der Schule")
    import_folder(tmp_path / "files")
    store = search.store_for_app(app)
    slow = _uncommitted_change("hecke", "Zaunkönige brüten in der Hecke")
    done = []
    try:
        change("obst", "Obstbäume mit Nistkästen")  # a higher number commits first

        def rebuild():
            with app.app_context(), Session(db.engine) as session:
                done.append(sync.reindex(store, session))

        thread = threading.Thread(target=rebuild)
        thread.start()
        time.sleep(1.0)
        assert thread.is_alive() and not done  # waits: its starting number is not settled
        slow.commit()
    finally:
        slow.close()
    thread.join(30)
    assert done == [2]
    store.invalidate()
    assert up_to_date(store)  # the late commit is in the rebuild, no `search check` needed
    assert Path(store.folder()).name == store.current_name()


def test_a_bulk_import_rebuilds_the_index_and_a_small_one_applies_its_rows(
        app, runner, monkeypatch, tmp_path):
    import shutil

    from tests.conftest import DEMO_PRACTICES

    monkeypatch.setattr(sync, "PARALLEL_REBUILD_FROM", 5)
    folder = tmp_path / "files"
    shutil.copytree(DEMO_PRACTICES, folder)
    store = search.store_for_app(app)
    before = store.current_name()
    assert runner.invoke(args=["practices", "import", str(folder)]).exit_code == 0
    rebuilt = store.current_name()
    assert rebuilt != before  # most of the index changed: a new generation was built
    assert up_to_date(store)
    published = db.session.scalar(select(func.count()).select_from(Practice).where(
        Practice.publication == "published"))
    assert store.open_index().doc_count() == published
    path = sorted(folder.glob("*.md"))[0]
    path.write_text(path.read_text(encoding="utf-8").replace(
        "\n---\n", "\n---\nEin neuer Absatz über Quokkas.\n\n", 1), encoding="utf-8")
    assert runner.invoke(args=["practices", "import", str(folder)]).exit_code == 0
    assert store.current_name() == rebuilt  # one changed entry: its row was applied
    assert up_to_date(store)
    store.invalidate()
    assert search.search_practices(search.SearchRequest(q="Quokkas")).total == 1

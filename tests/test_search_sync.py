"""Index consistency: outbox sync after every change, crash recovery, several writers."""

import json
import multiprocessing
from pathlib import Path

from sqlalchemy import select

from app import search
from app.extensions import db
from app.practices.models import Practice
from app.search import SearchRequest, search_practices, store_for_app
from app.search.index import STATE_FILE
from app.search.models import SearchChange
from app.search.outbox import record_practice_change
from tests.conftest import make_config


def found(q: str, viewer=None) -> list[str]:
    return [h.slug for h in search_practices(SearchRequest(q=q), viewer).hits]


def change(slug: str, **values) -> None:
    """Change a practice as a service would: update, outbox row, one commit, then notify."""
    practice = db.session.scalar(select(Practice).where(Practice.slug == slug))
    for name, value in values.items():
        setattr(practice, name, value)
    record_practice_change(slug)
    db.session.commit()
    search.changes_committed()


def test_every_kind_of_change_reaches_the_index(app, write_practice, import_folder, tmp_path):
    write_practice("zisterne", title="Zisternen fördern", summary="Regenwasser sammeln.")
    import_folder(tmp_path / "files")                                     # create (import)
    assert found("Zisterne") == ["zisterne"]
    write_practice("zisterne", title="Hecken pflanzen", summary="Am Feldrand.")
    import_folder(tmp_path / "files")                                     # edit (import)
    assert found("Hecke") == ["zisterne"] and found("Zisterne") == []
    change("zisterne", summary="Schattige Regentonnen für Gärten.")       # edit (web)
    assert found("Gärten") == ["zisterne"]
    change("zisterne", publication="submitted")                           # return / unpublish
    assert found("Regentonne") == []
    change("zisterne", publication="published")                           # publish
    assert found("Regentonne") == ["zisterne"]
    change("zisterne", visibility="members")                              # members only
    assert found("Regentonne") == []
    change("zisterne", publication="archived")                            # archive
    assert found("Regentonne") == []
    practice = db.session.scalar(select(Practice).where(Practice.slug == "zisterne"))
    db.session.delete(practice)                                           # delete
    record_practice_change("zisterne")
    db.session.commit()
    search.changes_committed()
    assert found("Regentonne") == []
    assert store_for_app(app).view().all_ids == frozenset()


def test_crash_between_commit_and_index_write_is_recovered(make_app, write_practice, tmp_path):
    app = make_app(SEARCH_SYNC="off")  # the process "dies" before it updates the index
    with app.app_context():
        from app.practices.services import collect_practice_files, import_practices

        write_practice("hecke", title="Heckenpflanzung am Feldrand")
        assert import_practices(collect_practice_files(tmp_path / "files")).ok
        assert found("Hecke") == []  # committed, not yet indexed
        # another process (or the worker, or the next start) applies the outbox
        assert search.apply_pending_changes() == 1
        assert found("Hecke") == ["hecke"]


def test_crash_after_index_commit_replays_idempotently(app, write_practice, import_folder,
                                                       tmp_path):
    write_practice("hecke", title="Heckenpflanzung am Feldrand")
    import_folder(tmp_path / "files")
    store = store_for_app(app)
    state_file = store.folder() / STATE_FILE
    state = json.loads(state_file.read_text())
    state_file.write_text(json.dumps({**state, "seq": 0}))  # the state write was lost
    assert search.apply_pending_changes() >= 1  # replays
    store.invalidate()
    assert found("Hecke") == ["hecke"]
    assert len(store.view().all_ids) == 1  # no duplicate


def test_reindex_switches_atomically_and_check_repairs(app, runner, write_practice,
                                                       import_folder, tmp_path):
    write_practice("hecke", title="Heckenpflanzung am Feldrand")
    write_practice("obst", title="Streuobstwiese der Schule")
    import_folder(tmp_path / "files")
    store = store_for_app(app)
    before = store.current_name()
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert store.current_name() != before and found("Streuobst") == ["obst"]
    # the index loses a document behind the database's back: check finds and repairs it
    index = store.open_index()
    writer = index.writer()
    writer.delete_by_term("slug", "obst")
    writer.commit()
    store.invalidate()
    assert found("Streuobst") == []
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0, result.output
    assert "fehlend: 1" in result.output and "behoben" in result.output
    assert found("Streuobst") == ["obst"]
    assert "stimmen überein" in runner.invoke(args=["search", "check"]).output


def test_worker_applies_changes_once(make_app, write_practice, tmp_path):
    app = make_app(SEARCH_SYNC="off")
    with app.app_context():
        from app.practices.services import collect_practice_files, import_practices

        write_practice("hecke", title="Heckenpflanzung am Feldrand")
        import_practices(collect_practice_files(tmp_path / "files"))
        result = app.test_cli_runner().invoke(args=["search", "worker", "--once"])
        assert result.exit_code == 0 and "1 Änderungen" in result.output
        assert found("Hecke") == ["hecke"]


def test_thread_mode_updates_without_blocking(make_app, write_practice, tmp_path):
    import time

    app = make_app(SEARCH_SYNC="thread", SEARCH_SYNC_DELAY_MS=-1)  # a mistyped wait: none
    with app.app_context():
        from app.practices.services import collect_practice_files, import_practices

        write_practice("hecke", title="Heckenpflanzung am Feldrand")
        import_practices(collect_practice_files(tmp_path / "files"))
        search.changes_committed()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not found("Hecke"):
            time.sleep(0.05)
        assert found("Hecke") == ["hecke"]


def test_edits_close_together_share_one_index_commit(make_app, write_practice, import_folder,
                                                     tmp_path):
    """In thread mode the drain waits SEARCH_SYNC_DELAY_MS, so that edits saved meanwhile
    (by any worker) go into the same index commit: under benchmarks/load.py that was 202
    edits in 70 commits instead of one commit each."""
    import time

    app = make_app(SEARCH_SYNC="thread", SEARCH_SYNC_DELAY_MS=800)
    with app.app_context():
        write_practice("hecke", title="Heckenpflanzung am Feldrand")
        write_practice("obst", title="Streuobstwiese der Schule")
        import_folder(tmp_path / "files")
        index = store_for_app(app).open_index()
        generation = index.latest_generation()
        change("hecke", summary="Mit Zaunkönigen.")
        time.sleep(0.2)  # long enough for an undelayed drain to have committed
        change("obst", summary="Mit Gartenrotschwänzen.")
        search.wait_for_background_drains()
        assert found("Zaunkönig") == ["hecke"] and found("Gartenrotschwanz") == ["obst"]
        assert index.latest_generation() == generation + 1


def _writer_process(config: dict, slugs: list[str]) -> None:
    """One process: publish entries one by one, each followed by an index update."""
    from app import create_app

    app = create_app(config)
    with app.app_context():
        for slug in slugs:
            practice = db.session.scalar(select(Practice).where(Practice.slug == slug))
            practice.summary = f"Geändert von einem anderen Prozess: Zaunkönig {slug}"
            record_practice_change(slug)
            db.session.commit()
            search.apply_pending_changes()
        db.engine.dispose()


def test_concurrent_writers_in_several_processes(app, write_practice, import_folder, tmp_path):
    names = [f"eintrag-{n}" for n in range(9)]
    for slug in names:
        write_practice(slug, title=f"Eintrag {slug}")
    import_folder(tmp_path / "files")
    config = {**make_config(Path(app.config["SEARCH_INDEX_DIR"]).parent,
                            app.config["SQLALCHEMY_DATABASE_URI"]),
              "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"]}
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_writer_process, args=(config, names[i::3]))
                 for i in range(3)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    search.apply_pending_changes()
    store_for_app(app).invalidate()
    assert sorted(found("Zaunkönig")) == sorted(names)
    assert len(store_for_app(app).view().all_ids) == len(names)
    last = db.session.scalar(select(SearchChange.seq).order_by(SearchChange.seq.desc()))
    assert store_for_app(app).read_state().seq == last


def _segments(app) -> list[tuple[str, int, int]]:
    """The current index's segments: (id, documents written to it, live ones)."""
    view = store_for_app(app).view()
    return [(segment.key, len(segment.data.metas),
             int(view.live[segment.offset:segment.offset + len(segment.data.metas)].sum()))
            for segment in view.segments]


def test_edits_merge_small_segments_only_and_rank_like_a_rebuild(app, runner, write_practice,
                                                                  import_folder, tmp_path):
    """The drains' merge policy: a segment whose entries were all edited again is dropped
    at the next index commit without being read (merging such leftovers was most of a
    drain's merge work under load), the large segment outlives a stream of small edits,
    the number of segments stays bounded, and the result ranks exactly like a rebuild."""
    from app.search.sync import MERGE_FACTOR

    for number in range(120):
        write_practice(f"hecke-{number}", title=f"Hecken pflanzen am Feldrand {number}",
                       summary=f"Schattige Hecken {'Regentonne ' * (number % 4)}für Vögel.")
    import_folder(tmp_path / "files")
    [(large, documents, _live)] = _segments(app)
    assert documents == 120
    merged = False
    for edit in range(3 * MERGE_FACTOR):
        change(f"hecke-{edit % 3 if edit % 2 else edit}",
               summary=f"Regentonnen und Zisternen, Runde {edit}.")
        segments = _segments(app)
        assert segments[0][:2] == (large, 120)  # never rewritten: only 3 + 15 of it replaced
        assert all(live for _key, _count, live in segments)  # none only of replaced ones
        assert len(segments) <= 2 * MERGE_FACTOR
        merged |= any(count > 1 for _key, count, _live in segments[1:])
    assert merged  # the small segments of single edits were merged
    queries = ["Regentonne", "Hecke Zisterne", "Vögel"]
    before = {q: [(h.slug, h.score) for h in search_practices(SearchRequest(q=q)).hits]
              for q in queries}
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    assert {q: [(h.slug, h.score) for h in search_practices(SearchRequest(q=q)).hits]
            for q in queries} == before

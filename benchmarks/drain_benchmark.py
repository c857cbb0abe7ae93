"""CPU cost of keeping the index up to date after single edits, and of searching after them.

    .venv/bin/python benchmarks/drain_benchmark.py [--generated 150] [--edits 150]

Builds a throw-away installation (SQLite, the demo entries and generated variants, as
benchmarks/load.py does), then edits popular entries one at a time as the edit form does
(an appended sentence, the outbox row, one commit) and applies each change to the index
right away. After every edit it runs eight searches, which read the changed index. Prints
the CPU milliseconds per edit for the index update and for the searches, and the number of
index segments at the end. CPU time, not wall time: comparable on a busy machine.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = ["Energie", "Photovoltaik", "Hitze", "Klimaschutz", "Förderung", "Radverkehr",
           "Wasser", "Schule"]


def installation(folder: Path, generated: int):
    from benchmarks.load import _generated_entries

    os.environ.update(DATABASE_URL=f"sqlite:///{folder / 'drain.sqlite3'}",
                      SEARCH_INDEX_DIR=str(folder / "index"), UPLOAD_DIR=str(folder / "up"),
                      SECRET_KEY="drain-benchmark-" + "x" * 32, SEARCH_SYNC="inline",
                      LOG_FORMAT="text")
    entries = folder / "entries"
    entries.mkdir()
    for path in (ROOT / "practices").glob("*.md"):
        shutil.copy(path, entries)
    _generated_entries(entries, generated)
    from app import create_app

    app = create_app()
    runner = app.test_cli_runner()
    for args in (["init"], ["practices", "import", str(entries)], ["search", "reindex"]):
        result = runner.invoke(args=args)
        if result.exit_code:
            raise SystemExit(f"flask {' '.join(args)} failed:\n{result.output}")
    return app


def edit_and_search(app, edits: int) -> tuple[float, float, int]:
    from sqlalchemy import select

    from app import search
    from app.extensions import db
    from app.practices.models import Practice
    from app.search import SearchRequest, search_practices, store_for_app
    from app.search.outbox import record_practice_change

    with app.app_context():
        slugs = sorted(db.session.scalars(select(Practice.slug).where(
            Practice.visibility == "public")))[:40]  # popular entries, as in load.py
        rng = random.Random(1)
        draining = searching = 0.0
        for number in range(edits):
            practice = db.session.scalar(select(Practice).where(
                Practice.slug == rng.choice(slugs)))
            practice.body += f"\n\nLasttest-Satz {number:04x}{rng.random()}."
            record_practice_change(practice.slug)
            db.session.commit()
            started = time.process_time()
            search.apply_pending_changes()
            drained = time.process_time()
            for query in QUERIES:
                search_practices(SearchRequest(q=query))
            draining += drained - started
            searching += time.process_time() - drained
        return draining, searching, len(store_for_app(app).view().segments)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=int, default=150)
    parser.add_argument("--edits", type=int, default=150)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kff-drain-"))
    try:
        app = installation(folder, args.generated)
        draining, searching, segments = edit_and_search(app, args.edits)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{args.edits} edits: index update {draining / args.edits * 1000:.1f} ms CPU per "
          f"edit, {len(QUERIES)} searches after it {searching / args.edits * 1000:.1f} ms; "
          f"{segments} segments at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

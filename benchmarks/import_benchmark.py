"""Operator speed of `practices import`: first import, and a second one of the same folder.

    .venv/bin/python benchmarks/import_benchmark.py [-n 20000] [--profile]

Generates entries (the generator of search_benchmark.py), imports them into a fresh SQLite
database through the real service (every SPEC §2 rule, one transaction, a revision per
entry), then imports the unchanged folder again. Prints files per second for both runs.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))


def timed_import(app, folder: Path) -> tuple[float, object]:
    from app.practices.services import collect_practice_files, import_practices

    with app.app_context():
        started = time.perf_counter()
        report = import_practices(collect_practice_files(folder))
        elapsed = time.perf_counter() - started
        if not report.ok:
            raise SystemExit("\n".join(str(e) for e in report.errors[:20]))
        return elapsed, report


def main() -> int:
    from benchmarks.search_benchmark import generate
    from benchmarks.search_quality import make_app

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--entries", type=int, default=20_000)
    parser.add_argument("--profile", action="store_true", help="cProfile the first import")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "files"
        generate(folder, args.entries)
        app = make_app(Path(tmp), {"SEARCH_SYNC": "off"})
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        first, report = timed_import(app, folder)
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        second, again = timed_import(app, folder)
    n = args.entries
    print(f"first import:  {n} files in {first:.1f} s = {n / first:.0f} files/s "
          f"({report.summary()})")
    print(f"second import: {n} files in {second:.1f} s = {n / second:.0f} files/s "
          f"({again.summary()}); {first / second:.1f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())

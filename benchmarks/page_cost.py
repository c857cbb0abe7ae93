"""CPU per page in one process, without contention: where a request's time goes.

    .venv/bin/python benchmarks/page_cost.py [--rounds 40] [--generated 150] [--profile KIND]

Builds the same throw-away installation as load.py (demo entries plus generated variants),
then asks each kind of page `--rounds` times through Flask's test client, with the page
cache off, and prints the median CPU milliseconds per request of each kind. `--profile
KIND` prints the functions that took most of that kind's time (cProfile).
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import os
import pstats
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

# load.py lies beside this script (so on its path) and puts the project on sys.path.
from load import FACETS, QUERIES, build_installation


def page_kinds(slugs: list[str], rng: random.Random) -> dict:
    """Each kind of page as a function giving the next address to ask for."""
    return {
        "home": lambda: "/",
        "entry": lambda: f"/praxis/{rng.choice(slugs)}",
        "search": lambda: f"/suche?q={quote(rng.choice(QUERIES))}",
        "search+facet": lambda: f"/suche?q={quote(rng.choice(QUERIES))}&{rng.choice(FACETS)}",
        "api": lambda: f"/api/v1/practices?q={quote(rng.choice(QUERIES))}",
        "module": lambda: f"/module/{rng.randint(1, 4)}",
    }


def measure(client, next_path, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        path = next_path()
        started = time.process_time()
        response = client.get(path)
        times.append((time.process_time() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--generated", type=int, default=150)
    parser.add_argument("--profile", help="a kind of page to profile")
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kff-pages-"))
    try:
        env, slugs = build_installation(folder, args.generated, clients=1)
        os.environ.update({k: v for k, v in env.items() if k not in os.environ or k in (
            "DATABASE_URL", "SEARCH_INDEX_DIR", "UPLOAD_DIR", "SECRET_KEY")})
        os.environ["PAGE_CACHE_SECONDS"] = "0"
        from app import create_app

        app = create_app()
        logging.getLogger("app").setLevel(logging.WARNING)  # no line per request
        client = app.test_client()
        rng = random.Random(args.seed)
        kinds = page_kinds(slugs["public"], rng)
        for next_path in kinds.values():  # warm-up: templates compiled, caches filled
            measure(client, next_path, 5)
        print(f"{sum(map(len, slugs.values()))} entries; median CPU ms per request "
              f"over {args.rounds} requests:")
        for kind, next_path in kinds.items():
            if args.profile == kind:
                profiler = cProfile.Profile()
                profiler.enable()
            times = measure(client, next_path, args.rounds)
            if args.profile == kind:
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
            print(f"  {kind:<13} {statistics.median(times):6.1f}   "
                  f"(p90 {sorted(times)[int(len(times) * .9)]:.1f})", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

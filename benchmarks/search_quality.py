"""Ranking quality on judged German query sets.

    .venv/bin/python benchmarks/search_quality.py [--per-query] [--fail-under 0.8]

Scores benchmarks/search-holdout (queries on the demo entries of practices/),
benchmarks/search-own (questions and queries without an answer on the same entries),
benchmarks/search-blind (a set written without knowledge of the search code) and, when it
lies beside the checkout, the public development set ../shared/search-dev (it is not part
of the project: without it, that set is skipped with a note). Imports the entries into a
temporary database and index, then asks GET /api/v1/practices as an anonymous caller for
every judged query and prints nDCG@10, recall@10 and MRR per kind, and any leaks
(metrics in benchmarks/ranking_metrics.py), and how well "Ähnliche Lösungsansätze" keeps
entries judged relevant together as neighbours.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEARCH_DEV = PROJECT_ROOT.parent / "shared" / "search-dev"
sys.path.insert(0, str(PROJECT_ROOT))


def make_app(folder: Path, extra: dict | None = None):
    """A Flask app on a fresh migrated and seeded SQLite database in folder."""
    from flask_migrate import upgrade

    from app import create_app
    from app.seed import seed_reference_data

    app = create_app({
        "TESTING": True, "SECRET_KEY": "benchmark",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'db.sqlite3'}",
        "SEARCH_INDEX_DIR": str(folder / "search_index"), "SEARCH_SYNC": "inline",
        **(extra or {}),
    })
    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "app" / "migrations"), revision="heads")
        seed_reference_data()
    return app


def import_folder(app, folder: Path) -> None:
    """Import practice files through the real import service and apply the outbox."""
    from app import search
    from app.practices.services import collect_practice_files, import_practices

    with app.app_context():
        report = import_practices(collect_practice_files(folder))
        if not report.ok:
            raise SystemExit("\n".join(str(e) for e in report.errors))
        search.apply_pending_changes()


def api_search_fn(client, answers: dict | None = None):
    """A search function for ranking_metrics.score, asking the API anonymously.

    answers, when given, collects per query the total and the "match" the API answered.
    """
    def search(query: str) -> list[str]:
        response = client.get("/api/v1/practices", query_string={"q": query, "per_page": 10})
        if response.status_code != 200:
            print(f"warning: HTTP {response.status_code} for {query!r}", file=sys.stderr)
            return []
        data = response.get_json()
        if answers is not None:
            answers[query] = (data["total"], data.get("match"))
        return [hit["slug"] for hit in data["results"]]
    return search


def print_no_answer(report: dict, answers: dict) -> None:
    """Queries without a relevant entry should answer "match": "partial" or nothing."""
    rows = [r for r in report["queries"] if r["kind"] == "noanswer"]
    if not rows:
        return
    bad = [r for r in rows if answers[r["query"]][0] and answers[r["query"]][1] != "partial"]
    print(f"no-answer queries: {len(rows)}, answered partial or nothing: "
          f"{len(rows) - len(bad)}")
    for r in bad:
        total, match = answers[r["query"]]
        print(f"  {r['id']} {r['query']!r}: total {total}, match {match}")


def print_similar(app, queries: list[dict], hidden: set[str]) -> None:
    """'Ähnliche Lösungsansätze' against the judgments: entries judged relevant to the same
    query should be each other's neighbours, and few neighbours should never be judged
    together with the entry (an upper bound of the unrelated ones: judgments are partial)."""
    from app import search

    together: dict[str, set[str]] = {}
    for row in queries:
        relevant = [slug for slug, grade in row["relevant"].items()
                    if grade >= 1 and slug not in hidden]
        for slug in relevant:
            together.setdefault(slug, set()).update(s for s in relevant if s != slug)
    pairs = found = shown = unrelated = 0
    with app.app_context():
        for slug, others in sorted(together.items()):
            neighbours = [hit.slug for hit in search.similar_practices(slug, limit=5)]
            pairs += len(others)
            found += len(others & set(neighbours))
            shown += len(neighbours)
            unrelated += len(set(neighbours) - others)
    if pairs:
        print(f"similar entries: {found}/{pairs} co-relevant pairs among the top 5 "
              f"({found / pairs:.2f}); {shown / len(together):.1f} shown per entry, "
              f"{unrelated / max(shown, 1):.2f} of them never judged together")


SETS = {
    "dev": (SEARCH_DEV / "practices", SEARCH_DEV / "queries.tsv"),
    "holdout": (PROJECT_ROOT / "practices", Path(__file__).resolve().parent
                / "search-holdout" / "queries.tsv"),
    "blind": (Path(__file__).resolve().parent / "search-blind" / "practices",
              Path(__file__).resolve().parent / "search-blind" / "queries.tsv"),
    # A second set written without knowledge of the search code.
    "blind2": (Path(__file__).resolve().parent / "search-blind2" / "practices",
               Path(__file__).resolve().parent / "search-blind2" / "queries.tsv"),
    # Questions and queries without an answer on the demo entries (issue 11).
    "own": (PROJECT_ROOT / "practices", Path(__file__).resolve().parent
            / "search-own" / "queries.tsv"),
}


def run(name: str = "dev", per_query: bool = False) -> dict:
    """Import one set's entries into a temporary app and return the metrics report."""
    from benchmarks.ranking_metrics import load_queries, members_only, print_report, score

    entries, queries = SETS[name]
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(Path(tmp))
        import_folder(app, entries)
        answers: dict = {}
        with app.app_context():
            report = score(api_search_fn(app.test_client(), answers),
                           queries=load_queries(queries), hidden=members_only(entries))
        print(f"== {name}: {entries}")
        print_report(report, per_query=per_query)
        print_no_answer(report, answers)
        print_similar(app, load_queries(queries), members_only(entries))
        return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-query", action="store_true")
    parser.add_argument("--fail-under", type=float)
    parser.add_argument("--set", choices=[*SETS, "all"], default="all")
    args = parser.parse_args()
    failed = False
    for name in SETS if args.set == "all" else [args.set]:
        if not SETS[name][1].exists():
            print(f"== {name}: {SETS[name][1]} not found, skipped")
            continue
        report = run(name, per_query=args.per_query)
        failed |= bool(report["leaks"]) or (args.fail_under is not None
                                            and report["overall"]["ndcg"] < args.fail_under)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

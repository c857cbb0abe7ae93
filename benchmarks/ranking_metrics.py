"""Ranking metrics for judged German queries: nDCG@10, recall@10 and MRR.

The judged sets in this folder (``search-holdout``, ``search-blind``) and the public
development set beside a checkout share one format: ``queries.tsv`` with the columns
id, query, kind, relevant ("slug:grade,slug:grade") and note. Entries with
``visibility: members`` are dropped from the judgements for an anonymous searcher, and
any that shows up in a result list is reported as a leak. Used by
``benchmarks/search_quality.py`` and by the test suite; needs nothing outside the repo.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable
from pathlib import Path

import yaml

K = 10
KINDS = ["plain", "inflection", "compound", "synonym", "umlaut", "typo", "question", "multi"]


def load_queries(path: Path) -> list[dict]:
    """The judged queries of a queries.tsv; 'relevant' becomes {slug: grade}."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    for row in rows:
        pairs = (item.rsplit(":", 1) for item in row["relevant"].split(",") if item.strip())
        row["relevant"] = {slug.strip(): int(grade) for slug, grade in pairs}
    return rows


def members_only(folder: Path) -> set[str]:
    """Slugs of the entry files whose front matter says visibility: members."""
    slugs = set()
    for path in sorted(Path(folder).glob("*.md")):
        match = re.match(r"---\n(.*?)\n---\n", path.read_text(encoding="utf-8"), re.S)
        if match and (yaml.safe_load(match.group(1)) or {}).get("visibility") == "members":
            slugs.add(path.stem)
    return slugs


def ndcg(ranked: list[str], grades: dict[str, int]) -> float:
    """Normalised discounted cumulative gain (gain 2**grade - 1, discount log2(rank + 1))."""
    dcg = sum((2 ** grades.get(s, 0) - 1) / math.log2(i + 2) for i, s in enumerate(ranked))
    ideal = sorted(grades.values(), reverse=True)[:K]
    return dcg / sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))


def recall(ranked: list[str], grades: dict[str, int]) -> float:
    return len(set(ranked) & set(grades)) / len(grades)


def reciprocal_rank(ranked: list[str], grades: dict[str, int]) -> float:
    return next((1 / (i + 1) for i, slug in enumerate(ranked) if slug in grades), 0.0)


def summarise(rows: list[dict]) -> dict:
    """Mean metrics over the rows that have visible relevant entries."""
    scored = [r for r in rows if "ndcg" in r]
    means = {m: sum(r[m] for r in scored) / len(scored) if scored else float("nan")
             for m in ("ndcg", "recall", "mrr")}
    return {"n": len(scored), **means}


def score(search_fn: Callable[[str], list[str]], queries: list[dict], hidden: set[str]) -> dict:
    """Run search_fn(query) -> ranked slugs for every query; return a report dict."""
    rows = []
    for query in queries:
        ranked = list(dict.fromkeys(search_fn(query["query"])))[:K]
        grades = {s: g for s, g in query["relevant"].items() if g > 0 and s not in hidden}
        row = {"id": query["id"], "query": query["query"], "kind": query["kind"],
               "ranked": ranked, "grades": grades, "leaks": [s for s in ranked if s in hidden]}
        if grades:
            row.update(ndcg=ndcg(ranked, grades), recall=recall(ranked, grades),
                       mrr=reciprocal_rank(ranked, grades))
        rows.append(row)
    kinds = KINDS + sorted({r["kind"] for r in rows} - set(KINDS))
    return {"queries": rows, "overall": summarise(rows),
            "per_kind": {k: summarise([r for r in rows if r["kind"] == k]) for k in kinds},
            "leaks": [(r["id"], s) for r in rows for s in r["leaks"]]}


def print_report(report: dict, per_query: bool = False) -> None:
    """Print the metrics table, the unscored queries and any leaks."""
    if per_query:
        for r in report["queries"]:
            found = " ".join(f"{s}:{r['grades'].get(s, 0)}" for s in r["ranked"][:5])
            missed = sorted(set(r["grades"]) - set(r["ranked"]))
            value = f"{r['ndcg']:.3f}" if "ndcg" in r else "  -  "
            print(f"{r['id']} {r['kind']:<10} {value}  {r['query']}\n"
                  f"    top: {found or '(none)'}"
                  + (f"\n    missed: {' '.join(missed)}" if missed else ""))
        print()
    print(f"{'kind':<12}{'n':>3}{'nDCG@10':>10}{'recall@10':>11}{'MRR':>8}")
    for name, m in [*report["per_kind"].items(), ("overall", report["overall"])]:
        if m["n"]:
            print(f"{name:<12}{m['n']:>3}{m['ndcg']:>10.3f}{m['recall']:>11.3f}{m['mrr']:>8.3f}")
    unscored = [r["id"] for r in report["queries"] if "ndcg" not in r]
    print(f"not scored (no relevant entry visible to anonymous callers): "
          f"{', '.join(unscored) or '-'}")
    print(f"members-only leaks: {len(report['leaks'])}")
    for query_id, slug in report["leaks"]:
        print(f"  {query_id}: {slug}")

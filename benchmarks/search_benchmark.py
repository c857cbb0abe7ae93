"""Search speed at scale, next to an SQLite FTS5 baseline on the same data.

    .venv/bin/python benchmarks/search_benchmark.py            # 5,000 and 20,000 entries
    .venv/bin/python benchmarks/search_benchmark.py --large    # and 100,000
    .venv/bin/python benchmarks/search_benchmark.py -n 2000    # one size, a quick check

For each size it generates N realistic German practice files (fixed seed), imports them
through the real import service into a temporary database, builds the index from the
outbox and again with `search reindex`, and prints import and indexing throughput, index
size, the resident memory of one fresh web process after warm-up, and query latency
(p50/p95) through GET /api/v1/practices for single words, several words, filtered and
faceted queries. The baseline answers the same queries on the same data with SQLite FTS5
(unicode61 tokenizer without diacritics, bm25 ranking, snippet(), facet counts by SQL),
whose build is timed next to `search reindex` twice: over the same rows, and from the files
themselves (read, front matter parsed, inserted: the baseline issue 12 quotes). A scale
table closes.
"""

from __future__ import annotations

import argparse
import logging
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_quality import make_app  # noqa: E402 - after the sys.path entry above

LEVERS = ["vorbild", "beschaffen", "planen-regeln", "versorgen-anbieten", "finanzieren-foerdern",
          "beraten-motivieren", "beteiligen-kooperieren", "organisieren-verankern", "analysieren"]
TOPICS = ["energie", "mobilitaet", "bauen-flaeche", "klimaanpassung", "natur",
          "landwirtschaft-ernaehrung", "kreislauf", "wirtschaft", "soziales", "bildung",
          "globale-verantwortung"]
STATUSES = ["idee", "geplant", "in-umsetzung", "umgesetzt", "verstetigt", "eingestellt"]
THEMES = {
    "energie": ["Bürgersolaranlage", "Photovoltaikanlage", "Nahwärmenetz", "Hackschnitzelheizung",
                "Energiegenossenschaft", "Wärmepumpe", "Energiemonitoring", "Windkraftanlage",
                "Balkonkraftwerk", "Blockheizkraftwerk", "Wärmeplanung", "LED-Straßenbeleuchtung"],
    "mobilitaet": ["Bürgerbus", "Rufbus", "Radschnellweg", "Lastenradverleih", "E-Carsharing",
                   "Mitfahrbank", "Fahrradstraße", "Schulwegplan", "Ladesäulen", "Laufbus"],
    "bauen-flaeche": ["Leerstandsmanagement", "Innenentwicklung", "Bebauungsplan",
                      "Holzbausiedlung", "Dorferneuerung", "Flächensparen", "Ortskern"],
    "klimaanpassung": ["Starkregenvorsorge", "Hitzeschutzplan", "Trinkbrunnen", "Entsiegelung",
                       "Zisternenförderung", "Schwammstadt", "Dachbegrünung", "Baumpflanzung"],
    "natur": ["Blühwiesen", "Streuobstwiesen", "Heckenpflanzung", "Moorschutz",
              "Gewässerrenaturierung", "Insektenschutz", "Artenvielfalt", "Baumpatenschaften"],
    "landwirtschaft-ernaehrung": ["Dorfladen", "Schulverpflegung", "Regionalmarkt", "Solawi",
                                  "Gemeinschaftsgarten", "Ökomodellregion", "Hofladen"],
    "kreislauf": ["Repair-Café", "Mehrweggeschirr", "Spülmobil", "Tauschbörse", "Kompostierung",
                  "Wertstoffhof", "Abfallvermeidung"],
    "wirtschaft": ["Regionalgeld", "Gemeinwohlbilanz", "Gewerbegebiet", "Wirtschaftsförderung",
                   "Coworking", "Direktvermarktung"],
    "soziales": ["Ehrenamtsbörse", "Nachbarschaftshilfe", "Mehrgenerationenhaus", "Seniorenbeirat",
                 "Bürgerrat", "Jugendparlament"],
    "bildung": ["Klimaschule", "Umweltbildung", "Energiesparwettbewerb", "Klimawoche",
                "Volkshochschulkurs", "Schulgarten"],
    "globale-verantwortung": ["Fairtrade-Gemeinde", "Klimapartnerschaft", "Fairer Kaffee",
                              "Nachhaltigkeitsbericht", "faire Beschaffung"],
}
PLACES = ["auf dem Dach der Grundschule", "im Neubaugebiet", "für alle Ortsteile",
          "in der Innenstadt", "am Bauhof", "für Vereine", "mit den Stadtwerken",
          "in der Verwaltung", "für Familien", "im ländlichen Raum", "an der Mittelschule"]
SENTENCES = [
    "Der Gemeinderat hat {year} beschlossen, {thing} gemeinsam mit Bürgerinnen und Bürgern "
    "umzusetzen.",
    "Die Klimaschutzmanagerin koordiniert {thing} und berichtet jährlich im Ausschuss.",
    "Finanziert wurde {thing} über ein Förderprogramm des Freistaats und Eigenmittel.",
    "Anfangs gab es Bedenken wegen der Kosten, doch die Einsparungen überzeugten.",
    "Wichtig war eine frühe Information der Anwohner bei einer Bürgerversammlung.",
    "Die Verwaltung hat die Zuständigkeiten klar geregelt und einen Ansprechpartner benannt.",
    "Mit {thing} spart die Gemeinde jedes Jahr rund {number} Euro und viele Tonnen CO2.",
    "Schulen, Kitas und Vereine beteiligen sich an {thing} mit eigenen Aktionen.",
    "Der Bauhof übernimmt die Pflege, Ehrenamtliche helfen bei der Organisation.",
    "Andere Kommunen im Landkreis haben {thing} inzwischen übernommen.",
    "Ein Stolperstein war die Ausschreibung, die zweimal wiederholt werden musste.",
    "Die Energieagentur des Landkreises hat bei der Planung beraten.",
    "Über das Amtsblatt und die Homepage wurde regelmäßig informiert.",
    "Für kleine Gemeinden ist {thing} mit wenig Personal gut übertragbar.",
]
PREFIXES = ["Ober", "Unter", "Nieder", "Hohen", "Kirch", "Mühl", "Wald", "Berg", "Stein", "Bach"]
SUFFIXES = ["hausen", "dorf", "feld", "ach", "heim", "ried", "berg", "bach", "zell", "furt"]
DISTRICTS = ["Bayreuth", "Kulmbach", "Neustadt an der Aisch", "Roth", "Ansbach", "Hof",
             "Forchheim", "Amberg-Sulzbach", "Cham", "Rosenheim", "Kelheim", "Dillingen"]

SINGLE = ["Solaranlage", "Radweg", "Bürgerbus", "Wärmenetz", "Streuobst", "Dorfladen",
          "Fördergeld", "Hitzeschutz", "Photovoltaik", "Ehrenamt", "Mehrweg", "Kita"]
MULTI = ["Bürgerbeteiligung Solarpark", "Nahwärme Hackschnitzel Neubaugebiet",
         "Schulweg Elterntaxi", "regionale Lebensmittel Schule", "Starkregen Vorsorge Karte",
         "Energie sparen Verwaltung", "Wie finanzieren wir eine PV-Anlage?",
         "Fotovoltaik Bürgerbeteilgung", "Blühwiesen Bauhof Pflege", "ÖPNV Ortsteile"]


def municipalities(rng: random.Random, count: int) -> list[tuple[str, str, int]]:
    # at most as many as there are distinct names (100,000 entries asked for more: no end)
    count = min(count, 3 * len(PREFIXES) * len(SUFFIXES) * 3)
    names = set()
    while len(names) < count:
        names.add(f"{rng.choice(['Gemeinde', 'Markt', 'Stadt'])} "
                  f"{rng.choice(PREFIXES)}{rng.choice(SUFFIXES)}{rng.choice(['', 'en', 'ing'])}")
    return [(name, rng.choice(DISTRICTS), int(rng.lognormvariate(8.6, 0.9)))
            for name in sorted(names)]


def practice_text(rng: random.Random, number: int, places) -> str:
    topic = rng.choice(TOPICS)
    thing = rng.choice(THEMES[topic])
    title = f"{thing} {rng.choice(PLACES)}"
    municipality, district, population = rng.choice(places)
    sentences = [s.format(thing=thing, year=rng.randint(2010, 2024),
                          number=rng.randint(2, 90) * 1000) for s in rng.sample(SENTENCES, 9)]
    other = rng.choice(THEMES[rng.choice(TOPICS)])
    body = (f"## Ausgangslage\n\n{' '.join(sentences[:3])}\n\n## Vorgehen\n\n"
            f"{' '.join(sentences[3:6])} Ergänzend gibt es {other}.\n\n"
            f"## Stolpersteine und Tipps\n\n{' '.join(sentences[6:])}\n")
    levers = rng.sample(LEVERS, rng.randint(1, 3))
    topics = [topic] + rng.sample([t for t in TOPICS if t != topic], rng.randint(0, 1))
    return (f"---\ntitle: {title}\nmunicipality: {municipality}\nstate: Bayern\n"
            f"district: {district}\npopulation: {population}\nsummary: >-\n  {sentences[0]} "
            f"{sentences[6]}\nlevers: [{', '.join(levers)}]\ntopics: [{', '.join(topics)}]\n"
            f"modules: [{rng.randint(1, 4)}]\nsdgs: [{rng.choice([7, 11, 12, 15])}, 13]\n"
            f"status: {rng.choice(STATUSES)}\nvisibility: "
            f"{'members' if rng.random() < 0.1 else 'public'}\n---\n{body}")


def generate(folder: Path, count: int, seed: int = 7) -> None:
    """Write count practice files into folder."""
    rng = random.Random(seed)
    places = municipalities(rng, max(20, count // 40))
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        (folder / f"praxis-{number:06d}.md").write_text(
            practice_text(rng, number, places), encoding="utf-8")


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return (statistics.median(ordered) * 1000,
            ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000)


def timed(function: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return samples


def query_sets(rng: random.Random) -> dict[str, list[dict]]:
    """Query parameters per kind (the same for both engines)."""
    return {
        "single word": [{"q": w} for w in SINGLE],
        "several words": [{"q": q} for q in MULTI],
        "filtered": [{"q": rng.choice(SINGLE), "lever": rng.choice(LEVERS),
                      "status": rng.choice(STATUSES)} for _ in range(12)],
        "faceted, no text": [{"topic": rng.choice(TOPICS)} for _ in range(12)],
    }


class Fts5Baseline:
    """The same searches with SQLite FTS5 over a copy of the practice data."""

    def __init__(self, database: Path):
        self.db = sqlite3.connect(database)
        self.db.executescript("""
            CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
                title, summary, body, tokenize='unicode61 remove_diacritics 2');
            DELETE FROM fts;
            INSERT INTO fts(rowid, title, summary, body)
                SELECT id, title, summary, body FROM practice
                WHERE publication = 'published' AND visibility = 'public';
        """)
        self.db.commit()

    @staticmethod
    def build_from_files(folder: Path, target: Path) -> float:
        """Seconds for an FTS5 build of the files themselves (read, front matter parsed with
        the C YAML loader, inserted, committed): the baseline issue 12 quotes for reindex."""
        import yaml

        started = time.perf_counter()
        db = sqlite3.connect(target)
        db.execute("CREATE VIRTUAL TABLE fts USING fts5(title, summary, body, "
                   "tokenize='unicode61 remove_diacritics 2')")
        rows = []
        for path in sorted(folder.rglob("*.md")):
            _, front, body = path.read_text("utf-8").split("---\n", 2)
            meta = yaml.load(front, Loader=yaml.CSafeLoader)
            rows.append((meta["title"], meta["summary"], body))
        db.executemany("INSERT INTO fts(title, summary, body) VALUES (?, ?, ?)", rows)
        db.commit()
        db.close()
        return time.perf_counter() - started

    def search(self, params: dict) -> tuple[int, list]:
        """Total, top 20 with snippets and facet counts, as the API computes them."""
        words = [w for w in "".join(c if c.isalnum() else " " for c in params.get("q", "")).split()
                 if len(w) > 2]
        match = " AND ".join(f'"{w}"' for w in words)
        joins, conditions, args = [], ["p.publication = 'published'", "p.visibility = 'public'"], []
        for name, table, column in (("lever", "lever", "lever_id"), ("topic", "topic", "topic_id")):
            if name in params:
                joins.append(f"JOIN practice_{name} x{name} ON x{name}.practice_id = p.id "
                             f"AND x{name}.{column} = (SELECT id FROM {table} WHERE slug = ?)")
                args.append(params[name])
        if "status" in params:
            conditions.append("p.status = ?")
            args.append(params["status"])
        where = " AND ".join(conditions)
        db = self.db
        db.execute("DROP TABLE IF EXISTS temp.hits")
        db.execute("CREATE TEMP TABLE hits (id INTEGER PRIMARY KEY, score REAL)")
        if match:
            # MATERIALIZED: otherwise SQLite runs the MATCH once per practice row
            db.execute(f"WITH m AS MATERIALIZED (SELECT rowid AS id, bm25(fts, 3.0, 1.8, 1.0) "
                       f"AS score FROM fts WHERE fts MATCH ?) INSERT INTO hits SELECT m.id, "
                       f"m.score FROM m JOIN practice p ON p.id = m.id {' '.join(joins)} "
                       f"WHERE {where}", [match, *args])
            top = [r[0] for r in db.execute("SELECT id FROM hits ORDER BY score LIMIT 20")]
            marks = ",".join("?" * len(top)) or "NULL"
            rows = db.execute(
                f"SELECT rowid, snippet(fts, 2, '<mark>', '</mark>', '…', 20) FROM fts "
                f"WHERE fts MATCH ? AND rowid IN ({marks})", [match, *top]).fetchall()
        else:
            db.execute(f"INSERT INTO hits SELECT p.id, 0 FROM practice p {' '.join(joins)} "
                       f"WHERE {where}", args)
            rows = db.execute("SELECT slug, title, summary FROM practice WHERE id IN "
                              "(SELECT id FROM hits) ORDER BY published_at DESC LIMIT 20"
                              ).fetchall()
        total = db.execute("SELECT count(*) FROM hits").fetchone()[0]
        # "IN (SELECT …)" lets SQLite drive the counts from the hits, not from the tables
        for table, column in (("practice_lever", "lever_id"), ("practice_topic", "topic_id"),
                              ("practice_module", "module_id"), ("practice_sdg", "sdg")):
            db.execute(f"SELECT {column}, count(*) FROM {table} WHERE practice_id IN "
                       f"(SELECT id FROM hits) GROUP BY {column}").fetchall()
        for column in ("status", "municipality_id"):
            db.execute(f"SELECT {column}, count(*) FROM practice WHERE id IN "
                       f"(SELECT id FROM hits) GROUP BY {column}").fetchall()
        return total, rows


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


WORKER_RSS = """
import json, logging, sys
from app import create_app
logging.getLogger("app.requests").setLevel(logging.WARNING)
app = create_app({"SECRET_KEY": "benchmark", "SEARCH_SYNC": "off",
                  "SQLALCHEMY_DATABASE_URI": sys.argv[1], "SEARCH_INDEX_DIR": sys.argv[2]})
client = app.test_client()
for params in json.loads(sys.argv[3]):
    client.get("/api/v1/practices", query_string=params)
    client.get("/suche", query_string=params)
client.get("/")
print(next(int(line.split()[1]) for line in open("/proc/self/status")
           if line.startswith("VmRSS:")))
"""


def worker_memory_mb(folder: Path, queries: list[dict]) -> float:
    """Resident memory of a fresh process serving the app after warm-up (one web worker)."""
    import json
    import subprocess

    result = subprocess.run(
        [sys.executable, "-c", WORKER_RSS, f"sqlite:///{folder / 'db.sqlite3'}",
         str(folder / "search_index"), json.dumps(queries)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    return int(result.stdout.split()[-1]) / 1024


def run_size(entries: int, repeat: int, workdir: Path | None) -> dict:
    """Import, index and query `entries` generated practices; print and return the figures."""
    from app import create_app, search
    from app.practices.services import collect_practice_files, import_practices
    from app.search.sync import reindex

    row: dict = {"entries": entries}
    with tempfile.TemporaryDirectory() as tmp:
        folder = workdir or Path(tmp)
        reuse = (folder / "db.sqlite3").exists()
        if not reuse:
            started = time.perf_counter()
            generate(folder / "files", entries)
            print(f"entries: {entries} (generated in {time.perf_counter() - started:.1f} s)")
        app = make_app(folder, {"SEARCH_SYNC": "off"}) if not reuse else create_app({
            "TESTING": True, "SECRET_KEY": "benchmark", "SEARCH_SYNC": "off",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'db.sqlite3'}",
            "SEARCH_INDEX_DIR": str(folder / "search_index")})
        logging.getLogger("app.requests").setLevel(logging.WARNING)  # a line per request
        with app.app_context():
            imported = drained = float("nan")
            if not reuse:
                started = time.perf_counter()
                report = import_practices(collect_practice_files(folder / "files"))
                assert report.ok, report.errors[:3]
                imported = time.perf_counter() - started
                started = time.perf_counter()
                search.apply_bulk_changes()  # what `practices import` does after saving
                drained = time.perf_counter() - started
            from sqlalchemy.orm import Session

            from app.extensions import db
            store = search.store_for_app(app)
            with Session(db.engine) as session:
                started = time.perf_counter()
                reindex(store, session)
                rebuilt = time.perf_counter() - started
            started = time.perf_counter()
            fts = Fts5Baseline(folder / "db.sqlite3")
            fts_built = time.perf_counter() - started
            fts_files = (Fts5Baseline.build_from_files(folder / "files", folder / "fts5.sqlite3")
                         if (folder / "files").is_dir() else float("nan"))
            row.update(imported=imported, reindex=rebuilt, fts_build=fts_built, fts_files=fts_files,
                       index_mb=folder_size(store.folder()) / 1e6)
            print(f"database import: {imported:.1f} s ({entries / imported:.0f} files/s)")
            print(f"index after the import: {drained:.1f} s ({entries / drained:.0f} entries/s); "
                  f"import and index together: {entries / (imported + drained):.0f} files/s")
            print(f"search reindex: {rebuilt:.1f} s ({entries / rebuilt:.0f} entries/s); "
                  f"FTS5 build of the same rows: {fts_built:.1f} s "
                  f"(ratio {rebuilt / fts_built:.1f}x); FTS5 build of the files: "
                  f"{fts_files:.1f} s (ratio {rebuilt / fts_files:.1f}x)")
            print(f"index size: {row['index_mb']:.1f} MB "
                  f"(database {(folder / 'db.sqlite3').stat().st_size / 1e6:.1f} MB)")
            started = time.perf_counter()
            store.forget_view()
            from app.search.engine import engine_for

            engine_for(store.view())
            print(f"opening the searcher (cold process, with per-document columns): "
                  f"{(time.perf_counter() - started) * 1000:.0f} ms")
            client = app.test_client()
            rng = random.Random(3)
            every_query: list[dict] = []
            print(f"\n{'query kind':<18}{'whoosh p50':>11}{'p95':>8}{'fts5 p50':>10}{'p95':>8}"
                  f"{'ratio p50':>11}{'ratio p95':>10}")
            for kind, queries in query_sets(rng).items():
                every_query += queries
                for params in queries:  # warm up caches as a running server would
                    client.get("/api/v1/practices", query_string=params)
                ours, theirs = [], []
                for params in queries:
                    ours += timed(lambda p=params: client.get("/api/v1/practices",
                                                              query_string=p), repeat)
                    theirs += timed(lambda p=params: fts.search(p), repeat)
                (o50, o95), (t50, t95) = percentiles(ours), percentiles(theirs)
                row[kind] = (o50, o95, t50, t95)
                print(f"{kind:<18}{o50:>9.1f}ms{o95:>6.1f}ms{t50:>8.1f}ms{t95:>6.1f}ms"
                      f"{o50 / t50:>10.1f}x{o95 / t95:>9.1f}x")
        row["worker_mb"] = worker_memory_mb(folder, every_query)
        print(f"one web worker after warm-up: {row['worker_mb']:.0f} MB resident\n")
    return row


def print_scale_table(rows: list[dict]) -> None:
    """One line per size: the figures the README quotes."""
    kinds = list(query_sets(random.Random(3)))
    print(f"{'entries':>8}{'import':>9}{'files/s':>9}{'reindex':>9}{'fts5':>7}{'files':>7}{'index':>8}"
          f"{'worker':>8}  " + "  ".join(f"{k} p50/p95 (fts5)" for k in kinds))
    for row in rows:
        cells = "  ".join(f"{row[k][0]:.0f}/{row[k][1]:.0f} ({row[k][2]:.0f}/{row[k][3]:.0f}) ms"
                          for k in kinds)
        print(f"{row['entries']:>8}{row['imported']:>8.0f}s{row['entries'] / row['imported']:>9.0f}"
              f"{row['reindex']:>8.0f}s{row['fts_build']:>6.0f}s{row['fts_files']:>6.0f}s"
              f"{row['index_mb']:>6.0f}MB"
              f"{row['worker_mb']:>6.0f}MB  {cells}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--entries", type=int, help="one size only")
    parser.add_argument("--large", action="store_true", help="add the 100,000 row")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each query")
    parser.add_argument("--workdir", type=Path, help="keep data here; reuse an earlier import "
                                                     "(with -n)")
    args = parser.parse_args()
    sizes = [args.entries] if args.entries else [5_000, 20_000] + ([100_000] * args.large)
    rows = [run_size(n, args.repeat, args.workdir if args.entries else None) for n in sizes]
    print_scale_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())

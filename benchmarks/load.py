"""Load test: gunicorn with several workers on 127.0.0.1, a realistic mix, then proof.

    .venv/bin/python benchmarks/load.py [--seconds 30] [--clients 24] [--workers 4]

Builds a throw-away installation (temporary SQLite database with the demo entries and
generated variants, its own index folder), starts `gunicorn --workers 4 wsgi:app` and
drives it with concurrent clients for a bounded time:

- 80 % anonymous reading and search (home page, entries, search page, API, module pages);
- 15 % signed-in reading (members: the same pages, with a session);
- 5 % writes through SPEC §6: organisers open `/praxis/<slug>/bearbeiten`, append a unique
  sentence to a section and post the form with its CSRF token and base_revision (a 409 for
  a stale base is a correct answer, not an error; the client reloads and tries again).

Then it prints req/s, p50/p95/p99 and errors, the server's CPU time per kind of request
(from the request log's `cpu`), and proves: every successful edit's
sentence is in the database (appending under optimistic locking means none may be
missing), the outbox is applied within 2 s (`/healthz`), and `flask search check
--no-repair` finds index and database in agreement. Exit 1 if any proof fails.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "ein sehr langes Lasttest-Passwort"
QUERIES = ["Energie", "Bürgerbus", "Photovoltaik", "Hitze", "Blühwiese", "Klimaschutz",
           "Beschaffung", "Wärmeplanung", "Förderung", "Carsharing", "Straßenbeleuchtung",
           "Radverkehr", "Schule", "Wasser", "Bürgerbeteiligung", "LED", "Wald", "Kita"]
FACETS = ["lever=vorbild", "module=2", "topic=energie", "status=umgesetzt", "size_class=2000-5000"]


# --- installation -------------------------------------------------------------------------

def _environment(folder: Path) -> dict:
    return {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'load.sqlite3'}",
            "SEARCH_INDEX_DIR": str(folder / "index"), "UPLOAD_DIR": str(folder / "uploads"),
            "SECRET_KEY": uuid.uuid4().hex, "LOG_FORMAT": "text", "SEARCH_SYNC": "thread"}


def _flask(env: dict, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                          env=env, input=stdin, capture_output=True, text=True, check=False)


def _generated_entries(folder: Path, count: int) -> None:
    """Variants of the demo entries (own slug and title) for a larger knowledge base."""
    demo = sorted((ROOT / "practices").glob("*.md"))
    for number in range(count):
        source = demo[number % len(demo)]
        text = source.read_text(encoding="utf-8")
        text = re.sub(r"^title: (.*)$", rf"title: \1 (Variante {number})", text, count=1,
                      flags=re.M)
        (folder / f"{source.stem}-v{number}.md").write_text(text, encoding="utf-8")


ACCOUNTS_SCRIPT = """
import sys
from app.accounts import services
from wsgi import app
with app.app_context():
    for number in range(int(sys.argv[1])):
        for role in ("member", "organiser"):
            services.create_user(f"{role}{number}@last.example.org", f"{role} {number}", role,
                                 None, sys.argv[2])
"""


def build_installation(folder: Path, generated: int, clients: int) -> tuple[dict, dict]:
    """Schema, demo and generated entries, accounts; return the env and slugs by visibility."""
    env = _environment(folder)
    entries = folder / "entries"
    entries.mkdir()
    for path in (ROOT / "practices").glob("*.md"):
        shutil.copy(path, entries)
    _generated_entries(entries, generated)
    for args in (("init",), ("practices", "import", str(entries)), ("search", "reindex")):
        result = _flask(env, *args)
        if result.returncode:
            raise SystemExit(f"flask {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    result = subprocess.run([sys.executable, "-c", ACCOUNTS_SCRIPT, str(clients), PASSWORD],
                            cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode:
        raise SystemExit(f"creating accounts failed:\n{result.stdout}{result.stderr}")
    import sqlite3

    database = sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///"))
    slugs = {visibility: [slug for (slug,) in database.execute(
        "SELECT slug FROM practice WHERE visibility = ? ORDER BY slug", (visibility,))]
        for visibility in ("public", "members")}
    database.close()
    return env, slugs


def start_gunicorn(env: dict, workers: int, port: int) -> subprocess.Popen:
    with open(env["LOAD_LOG"], "w") as log:  # the child keeps its own copy of the handle
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
             f"127.0.0.1:{port}", "--timeout", "60", "--backlog", "256", "wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if Client(port).get("/healthz")[0] == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- an HTTP client with a cookie ---------------------------------------------------------

CACHE_HITS = Counter()  # answers marked X-Page-Cache: hit, by path without its query


class Client:
    """One browser-like client: a session cookie, no redirects followed."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | list | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Accept-Language": "de"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            if response.getheader("X-Page-Cache") == "hit":
                CACHE_HITS[path.split("?")[0].rsplit("/", 1)[0] or "/"] += 1
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                value = rest.split(";", 1)[0]
                if "Max-Age=0" in header or "expires=Thu, 01 Jan 1970" in header:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
            return response.status, text
        finally:
            connection.close()

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, body):
        return self.request("POST", path, body)

    def sign_in(self, email: str) -> None:
        _status, html = self.get("/konto/anmelden")
        token = FormParser.parse(html)[-1]["fields"]
        fields = dict(token)
        status, _ = self.post("/konto/anmelden", {"csrf_token": fields["csrf_token"],
                                                  "email": email, "password": PASSWORD})
        if status != 302:
            raise SystemExit(f"sign-in of {email} answered {status}")


class FormParser(HTMLParser):
    """The forms of a page: each with its fields as (name, value) pairs as a browser posts."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._textarea: list | None = None
        self._select: str | None = None
        self._option: tuple | None = None

    @classmethod
    def parse(cls, html: str) -> list[dict]:
        parser = cls()
        parser.feed(html)
        return parser.forms

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action"), "fields": []})
        elif not self.forms:
            return
        fields = self.forms[-1]["fields"] if self.forms else []
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file", "image"):
                fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            fields.append((self._select, a.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None and self.forms:
            self.forms[-1]["fields"].append(tuple(self._textarea))
            self._textarea = None
        elif tag == "select":
            self._select = None


# --- the mix ------------------------------------------------------------------------------

class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: Counter = Counter()
        self.errors: list[str] = []
        self.conflicts = 0
        self.writes: list[tuple[str, str]] = []  # (slug, sentence) of successful edits

    def record(self, kind: str, seconds: float, status: int, expected=(200,), label=""):
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[status] += 1
            if status not in expected:
                self.errors.append(f"{kind} {label}: {status}")


def timed(results: Results, kind: str, call, expected=(200,), label=""):
    started = time.perf_counter()
    try:
        status, text = call()
    except OSError as error:
        with results.lock:
            results.errors.append(f"{kind}: {type(error).__name__}")
        return 0, ""
    results.record(kind, time.perf_counter() - started, status, expected, label)
    return status, text


def read_page(client: Client, results: Results, slugs: list[str], kind: str, rng) -> None:
    roll = rng.random()
    if roll < 0.2:
        path = "/"
    elif roll < 0.5:
        path = f"/praxis/{rng.choice(slugs)}"
    elif roll < 0.8:
        path = f"/suche?q={quote(rng.choice(QUERIES))}"
        if rng.random() < 0.3:
            path += "&" + rng.choice(FACETS)
    elif roll < 0.9:
        path = f"/api/v1/practices?q={quote(rng.choice(QUERIES))}"
    else:
        path = f"/module/{rng.randint(1, 4)}"
    timed(results, kind, lambda: client.get(path), label=path)


def append_sentence(fields: list[tuple[str, str]], sentence: str) -> list[tuple[str, str]]:
    """The form's fields with a sentence appended to its first section text."""
    names = [name for name, _ in fields if name.startswith("section_")]
    target = "section_vorgehen" if "section_vorgehen" in names else names[0]
    changed = []
    for name, value in fields:
        if name == target:
            value = value.rstrip() + f"\n\n{sentence}"
            target = None
        changed.append((name, value))
    return [*changed, ("aktion", "speichern"), ("note", "Lasttest")]


def write_entry(client: Client, results: Results, slugs: list[str], rng) -> None:
    slug = rng.choice(slugs[:40])  # a few popular entries: edits meet each other
    sentence = f"Lasttest-Satz {uuid.uuid4().hex[:12]}."
    for _attempt in range(3):
        status, html = timed(results, "write-form", lambda: client.get(
            f"/praxis/{slug}/bearbeiten"))
        if status != 200:
            return
        form = next((f for f in FormParser.parse(html)
                     if any(n == "base_revision" for n, _ in f["fields"])), None)
        if form is None:
            with results.lock:
                results.errors.append("write-form: no entry form")
            return
        data = append_sentence(form["fields"], sentence)
        status, _ = timed(results, "write", lambda data=data: client.post(
            f"/praxis/{slug}/bearbeiten", data), expected=(302, 409))
        if status == 302:
            with results.lock:
                results.writes.append((slug, sentence))
            return
        if status != 409:
            return
        with results.lock:
            results.conflicts += 1


def signed_in_clients(port: int, number: int) -> tuple[Client, Client, Client]:
    """An anonymous reader, a member and an organiser (signed in before the clock starts)."""
    anonymous, member, organiser = Client(port), Client(port), Client(port)
    member.sign_in(f"member{number}@last.example.org")
    organiser.sign_in(f"organiser{number}@last.example.org")
    return anonymous, member, organiser


def run_client(number: int, clients: tuple, slugs: dict, results: Results, stop: float,
               seed: int, writes: float = 0.05) -> None:
    rng = random.Random(seed + number)
    anonymous, member, organiser = clients
    while time.monotonic() < stop:
        roll = rng.random()
        if roll < 1 - writes - 0.15:  # 80 % with the default 5 % writes
            read_page(anonymous, results, slugs["public"], "anonymous", rng)
        elif roll < 1 - writes:
            read_page(member, results, slugs["public"] + slugs["members"], "signed-in", rng)
        else:
            write_entry(organiser, results, slugs["public"], rng)


def run_mix(sessions: list, slugs: dict, results: Results, seconds: float, seed: int,
            writes: float) -> None:
    """Every client in its own thread for `seconds`."""
    stop = time.monotonic() + seconds
    threads = [threading.Thread(target=run_client, args=(n, clients, slugs, results, stop,
                                                         seed, writes))
               for n, clients in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


# --- report and proof ---------------------------------------------------------------------

def server_cpu_seconds(master: int) -> float:
    """CPU seconds used so far by gunicorn's workers (Linux /proc; 0 elsewhere)."""
    total = 0.0
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        for pid in [master, *map(int, children)]:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return 0.0
    return total


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else 0


def report(results: Results, seconds: float) -> None:
    every = [v for values in results.latencies.values() for v in values]
    print(f"\n{len(every)} requests in {seconds:.1f} s: {len(every) / seconds:.1f} req/s")
    print(f"latency ms: p50 {percentile(every, .5):.0f}  p95 {percentile(every, .95):.0f}  "
          f"p99 {percentile(every, .99):.0f}  max {max(every, default=0) * 1000:.0f}")
    for kind, values in sorted(results.latencies.items()):
        print(f"  {kind:<11} {len(values):>6}  p50 {percentile(values, .5):>5.0f}  "
              f"p95 {percentile(values, .95):>5.0f}  p99 {percentile(values, .99):>5.0f}")
    print(f"statuses: {dict(sorted(results.statuses.items()))}")
    hits = sum(CACHE_HITS.values())
    print(f"answered from the page cache: {hits} ({hits / max(1, len(every)):.0%}), "
          f"by address: {dict(CACHE_HITS.most_common())}")
    print(f"successful edits: {len(results.writes)}, stale (409, reloaded and retried): "
          f"{results.conflicts}")
    print(f"errors: {len(results.errors)}" + (f" {Counter(results.errors).most_common(5)}"
                                              if results.errors else ""))


REQUEST_LINE = re.compile(r"app\.requests: (\S+) (\S+) \d+ \S+ms cpu ([\d.]+)ms( cached)?")


def report_cpu_by_route(log: Path, offset: int) -> None:
    """Thread CPU per route and method from the request log written after `offset`."""
    with open(log, "rb") as handle:
        handle.seek(offset)
        text = handle.read().decode("utf-8", "replace")
    spent: dict[str, list[float]] = defaultdict(list)
    for method, route, cpu, cached in REQUEST_LINE.findall(text):
        spent[f"{method} {route}{' (page cache)' if cached else ''}"].append(float(cpu))
    total = sum(map(sum, spent.values())) or 1.0
    print("server CPU by request (the request's thread; index updates run beside):")
    for name, values in sorted(spent.items(), key=lambda item: -sum(item[1]))[:12]:
        print(f"  {name:<44} {len(values):>6}  mean {sum(values) / len(values):>6.1f} ms  "
              f"{sum(values) / total:>4.0%}")


def prove(env: dict, port: int, results: Results) -> list[str]:
    """Every edit in the database, the outbox applied within 2 s, index == database."""
    import sqlite3

    failures = []
    database = sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///"))
    bodies = dict(database.execute("SELECT slug, body FROM practice"))
    database.close()
    lost = [(slug, s) for slug, s in results.writes if s not in bodies.get(slug, "")]
    print(f"edits in the database: {len(results.writes) - len(lost)} of {len(results.writes)}")
    if lost:
        failures.append(f"{len(lost)} successful edits are missing, e.g. {lost[:3]}")
    deadline, health = time.monotonic() + 2.0, None
    while time.monotonic() < deadline:
        status, text = Client(port).get("/healthz")
        health = json.loads(text)
        if status == 200 and health["checks"]["outbox"]["pending"] == 0:
            break
        time.sleep(0.1)
    pending = health["checks"]["outbox"]["pending"] if health else "?"
    print(f"outbox after the load (within 2 s): {pending} changes pending")
    if pending != 0:
        failures.append(f"the index has {pending} changes pending 2 s after the load")
    check = _flask(env, "search", "check", "--no-repair")
    print(f"search check: {check.stdout.strip().splitlines()[-1] if check.stdout else ''}")
    if check.returncode:
        failures.append(f"search check found differences:\n{check.stdout}{check.stderr}")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=24)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--generated", type=int, default=150,
                        help="generated entries besides the demo ones")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--writes", type=float, default=0.05, help="share of writes")
    parser.add_argument("--warmup", type=float, default=5,
                        help="seconds of the same mix before the clock starts")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--sync", choices=("thread", "off"), default="thread",
                        help="SEARCH_SYNC of the web workers; off: one `search worker`")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kff-load-"))
    process = worker = None
    try:
        print(f"installation in {folder} …", flush=True)
        env, slugs = build_installation(folder, args.generated, args.clients)
        env["LOAD_LOG"] = str(folder / "gunicorn.log")
        env["SEARCH_SYNC"] = args.sync
        if args.sync == "off":
            worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "search",
                                       "worker", "--interval", "0.2"], cwd=ROOT, env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port = free_port()
        process = start_gunicorn(env, args.workers, port)
        print(f"gunicorn, {args.workers} workers, 127.0.0.1:{port}; "
              f"{sum(map(len, slugs.values()))} entries; "
              f"{args.clients} clients for {args.seconds:.0f} s", flush=True)
        sessions = [signed_in_clients(port, n) for n in range(args.clients)]
        warmup = Results()  # its edits are proven too, its timings are not reported
        run_mix(sessions, slugs, warmup, args.warmup, args.seed + 1000, args.writes)
        results = Results()
        CACHE_HITS.clear()
        cpu_before = server_cpu_seconds(process.pid)
        log_offset = Path(env["LOAD_LOG"]).stat().st_size
        started = time.monotonic()
        run_mix(sessions, slugs, results, args.seconds, args.seed, args.writes)
        elapsed = time.monotonic() - started
        report(results, elapsed)
        cpu = server_cpu_seconds(process.pid) - cpu_before
        served = sum(map(len, results.latencies.values()))
        if cpu and served:
            print(f"server CPU: {cpu:.1f} s for {served} requests = {cpu / served * 1000:.1f} ms "
                  f"per request; {cpu / elapsed:.2f} of {os.cpu_count()} cores were ours "
                  f"(load average now {os.getloadavg()[0]:.1f})")
        report_cpu_by_route(Path(env["LOAD_LOG"]), log_offset)
        results.writes += warmup.writes
        failures = prove(env, port, results)
        for failure in failures:
            print(f"FAILED: {failure}")
        if not failures and not results.errors:
            print("OK: no errors, no lost write, index and database agree.")
        return 1 if failures or results.errors else 0
    finally:
        for child in (process, worker):
            if child is not None:
                child.send_signal(signal.SIGTERM)
                child.wait(timeout=30)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())

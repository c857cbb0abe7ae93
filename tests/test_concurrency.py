"""Several processes write through the web at once (SECURITY.md 25, issue 10).

gunicorn with three workers serves the test's own database (an SQLite file, or PostgreSQL
with TEST_DATABASE_URL) and index folder. Client processes edit published entries at the
same time (organisers, appending a sentence under optimistic locking: a 409 is answered
by reloading) while representatives write new entries that organisers publish. Afterwards
every successful write is in the database, the index has applied everything, a search
finds each new entry, and `flask search check` finds index and database in agreement.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ProcessPoolExecutor

import pytest
from sqlalchemy import select

from app.extensions import db
from app.practices import states
from app.practices.models import Practice
from benchmarks.load import Client, FormParser, append_sentence, free_port
from tests.conftest import PROJECT_ROOT, TEST_PASSWORD

EDITS_PER_ORGANISER = 6
NEW_ENTRY_WORDS = ["Quittenmarkt", "Holunderfest", "Mispelpfad"]


def _sign_in(port: int, email: str) -> Client:
    client = Client(port)
    _status, html = client.get("/konto/anmelden")
    token = dict(FormParser.parse(html)[-1]["fields"])["csrf_token"]
    status, _ = client.post("/konto/anmelden", {"email": email, "password": TEST_PASSWORD,
                                                "csrf_token": token})
    assert status == 302, f"sign-in of {email}: {status}"
    return client


def _token(client: Client, path: str) -> str:
    _status, html = client.get(path)
    return next(value for form in FormParser.parse(html) for name, value in form["fields"]
                if name == "csrf_token")


def edit_entries(port: int, email: str, slugs: list[str]) -> dict:
    """One organiser process: append a sentence to entries, reloading after a 409."""
    client, done, statuses = _sign_in(port, email), [], []
    for number in range(EDITS_PER_ORGANISER):
        slug = slugs[number % len(slugs)]
        sentence = f"Gleichzeitig geschrieben {uuid.uuid4().hex[:10]}."
        for _attempt in range(20):
            status, html = client.get(f"/praxis/{slug}/bearbeiten")
            statuses.append(status)
            form = next(f for f in FormParser.parse(html)
                        if any(name == "base_revision" for name, _ in f["fields"]))
            status, _ = client.post(f"/praxis/{slug}/bearbeiten",
                                    append_sentence(form["fields"], sentence))
            statuses.append(status)
            if status == 302:
                done.append((slug, sentence))
                break
            assert status == 409, status
    return {"edits": done, "statuses": statuses}


def write_and_publish(port: int, representative: str, organiser: str, word: str) -> dict:
    """A representative writes and submits an entry; an organiser publishes it at once."""
    writer, statuses = _sign_in(port, representative), []
    entry = {
        "title": f"{word} für alle Generationen", "aktion": "speichern",
        "summary": f"Ein {word} bringt Menschen aus allen Ortsteilen zusammen.",
        "section_ausgangslage": "Es fehlte ein Treffpunkt.",
        "section_vorgehen": "Der Gemeinderat hat es beschlossen, Vereine helfen mit.",
        "levers": ["beteiligen-kooperieren"], "topics": ["soziales"], "modules": ["3"],
        "status": "umgesetzt", "visibility": "public", "effort": "gering",
        "csrf_token": _token(writer, "/praxis/neu"),
    }
    status, _ = writer.post("/praxis/neu", entry)
    statuses.append(status)
    assert status == 302, status
    _status, mine = writer.get("/meine")
    slug = next(value.removeprefix("/praxis/") for value in
                __import__("re").findall(r'href="(/praxis/[a-z0-9-]+)"', mine)
                if word.lower() in value)
    status, _ = writer.post(f"/praxis/{slug}/einreichen",
                            {"csrf_token": _token(writer, f"/praxis/{slug}")})
    statuses.append(status)
    reviewer = _sign_in(port, organiser)
    status, _ = reviewer.post(f"/redaktion/praxis/{slug}/entscheidung", {
        "aktion": "veroeffentlichen", "csrf_token": _token(reviewer, "/redaktion")})
    statuses.append(status)
    return {"slug": slug, "word": word, "statuses": statuses}


def _environment(app) -> dict:
    return {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
            "UPLOAD_DIR": app.config["UPLOAD_DIR"], "SECRET_KEY": "test-secret-key",
            "SEARCH_SYNC": "thread"}


@pytest.fixture
def server(app, demo_content, tmp_path):
    """gunicorn with three workers on the test's database and index; yields its port."""
    db.session.commit()
    port = free_port()
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "3", "--bind", f"127.0.0.1:{port}",
         "--timeout", "60", "wsgi:app"], cwd=PROJECT_ROOT, env=_environment(app),
        stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if Client(port).get("/healthz")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("gunicorn did not start:\n" + (tmp_path / "gunicorn.log").read_text())
    yield port
    process.terminate()
    process.wait(timeout=30)
    log.close()


def _wait_for_index(port: int) -> dict:
    deadline, health = time.monotonic() + 10, {}
    while time.monotonic() < deadline:
        status, text = Client(port).get("/healthz")
        health = json.loads(text)
        if status == 200 and health["checks"]["outbox"]["pending"] == 0:
            break
        time.sleep(0.1)
    return health


def test_simultaneous_edits_and_publications_lose_nothing(app, server, create_user):
    organisers = [create_user(role="organiser").email for _ in range(3)]
    representatives = [create_user(role="representative", municipality=f"Markt Parallel {n}")
                       .email for n in range(len(NEW_ENTRY_WORDS))]
    slugs = db.session.scalars(select(Practice.slug).where(
        Practice.visibility == "public").order_by(Practice.slug).limit(3)).all()
    db.session.commit()
    with ProcessPoolExecutor(max_workers=6,
                             mp_context=multiprocessing.get_context("fork")) as pool:
        edits = [pool.submit(edit_entries, server, email, slugs) for email in organisers]
        entries = [pool.submit(write_and_publish, server, rep, organisers[n], word)
                   for n, (rep, word) in enumerate(zip(representatives, NEW_ENTRY_WORDS,
                                                       strict=True))]
        edits, entries = [f.result() for f in edits], [f.result() for f in entries]

    statuses = [s for result in edits + entries for s in result["statuses"]]
    assert all(status < 500 for status in statuses), statuses
    db.session.expire_all()
    bodies = dict(db.session.execute(select(Practice.slug, Practice.body)).all())
    written = [edit for result in edits for edit in result["edits"]]
    assert len(written) == EDITS_PER_ORGANISER * len(organisers)
    assert [e for e in written if e[1] not in bodies[e[0]]] == []  # no lost write
    for entry in entries:
        practice = db.session.scalar(select(Practice).where(Practice.slug == entry["slug"]))
        assert practice.publication == states.PUBLISHED, entry

    health = _wait_for_index(server)
    assert health["checks"]["outbox"]["pending"] == 0, health
    for entry in entries:
        found = json.loads(Client(server).get(f"/api/v1/practices?q={entry['word']}")[1])
        assert entry["slug"] in [hit["slug"] for hit in found["results"]], entry
    check = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "search", "check",
                            "--no-repair"], cwd=PROJECT_ROOT, env=_environment(app),
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr

"""Cadres logging contacts with issues, many at once, through gunicorn on PostgreSQL; then a check that
every contact the portal acknowledged is in the database exactly once, and nothing it did not
acknowledge is there half-written.

    .venv/bin/python bench/load_contacts.py [--cadres 50] [--seconds 60] [--web-workers 5]
        [--server postgres://postgres@127.0.0.1:5432] [--database liaison_load] [--reuse] [--keep]

What it does (bench/README.md, "Load: cadres logging contacts"):

1. Creates the database (dropping one left from before), migrates it and seeds the demo scheme
   (``seed_demo``: 89 cadres, 290 platforms), unless ``--reuse``. Sets a password on the cadres it
   will sign in as (one session per cadre; with more sessions than cadres, cadres sign in twice).
2. Starts gunicorn (``config/gunicorn.py``, sync workers, ``--web-workers`` of them) on a free
   loopback port, with DEBUG off, its Celery messages on Redis db 13 (purged at the end).
3. Signs each cadre in through the login page, as a cadre on a phone does (the API's token door is
   not used: the page form is the path cadres take), then, for ``--seconds``, each session in its
   own thread loops: open the contact form (GET /contacts/new/?platform=..., which carries the
   form's idempotency key), then send it (POST) with one to three issues of classes A to D and a
   summary unique to the request. A request that fails without an answer (a dropped connection,
   a timeout, a 5xx) is sent again once with the same form, as a phone's retry would be: the
   idempotency key must make it save once.
4. Reports requests, errors by status, p50/p95/p99 latency of each kind and of a whole contact
   (form and send), throughput; then reads the database: every contact acknowledged (a 302 to the
   platform's page) must be there exactly once with all its issues, and any contact from a request
   that was not acknowledged must be whole (its issues all there) or absent.

Exit status 0 when nothing was lost, duplicated or half-written, 1 otherwise (and 2 on a setup
failure). Only the standard library and the project's virtualenv are used.
"""

import argparse
import datetime
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
PASSWORD = "load-test-2026"
BROKER = "redis://127.0.0.1:6379/13"
SHANGHAI = ZoneInfo("Asia/Shanghai")
ISSUE_CLASSES = ["A", "B", "C", "D"]
SERVICE_AREAS = ["condition_building", "technology_innovation", "achievement_transformation", "talent_cultivation"]
KEY_FIELD = re.compile(r'name="idempotency_key"[^>]*value="([0-9a-f-]{36})"|value="([0-9a-f-]{36})"[^>]*name="idempotency_key"')
REQUEST_TIMEOUT = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str, capture: bool = False) -> str:
    result = subprocess.run([str(PYTHON), "manage.py", *args], cwd=ROOT, env=env, check=True, text=True,
                            stdout=subprocess.PIPE if capture else subprocess.DEVNULL)
    return result.stdout if capture else ""


def psql(server: str, sql: str) -> None:
    subprocess.run(["psql", f"{server}/postgres", "-qtAc", sql], check=True, stdout=subprocess.DEVNULL)


# --- setting up ---------------------------------------------------------------------------------------

CADRES_SNIPPET = """
import json
from django.contrib.auth.hashers import make_password
from liaison.access import platforms_loggable_by
from liaison.models import Cadre
wanted = {wanted}
hashed = make_password({password!r})
cadres = []
for cadre in Cadre.objects.filter(user__is_active=True).select_related("user").order_by("pk"):
    platforms = list(platforms_loggable_by(cadre.user).values_list("pk", flat=True))
    if not platforms:
        continue
    cadre.user.password = hashed
    cadre.user.save(update_fields=["password"])
    cadres.append({{"username": cadre.user.username, "platforms": platforms}})
    if len(cadres) == wanted:
        break
print(json.dumps(cadres))
"""

CHECK_SNIPPET = """
import json
from django.db.models import Count
from issues.models import Issue
from liaison.models import Contact
tag = {tag!r}
contacts = list(Contact.objects.filter(summary__startswith=tag).annotate(issue_count=Count("issues"))
                .values_list("summary", "issue_count"))
orphans = Issue.objects.filter(title__startswith=tag, contact__isnull=True).count()
print(json.dumps({{"contacts": contacts, "orphan_issues": orphans}}))
"""


def prepare_database(args, env: dict) -> None:
    if args.reuse:
        print(f"reusing database {args.database}")
        return
    started = time.monotonic()
    psql(args.server, f'DROP DATABASE IF EXISTS "{args.database}"')
    psql(args.server, f'CREATE DATABASE "{args.database}"')
    manage(env, "migrate", "--verbosity", "0")
    manage(env, "seed_demo")
    print(f"database {args.database}: created, migrated and seeded in {time.monotonic() - started:.0f} s")


def start_gunicorn(env: dict, port: int, log: Path, *, workers: int, root: Path = ROOT) -> subprocess.Popen:
    """gunicorn (``config/gunicorn.py``, ``workers`` sync workers, DEBUG off) serving the tree at
    ``root`` on ``port``, once it answers the sign-in page (``contact_bench.py`` starts its own the
    same way)."""
    web_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers),
               "GUNICORN_ACCESS_LOG": "", "GUNICORN_MAX_REQUESTS": "0", "DJANGO_DEBUG": "false"}
    process = subprocess.Popen([str(GUNICORN), "-c", "config/gunicorn.py", "config.wsgi"], cwd=root, env=web_env,
                               stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped while starting; its log: {log}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/login/")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.5)
    stop(process)
    raise SystemExit(f"gunicorn did not answer within 60 s; its log: {log}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --- one cadre on a phone --------------------------------------------------------------------------------


@dataclass
class Sent:
    """One contact form sent: its unique summary, how many issues, and what the portal answered."""

    note: str
    issues: int
    acknowledged: bool = False
    statuses: list[str] = field(default_factory=list)


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"form": [], "send": [], "contact": []})
    statuses: Counter = field(default_factory=Counter)
    sent: list[Sent] = field(default_factory=list)
    retries: int = 0

    def record(self, kind: str, seconds: float, status: str) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[f"{kind} {status}"] += 1


class Session:
    """A browser's cookies over one keep-alive connection (reopened when gunicorn closes it)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection = None

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Accept-Language": "zh-hans"}
        data = None
        if body is not None:
            data = urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        try:
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = None
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, dict(response.headers), text

    def sign_in(self, username: str) -> None:
        self.request("GET", "/login/")
        status, headers, _ = self.request("POST", "/login/", {
            "username": username, "password": PASSWORD, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")})
        if status != 302:
            raise SystemExit(f"signing in as {username} answered {status}")


def contact_body(session: Session, key: str, platform: int, note: str, issues: int, today: str, rng) -> dict:
    body = {
        "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""), "idempotency_key": key,
        "platform": platform, "date": today, "kind": rng.choice(["visit", "call", "meeting", "online"]),
        "people_met": "张主任", "summary": note, "needs": "",
        "issues-TOTAL_FORMS": issues, "issues-INITIAL_FORMS": 0,
        "achievements-TOTAL_FORMS": 0, "achievements-INITIAL_FORMS": 0,
        "services-TOTAL_FORMS": 0, "services-INITIAL_FORMS": 0,
    }
    for row in range(issues):
        issue_class = rng.choice(ISSUE_CLASSES)
        body.update({
            f"issues-{row}-title": f"{note} issue {row + 1}", f"issues-{row}-issue_class": issue_class,
            f"issues-{row}-service_area": rng.choice(SERVICE_AREAS), f"issues-{row}-description": "压测",
            f"issues-{row}-answer": "已当场解答" if issue_class == "A" else "",
        })
    return body


def cadre_loop(session: Session, cadre: dict, number: int, tag: str, until: float, tally: Tally) -> None:
    rng = random.Random(f"{tag}:{number}")
    today = datetime.datetime.now(SHANGHAI).date().isoformat()
    sequence = 0
    while time.monotonic() < until:
        sequence += 1
        platform = rng.choice(cadre["platforms"])
        began = time.monotonic()
        try:
            status, _headers, page = session.request("GET", f"/contacts/new/?platform={platform}")
            tally.record("form", time.monotonic() - began, str(status))
        except (OSError, http.client.HTTPException) as error:
            tally.record("form", time.monotonic() - began, type(error).__name__)
            continue
        match = KEY_FIELD.search(page) if status == 200 else None
        if match is None:
            continue
        key = match.group(1) or match.group(2)
        note = f"{tag} s{number:03d} n{sequence:05d}"
        sent = Sent(note=note, issues=rng.randint(1, 3))
        body = contact_body(session, key, platform, note, sent.issues, today, rng)
        with tally.lock:
            tally.sent.append(sent)
        for attempt in range(2):  # the first send, and one retry of the same form when no answer came
            posted = time.monotonic()
            try:
                status, headers, _ = session.request("POST", "/contacts/new/", body)
                outcome = str(status)
            except (OSError, http.client.HTTPException) as error:
                status, headers, outcome = None, {}, type(error).__name__
            tally.record("send", time.monotonic() - posted, outcome)
            sent.statuses.append(outcome)
            if status == 302 and "/platforms/" in headers.get("Location", ""):
                sent.acknowledged = True
                tally.record("contact", time.monotonic() - began, "302")
                break
            if status is not None and status < 500:
                break  # an answer that is not a save: a retry would get the same
            if attempt == 0:
                with tally.lock:
                    tally.retries += 1


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


# --- the check ------------------------------------------------------------------------------------------


def check(env: dict, tag: str, tally: Tally) -> list[str]:
    found = json.loads(manage(env, "shell", "--no-imports", "-c", CHECK_SNIPPET.format(tag=tag), capture=True)
                       .strip().splitlines()[-1])
    rows: dict[str, list[int]] = {}
    for note, issues in found["contacts"]:
        rows.setdefault(note, []).append(issues)
    problems = []
    sent_notes = {sent.note for sent in tally.sent}
    for sent in tally.sent:
        copies = rows.get(sent.note, [])
        if sent.acknowledged and len(copies) != 1:
            problems.append(f"{sent.note}: acknowledged, {len(copies)} contacts in the database")
        if len(copies) > 1:
            problems.append(f"{sent.note}: {len(copies)} contacts (a duplicate)")
        for issues in copies:
            if issues != sent.issues:
                problems.append(f"{sent.note}: {issues} of its {sent.issues} issues written (half-written)")
    for note in rows.keys() - sent_notes:
        problems.append(f"{note}: in the database, never sent")
    if found["orphan_issues"]:
        problems.append(f"{found['orphan_issues']} issues of this run without their contact")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cadres", type=int, default=50, help="concurrent cadres (sessions), default 50")
    parser.add_argument("--seconds", type=float, default=60, help="how long they log contacts, default 60")
    parser.add_argument("--web-workers", type=int, default=(os.cpu_count() or 1) * 2 + 1,
                        help="gunicorn's workers (WEB_CONCURRENCY), default 2 x CPUs + 1")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432",
                        help="the PostgreSQL server, without a database name")
    parser.add_argument("--database", default="liaison_load", help="the database to create (dropped first)")
    parser.add_argument("--reuse", action="store_true", help="use the database as it is (already seeded)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (default: dropped)")
    args = parser.parse_args()

    env = {**os.environ, "DATABASE_URL": f"{args.server}/{args.database}", "CELERY_BROKER_URL": BROKER,
           "DJANGO_ENV": "development", "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    env.pop("PORTAL_TEST_TODAY", None)
    prepare_database(args, env)
    cadres = json.loads(manage(env, "shell", "--no-imports", "-c",
                               CADRES_SNIPPET.format(wanted=args.cadres, password=PASSWORD), capture=True)
                        .strip().splitlines()[-1])
    if not cadres:
        print("no cadre with a platform to log a contact for", file=sys.stderr)
        return 2
    port = free_port()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"load_contacts_gunicorn_{os.getpid()}.log"
    web = start_gunicorn(env, port, log, workers=args.web_workers)
    tag = f"load-{datetime.datetime.now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
    tally = Tally()
    try:
        sessions = []
        for number in range(args.cadres):
            cadre = cadres[number % len(cadres)]
            session = Session(port)
            session.sign_in(cadre["username"])
            sessions.append((session, cadre))
        print(f"{args.cadres} cadres signed in ({len(cadres)} distinct) through the login page; "
              f"gunicorn with {args.web_workers} sync workers on 127.0.0.1:{port}; logging contacts "
              f"for {args.seconds:.0f} s")
        began = time.monotonic()
        until = began + args.seconds
        threads = [threading.Thread(target=cadre_loop, args=(session, cadre, number, tag, until, tally))
                   for number, (session, cadre) in enumerate(sessions)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - began
    finally:
        stop(web)
        subprocess.run([str(PYTHON), "-m", "celery", "-A", "config", "purge", "-f"], cwd=ROOT, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)

    requests = sum(len(tally.latencies[kind]) for kind in ("form", "send"))
    expected_answer = {"form": "200", "send": "302", "contact": "302"}
    errors = {status: count for status, count in tally.statuses.items()
              if status.split()[1] != expected_answer[status.split()[0]]}
    acknowledged = sum(sent.acknowledged for sent in tally.sent)
    print(f"\nrequests: {requests} in {elapsed:.1f} s ({requests / elapsed:.1f}/s); contacts acknowledged: "
          f"{acknowledged} ({acknowledged / elapsed:.1f}/s) of {len(tally.sent)} sent, "
          f"{sum(s.issues for s in tally.sent if s.acknowledged)} issues; retries of a send without an answer: "
          f"{tally.retries}")
    print("answers:", ", ".join(f"{status}: {count}" for status, count in sorted(tally.statuses.items())))
    print("errors:", ", ".join(f"{status}: {count}" for status, count in sorted(errors.items())) or "none")
    for kind, label in (("form", "open the form (GET)"), ("send", "send it (POST)"),
                        ("contact", "a whole contact (GET + POST)")):
        values = tally.latencies[kind]
        if values:
            print(f"{label:30} n={len(values):5}  p50 {percentile(values, .5) * 1000:6.0f} ms  "
                  f"p95 {percentile(values, .95) * 1000:6.0f} ms  p99 {percentile(values, .99) * 1000:6.0f} ms  "
                  f"mean {statistics.fmean(values) * 1000:6.0f} ms")

    problems = check(env, tag, tally)
    if not args.keep and not args.reuse:
        psql(args.server, f'DROP DATABASE IF EXISTS "{args.database}"')
    if problems:
        print(f"\nFAIL: {len(problems)} problems", *problems[:50], sep="\n  ")
        return 1
    print(f"\nOK: each of the {acknowledged} acknowledged contacts is in the database once, with all its issues; "
          f"nothing unacknowledged is half-written.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

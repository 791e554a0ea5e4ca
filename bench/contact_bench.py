"""Logging a contact against a bare INSERT: the contact page's POST and the API's, against a Django
view doing one INSERT, all served by one gunicorn with the same sync workers, on PostgreSQL.

    .venv/bin/python bench/contact_bench.py [--seconds 5] [--rounds 5] [--concurrency 4] [--workers 2]
        [--issues 2] [--server postgres://postgres@127.0.0.1:5432] [--database liaison_contact_bench]
        [--reuse] [--keep] [--show-sql] [--compare DIR]

What it does (bench/README.md, "Logging a contact against a bare INSERT"):

1. Creates the database (dropping one left from before) unless ``--reuse``, migrates it with
   ``bench/contact_bench_settings.py`` (the portal's settings plus a tiny table, ``bare_insert_hit``,
   and one URL, ``POST /bench/bare-insert/``: a view doing ``Hit.objects.create``), and seeds the
   demo scheme's units, cadres, platforms and assignments (no history: a few seconds).
2. Counts the SQL statements of each path in one request made in process (Django's test client,
   outside any test transaction, so as gunicorn's workers send them, BEGIN and COMMIT included),
   the request before it warming up; for the page, the POST alone (its form opened before).
3. Starts gunicorn (``config/gunicorn.py``, sync workers, ``--workers`` of them) on a free
   loopback port, DEBUG off, the shared cache on Redis as in production (``CACHE_URL``: the
   evaluation's kept boards are told of every write there) and Celery's messages on Redis, both in
   db 10 (its messages and kept values removed at the end). ``--concurrency`` client threads each
   sign in as a cadre of their own
   (the page: through the login page; the API: a token from ``/api/v1/auth/token/``).
4. Rounds, the paths in turn (the order rotating each round, so drift in the machine's load hits
   each alike), each path ``--seconds`` long, every thread sending as fast as it is answered:
   (a) ``POST /bench/bare-insert/``; (b) the contact page, ``POST /contacts/new/?platform=...`` (the
   form's own address, as a browser sends it) with a contact
   and ``--issues`` issues (classes A, B, C, D in turn), each with the idempotency key of a form
   opened with ``GET /contacts/new/?platform=...`` just before the timed window (those GETs are
   timed apart and reported as the form's rate; the ratio counts the POSTs alone); (c) the API,
   ``POST /api/v1/contacts/`` with a JSON contact and an ``Idempotency-Key`` header; and two more
   floors, served by this tree alone: (d) ``POST /bench/signed-in-insert/``, the least a signed-in
   page's POST does (the session's user, the CSRF check, a one-field form, one INSERT, a redirect),
   through the same signed-in session as the page; (e) ``POST /bench/api-insert/``, the least a POST
   to the API does (DRF with the portal's token authentication and permissions, a one-field
   serializer, one INSERT, a 201 in JSON), with the same token as the API.
5. Prints each path's requests per second (median of the rounds, and the range), its ratio to the
   bare view (the median of each round's ratio), its statements, and any answer that was not the
   expected one (then exits 1). Drops the database unless ``--keep`` (or ``--reuse``).

``--compare DIR`` serves an earlier checkout of the portal beside this one (``git worktree add
--detach DIR <commit>``, and a link to this ``.venv`` in it): its own database (``--database`` with
``_before``), migrated and seeded the same way, its own gunicorn with the same workers (idle while
the other is measured) and client threads; its page and API are measured in the same rounds, their
ratios to the same round's bare view.

Only the standard library and the project's virtualenv are used; pieces of ``load_contacts.py``
(the browser session, gunicorn's start and stop) are reused.
"""

import argparse
import datetime
import http.client
import itertools
import json
import math
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from load_contacts import KEY_FIELD, PASSWORD, REQUEST_TIMEOUT, Session, free_port, psql, start_gunicorn, stop

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
SETTINGS = "bench.contact_bench_settings"
REDIS = "redis://127.0.0.1:6379/10"
SHANGHAI = ZoneInfo("Asia/Shanghai")
ISSUE_CLASSES = ["A", "B", "C", "D"]
SERVICE_AREAS = ["condition_building", "technology_innovation", "achievement_transformation", "talent_cultivation"]
PATHS = ("bare", "page", "api", "page_floor", "api_floor")
LABELS = {"bare": "(a) bare view, one INSERT", "page": "(b) contact page POST", "api": "(c) API POST /api/v1/contacts/",
          "page_floor": "(d) signed-in form view, one INSERT", "api_floor": "(e) DRF view, token, one INSERT"}


# --- setting up ---------------------------------------------------------------------------------------

SEED_SNIPPET = """
import datetime, json
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from liaison import demo
from liaison.access import platforms_loggable_by
from liaison.models import Cadre
from rest_framework.authtoken.models import Token

if not Cadre.objects.exists():
    today = timezone.localdate()
    scheme = demo.build_scheme()
    report = demo.SeedReport()
    users = demo._seed_users(scheme, report)
    units = demo._seed_units(scheme, users, report)
    platforms = demo._seed_platforms(scheme, report)
    cadres = demo._seed_cadres(scheme, users, units, report)
    demo._seed_assignments(scheme, cadres, platforms, min(demo.LAUNCH_DATE, today), report)
hashed = make_password({password!r})
chosen = []
for cadre in Cadre.objects.filter(user__is_active=True).select_related("user").order_by("pk"):
    platforms = list(platforms_loggable_by(cadre.user).values_list("pk", flat=True))
    if not platforms:
        continue
    cadre.user.password = hashed
    cadre.user.save(update_fields=["password"])
    Token.objects.filter(user=cadre.user).delete()
    chosen.append({{"username": cadre.user.username, "platforms": platforms,
                    "token": Token.objects.create(user=cadre.user).key}})
    if len(chosen) == {wanted}:
        break
print(json.dumps(chosen))
"""

#: One request of each path in process, its statements captured (the request before it warms up).
COUNT_SNIPPET = """
import json, re, uuid
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.contrib.auth import get_user_model

settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
plan = json.loads({plan!r})
user = get_user_model().objects.get(username=plan["username"])
key_field = re.compile({key_pattern!r})
counted = {{}}

def count(name, send, expected):
    send()
    with CaptureQueriesContext(connection) as captured:
        response = send()
    assert response.status_code == expected, (name, response.status_code, response.content[:500])
    counted[name] = [query["sql"] for query in captured.captured_queries]

page = Client()
page.force_login(user)
api = Client(HTTP_AUTHORIZATION="Token " + plan["token"])
if {with_bare}:
    count("bare", lambda: Client().post("/bench/bare-insert/", {{"note": "count"}}), 201)
    count("page_floor", lambda: page.post("/bench/signed-in-insert/", {{"note": "count"}}), 302)
    count("api_floor", lambda: api.post("/bench/api-insert/", {{"note": "count"}}, content_type="application/json"),
          201)

bodies = []
for _ in range(2):
    form = page.get("/contacts/new/?platform=%d" % plan["platform"])
    match = key_field.search(form.content.decode())
    bodies.append(dict(plan["page_body"], idempotency_key=match.group(1) or match.group(2),
                       summary="count " + uuid.uuid4().hex))
count("page", lambda: page.post("/contacts/new/?platform=%d" % plan["platform"], bodies.pop()), 302)

count("api", lambda: api.post("/api/v1/contacts/", plan["api_body"], content_type="application/json",
                              HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())), 201)
print(json.dumps(counted))
"""


def forget_redis(database: str) -> None:
    """Remove the bench's messages and kept values from Redis db 10."""
    import redis

    client = redis.Redis.from_url(REDIS)
    client.delete("celery", *client.scan_iter(match="_kombu.*"))
    for key in client.scan_iter(match=f"*evaluation:{database}:*"):
        client.delete(key)


@dataclass
class Side:
    """A code tree served and measured: this one, or with ``--compare`` an earlier checkout (its
    own database, gunicorn and client threads; the bare view is served by this tree alone)."""

    name: str
    root: Path
    database: str
    env: dict
    clients: list = field(default_factory=list)
    web: subprocess.Popen | None = None


def manage(side: Side, *args: str, capture: bool = False) -> str:
    result = subprocess.run([str(PYTHON), "manage.py", *args], cwd=side.root, env=side.env, check=True, text=True,
                            stdout=subprocess.PIPE if capture else subprocess.DEVNULL)
    return result.stdout if capture else ""


def shell(side: Side, code: str):
    return json.loads(manage(side, "shell", "--no-imports", "-c", code, capture=True).strip().splitlines()[-1])


def prepare_database(args, side: Side) -> None:
    if args.reuse:
        print(f"reusing database {side.database}", flush=True)
        manage(side, "migrate", "--run-syncdb", "--verbosity", "0")
        return
    started = time.monotonic()
    psql(args.server, f'DROP DATABASE IF EXISTS "{side.database}"')
    psql(args.server, f'CREATE DATABASE "{side.database}"')
    manage(side, "migrate", "--run-syncdb", "--verbosity", "0")
    print(f"database {side.database}: created and migrated in {time.monotonic() - started:.0f} s", flush=True)


def start_web(side: Side, workers: int, port: int, log: Path) -> subprocess.Popen:
    """gunicorn as ``load_contacts`` starts it, from the side's tree."""
    return start_gunicorn(side.env, port, log, workers=workers, root=side.root)


# --- what each path sends ----------------------------------------------------------------------------


def page_body(csrf: str, platform: int, note: str, issues: int, today: str) -> dict:
    body = {
        "csrfmiddlewaretoken": csrf, "platform": platform, "date": today, "kind": "visit",
        "people_met": "张主任", "summary": note, "needs": "希望对接风险投资",
        "issues-TOTAL_FORMS": issues, "issues-INITIAL_FORMS": 0,
        "achievements-TOTAL_FORMS": 0, "achievements-INITIAL_FORMS": 0,
        "services-TOTAL_FORMS": 0, "services-INITIAL_FORMS": 0,
    }
    for row in range(issues):
        issue_class = ISSUE_CLASSES[row % len(ISSUE_CLASSES)]
        body.update({
            f"issues-{row}-title": f"{note} issue {row + 1}", f"issues-{row}-issue_class": issue_class,
            f"issues-{row}-service_area": SERVICE_AREAS[row % len(SERVICE_AREAS)],
            f"issues-{row}-description": "基准测试",
            f"issues-{row}-answer": "已当场解答" if issue_class == "A" else "",
        })
    return body


def api_body(platform: int, note: str, today: str) -> dict:
    return {"platform": platform, "date": today, "kind": "call", "people_met": "张主任", "summary": note,
            "needs": "希望对接风险投资"}


def raw_request(port: int, method: str, path: str, body: bytes | None, headers: dict) -> tuple[int, dict, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.headers), response.read().decode("utf-8", errors="replace")
    finally:
        connection.close()


class Client:
    """One client thread's identity: a cadre, signed in through the login page and holding a token."""

    def __init__(self, port: int, cadre: dict, number: int):
        self.port, self.cadre, self.number = port, cadre, number
        self.session = Session(port)
        self.session.sign_in(cadre["username"])
        self.platforms = itertools.cycle(cadre["platforms"])
        self.keys: list[tuple[int, str]] = []  # (platform, key) of forms opened and not sent yet
        self.sequence = 0

    def open_form(self) -> bool:
        platform = next(self.platforms)
        status, _headers, page = self.session.request("GET", f"/contacts/new/?platform={platform}")
        match = KEY_FIELD.search(page) if status == 200 else None
        if match is None:
            return False
        self.keys.append((platform, match.group(1) or match.group(2)))
        return True

    def note(self, tag: str) -> str:
        self.sequence += 1
        return f"{tag} c{self.number:02d} n{self.sequence:06d}"

    def send(self, path: str, tag: str, issues: int, today: str) -> tuple[bool, str]:
        """One request of ``path``: whether it was answered as a success, and its status."""
        if path == "bare":
            status, _h, _t = raw_request(self.port, "POST", "/bench/bare-insert/",
                                         urlencode({"note": self.note(tag)}).encode(),
                                         {"Content-Type": "application/x-www-form-urlencoded"})
            return status == 201, str(status)
        if path == "page_floor":
            status, _h, _t = self.session.request("POST", "/bench/signed-in-insert/", {
                "csrfmiddlewaretoken": self.session.cookies.get("csrftoken", ""), "note": self.note(tag)})
            self.session.cookies.pop("messages", None)
            return status == 302, str(status)
        if path == "api_floor":
            status, _h, _t = raw_request(
                self.port, "POST", "/bench/api-insert/", json.dumps({"note": self.note(tag)}).encode(),
                {"Content-Type": "application/json", "Authorization": f"Token {self.cadre['token']}",
                 "Accept-Language": "zh-hans"})
            return status == 201, str(status)
        if path == "api":
            platform = next(self.platforms)
            status, _h, _t = raw_request(
                self.port, "POST", "/api/v1/contacts/", json.dumps(api_body(platform, self.note(tag), today)).encode(),
                {"Content-Type": "application/json", "Authorization": f"Token {self.cadre['token']}",
                 "Idempotency-Key": str(uuid.uuid4()), "Accept-Language": "zh-hans"})
            return status == 201, str(status)
        platform, key = self.keys.pop()
        body = {**page_body(self.session.cookies.get("csrftoken", ""), platform, self.note(tag), issues, today),
                "idempotency_key": key}
        # To the form's own address, as a browser sends it (the form has no action).
        status, headers, _t = self.session.request("POST", f"/contacts/new/?platform={platform}", body)
        # A phone follows the redirect, whose page shows (and so takes out) the "saved" message: drop
        # it here instead, or the messages cookie would grow with every send.
        self.session.cookies.pop("messages", None)
        return status == 302 and "/platforms/" in headers.get("Location", ""), str(status)


def run_threads(clients: list[Client], work) -> float:
    """Run ``work(client)`` in a thread per client; the seconds from the first start to the last end."""
    threads = [threading.Thread(target=work, args=(client,)) for client in clients]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - began


def run_path(clients: list[Client], path: str, seconds: float, tag: str, issues: int, today: str) -> dict:
    """Every client sends ``path`` for ``seconds``: answers, successes, errors and the rate."""
    lock = threading.Lock()
    outcome = {"ok": 0, "errors": {}, "inline_forms": 0}
    until = time.monotonic() + seconds

    def work(client: Client) -> None:
        ok, errors, inline = 0, {}, 0
        while time.monotonic() < until:
            if path == "page" and not client.keys:
                inline += 1  # too few forms opened beforehand: open one now (reported)
                client.open_form()
                continue
            try:
                success, status = client.send(path, tag, issues, today)
            except (OSError, http.client.HTTPException) as error:
                success, status = False, type(error).__name__
            if success:
                ok += 1
            else:
                errors[status] = errors.get(status, 0) + 1
        with lock:
            outcome["ok"] += ok
            outcome["inline_forms"] += inline
            for status, n in errors.items():
                outcome["errors"][status] = outcome["errors"].get(status, 0) + n

    elapsed = run_threads(clients, work)
    outcome["seconds"] = elapsed
    outcome["rate"] = outcome["ok"] / elapsed
    return outcome


def open_forms(clients: list[Client], per_client: int) -> float:
    """Each client opens ``per_client`` contact forms (their keys kept for the page's round): the rate."""
    opened = [0]
    lock = threading.Lock()

    def work(client: Client) -> None:
        n = sum(client.open_form() for _ in range(max(0, per_client - len(client.keys))))
        with lock:
            opened[0] += n

    elapsed = run_threads(clients, work)
    return opened[0] / elapsed if elapsed and opened[0] else float("nan")


# --- reporting ------------------------------------------------------------------------------------------


def statement_kinds(statements: list[str]) -> str:
    kinds: dict[str, int] = {}
    for sql in statements:
        word = sql.split(None, 1)[0].upper()
        if word == "RELEASE":
            word = "SAVEPOINT"  # SAVEPOINT and RELEASE counted together: "4 SAVEPOINT" is two savepoints
        kinds[word] = kinds.get(word, 0) + 1
    return ", ".join(f"{n} {word}" for word, n in sorted(kinds.items(), key=lambda item: -item[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5, help="each path's time in a round, default 5")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (each path once per round), default 5")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads, each a cadre, default 4")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn's sync workers, default 2")
    parser.add_argument("--issues", type=int, default=2, help="issues per contact sent through the page (classes "
                        "A, B, C, D in turn), default 2")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432",
                        help="the PostgreSQL server, without a database name")
    parser.add_argument("--database", default="liaison_contact_bench", help="the database (dropped first)")
    parser.add_argument("--reuse", action="store_true", help="use the database as it is (made by an earlier --keep)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (default: dropped)")
    parser.add_argument("--show-sql", action="store_true", help="print each path's statements")
    parser.add_argument("--compare", type=Path, metavar="DIR",
                        help="also serve the portal from DIR (an earlier checkout, e.g. a git worktree of the "
                             "commit before), its own database (--database with _before) and gunicorn, its page "
                             "and API rounds interleaved with this tree's")
    args = parser.parse_args()

    common = {"CELERY_BROKER_URL": REDIS, "CACHE_URL": REDIS, "DJANGO_ENV": "development", "DJANGO_DEBUG": "false",
              "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    sides = [Side("now", ROOT, args.database, {**os.environ, **common, "DJANGO_SETTINGS_MODULE": SETTINGS,
                                               "DATABASE_URL": f"{args.server}/{args.database}"})]
    if args.compare:
        before = f"{args.database}_before"
        sides.append(Side("before", args.compare.resolve(), before, {
            **os.environ, **common, "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"{args.server}/{before}"}))
    for side in sides:
        side.env.pop("PORTAL_TEST_TODAY", None)
    try:
        for side in sides:
            prepare_database(args, side)
        return bench(args, sides)
    finally:
        if not args.keep and not args.reuse:
            for side in sides:
                psql(args.server, f'DROP DATABASE IF EXISTS "{side.database}"')


def count_statements(args, side: Side, cadre: dict, today: str) -> dict:
    plan = {"username": cadre["username"], "token": cadre["token"], "platform": cadre["platforms"][0],
            "page_body": page_body("", cadre["platforms"][0], "count", args.issues, today),
            "api_body": api_body(cadre["platforms"][0], "count", today)}
    return shell(side, COUNT_SNIPPET.format(plan=json.dumps(plan), key_pattern=KEY_FIELD.pattern,
                                            with_bare=side.name == "now"))


def bench(args, sides: list[Side]) -> int:
    today = datetime.datetime.now(SHANGHAI).date().isoformat()
    runs = []  # (key, side, path): what a round measures, in its order
    counted: dict[str, list[str]] = {}
    cadres = {}
    for side in sides:
        cadres[side.name] = shell(side, SEED_SNIPPET.format(password=PASSWORD, wanted=args.concurrency + 1))
        if len(cadres[side.name]) < args.concurrency + 1:
            print(f"only {len(cadres[side.name])} cadres with platforms; --concurrency {args.concurrency} needs "
                  "one more", file=sys.stderr)
            return 2
        # The statements are counted as a cadre no client thread signs in as.
        found = count_statements(args, side, cadres[side.name][-1], today)
        for path in PATHS:
            if path in found:
                key = path if side.name == "now" else f"{path}, before"
                counted[key] = found[path]
                runs.append((key, side, path))
    keys = [key for key, _side, _path in runs]
    rates: dict[str, list[float]] = {key: [] for key in keys}
    ratios: dict[str, list[float]] = {key: [] for key in keys}
    form_rates: list[float] = []
    errors: dict[str, dict[str, int]] = {key: {} for key in keys}
    inline_forms = 0
    tag = f"bench-{datetime.datetime.now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
    try:
        for side in sides:
            port = free_port()
            log = Path(os.environ.get("TMPDIR", "/tmp")) / f"contact_bench_gunicorn_{side.name}_{os.getpid()}.log"
            side.web = start_web(side, args.workers, port, log)
            side.clients = [Client(port, cadre, number)
                            for number, cadre in enumerate(cadres[side.name][:args.concurrency])]
        print(f"gunicorn: {args.workers} sync workers ({', '.join(side.name + ' ' + str(side.root) for side in sides)}); "
              f"{args.concurrency} client threads, each a cadre signed in; {args.rounds} rounds of {args.seconds:g} s "
              f"a path; {args.issues} issues a contact through the page", flush=True)
        # Warming up: every worker imports, connects and reads each path once or more.
        for key, side, path in runs:
            if path == "page":
                open_forms(side.clients, 2)
            run_path(side.clients, path, 1.0, tag, args.issues, today)
        for number in range(args.rounds):
            shift = number % len(runs)
            order = runs[shift:] + runs[:shift]
            this_round = {}
            for key, side, path in order:
                if path == "page":
                    guess = max(rates[key][-1] if rates[key] else 50.0, 10.0)
                    form_rates.append(open_forms(side.clients, math.ceil(guess * args.seconds * 1.5 / len(side.clients)) + 2))
                outcome = run_path(side.clients, path, args.seconds, tag, args.issues, today)
                this_round[key] = outcome["rate"]
                rates[key].append(outcome["rate"])
                inline_forms += outcome["inline_forms"]
                for status, n in outcome["errors"].items():
                    errors[key][status] = errors[key].get(status, 0) + n
            for key in keys:
                ratios[key].append(this_round[key] / this_round["bare"])
            print(f"round {number + 1}: " + ", ".join(f"{key} {this_round[key]:,.1f}/s" for key, _s, _p in order),
                  flush=True)
    finally:
        for side in sides:
            if side.web is not None:
                stop(side.web)
            forget_redis(side.database)

    print(f"\n{'path':40} {'requests/s: median (range)':>28} {'x bare':>7} {'statements':>11}")
    for key, side, path in runs:
        values = rates[key]
        label = LABELS[path] + ("" if side.name == "now" else ", before")
        print(f"{label:40} {statistics.median(values):>10,.1f} ({min(values):,.1f}-{max(values):,.1f})".ljust(70)
              + f"{statistics.median(ratios[key]):>6.2f} {len(counted[key]):>11}")
    form_rates = [rate for rate in form_rates if rate == rate]  # a round that opened none: NaN
    if form_rates:
        print(f"{'the contact form, GET (apart)':40} {statistics.median(form_rates):>10,.1f}")
    print("\nstatements (as Django sends them, in one request in process):")
    for key in keys:
        print(f"  {key}: {len(counted[key])}: {statement_kinds(counted[key])}")
        if args.show_sql:
            for sql in counted[key]:
                print(f"      {sql[:160]}")
    if inline_forms:
        print(f"note: {inline_forms} forms were opened inside the page's timed window (too few opened before)")
    failed = {key: found for key, found in errors.items() if found}
    if failed:
        print("answers other than the expected:", json.dumps(failed))
        return 1
    print("every request answered as expected (201, 302 to the platform's page, 201, 302, 201)")
    for floor, path in (("page_floor", "page"), ("api_floor", "api")):
        if floor in ratios and path in ratios:
            shares = [p / f for p, f in zip(ratios[path], ratios[floor], strict=True)]
            print(f"{LABELS[path]} against {LABELS[floor]}: {statistics.median(shares):.2f}x (median of the rounds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

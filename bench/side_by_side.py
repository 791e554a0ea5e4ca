"""What the side-by-side benches share: one worker process per database, asked in turn.

A bench runs itself again as a worker (``--worker DATABASE_URL``) for each scale; the parent writes
one JSON command a line to its stdin and reads one JSON answer a line from its stdout, alternating
between the scales so that drift in the machine's load hits both alike.
"""

import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import national_data

BASE_DIR = Path(__file__).resolve().parent.parent


class Worker:
    def __init__(self, script: str, scale: int, db_url: str, end: datetime.date, *extra: str):
        self.scale = scale
        self.process = subprocess.Popen(
            [sys.executable, str(Path(script).resolve()), "--worker", db_url, "--end", end.isoformat(), *extra],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=str(BASE_DIR),
        )

    def ask(self, **command) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.scale}x worker stopped (see its stderr above)")
        return json.loads(line)

    def close(self) -> None:
        try:
            self.ask(op="quit")
        except (BrokenPipeError, RuntimeError, json.JSONDecodeError):
            pass
        self.process.wait(timeout=30)


def claim_stdout():
    """The real stdout, for the protocol alone: anything else printed from now on (Django's setup
    included) goes to stderr. A worker calls it first."""
    protocol = sys.stdout
    sys.stdout = sys.stderr
    return protocol


def serve(protocol, handle) -> None:
    """The worker's loop: ``handle(command)`` answers each command until ``quit``."""
    for line in sys.stdin:
        command = json.loads(line)
        if command["op"] == "quit":
            break
        protocol.write(json.dumps(handle(command)) + "\n")
        protocol.flush()


def measured(connection, fn) -> tuple[float, int, dict]:
    """Run ``fn``: its time, its number of queries, and what it returned with the time its queries
    took (sent, run, rows received: psycopg2 fetches a result whole) as ``db_seconds``."""
    queries, in_db = 0, 0.0

    def count(execute, sql, params, many, context):
        nonlocal queries, in_db
        queries += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            in_db += time.perf_counter() - started

    connection.ensure_connection()
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        outcome = fn()
        seconds = time.perf_counter() - started
    return seconds, queries, {"db_seconds": in_db, **outcome}


def start_django(db_url: str, end: datetime.date):
    """Set Django up in a worker on ``db_url``, "today" frozen to ``end`` at 10:00 Asia/Shanghai
    with the clock ticking, the test client's host allowed; the time traveller, to stop at the end."""
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["CONN_MAX_AGE"] = "600"  # one connection for the worker's life, as a long-lived web process has

    import time_machine
    from zoneinfo import ZoneInfo

    traveller = time_machine.travel(
        datetime.datetime.combine(end, datetime.time(10, 0), tzinfo=ZoneInfo("Asia/Shanghai")), tick=True)
    traveller.start()

    import django

    django.setup()
    from django.conf import settings

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    return traveller


def ensure_database(server_url: str, name: str, scale: int, end: datetime.date, reuse: bool) -> dict:
    """The counts of database ``name`` at ``scale``: built by ``national_data``, or with ``reuse``
    the one already there when it is of that scale and end day (migrated first when the project
    has migrations it lacks, as a live portal's database would be)."""
    meta = national_data.read_meta(server_url, name) if reuse else None
    if meta and meta["scale"] == scale and meta["end"] == end:
        missing = national_data.missing_migrations(server_url, name)
        if missing:
            print(f"{name} lacks migrations ({', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''}): "
                  "migrating it", flush=True)
            national_data.migrate_database(server_url, name)
        print(f"reusing {name} (scale {scale}, the year ending {end})", flush=True)
        return meta["counts"]
    if reuse:
        print(f"{name} is missing or of another scale or end day: building it", flush=True)
    return national_data.make_database(scale, name, end=end, server_url=server_url)


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"

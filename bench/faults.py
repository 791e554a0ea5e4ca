"""Faults while reminders are due: the broker stopped and restarted, a worker killed mid-sweep, the
SMTP server down with mail pending. Each must lose nothing and send nothing twice.

    .venv/bin/python bench/faults.py [--only broker|worker|smtp] [--visibility-timeout SECONDS]
        [--server postgres://postgres@127.0.0.1:5432] [--database liaison_faults] [--redis-port 6390]

Everything is real and on loopback (bench/README.md, "Faults"): a PostgreSQL database of its own
(created, migrated, dropped at the end unless ``--keep``), a redis-server of its own on
``--redis-port`` with no persistence (so a restart empties the queue: the hardest case; the
machine's shared Redis is never touched), Celery workers (prefork) and one beat as
Procfile.production runs them, and an SMTP server (aiosmtpd) in this process that counts the
notices it is sent by key (an e-mail carries one recipient's notices of a delivery batch and names
their keys). Each fault sweeps one day (2026-05-15, -18, -19, -20) with issues due or overdue that
day; what the sweep should send is read from a dry run first, and the verdict is: every one of
those notifications written once, e-mailed once (its key seen once at the SMTP server), none left
pending, none seen twice.

- broker: with the worker and beat running, the broker is stopped; the day's sweep runs (as
  ``manage.py enforce`` does: its rows are committed, the enqueue that follows fails fast); the
  broker comes back empty; beat's every-minute delivery job sends the mail.
- worker: the sweep is sent as a task to a worker (``tests.issues.pausing_worker``: the real app,
  plus a pause inside the first sweep's transaction after its first notification); its pool child
  is killed there (SIGKILL), and the time to the finished sweep measured; then, on the next day,
  the whole worker is killed at the same point and a second worker started, which takes the
  message over once the visibility timeout has passed.
- smtp: the SMTP server is stopped; the sweep runs as a task; delivery fails and backs off; the
  server comes back on the same port and the mail is delivered.

Exit status 0 when every fault's verdict is OK, 1 otherwise.
"""

import argparse
import datetime
import email
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from email import policy
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = ROOT / ".venv" / "bin" / "python"
SHANGHAI = ZoneInfo("Asia/Shanghai")
SWEEP_TASK = "issues.tasks.sweep_deadlines"
#: How long the mail may take to arrive once the fault is over: beat's delivery job runs every
#: minute, and a failed delivery backs off a minute before its retry.
RECOVERY_BOUND = 240


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def say(text: str) -> None:
    print(f"[{datetime.datetime.now(datetime.timezone.utc):%H:%M:%S} UTC] {text}", flush=True)


def wait_until(predicate, bound: float, what: str) -> float:
    """Seconds until ``predicate()`` held; raises TimeoutError naming ``what`` after ``bound``."""
    began = time.monotonic()
    while not predicate():
        if time.monotonic() - began > bound:
            raise TimeoutError(f"no {what} within {bound:.0f} s")
        time.sleep(0.2)
    return time.monotonic() - began


# --- the pieces ---------------------------------------------------------------------------------------


class RedisServer:
    """A redis-server of our own, without persistence."""

    def __init__(self, port: int, log: Path):
        self.port, self.log, self.process = port, log, None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=self.log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(self.answers, 10, f"redis-server on port {self.port}")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class SMTPInbox:
    """An aiosmtpd handler that counts the notices it receives by key (an e-mail names the keys of
    the notices it carries in its ``X-Liaison-Notification`` header), and the e-mails."""

    def __init__(self):
        self.lock = threading.Lock()
        self.keys: Counter = Counter()
        self.emails = 0

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.keys.update(str(message["X-Liaison-Notification"] or "").split())  # delivery.carried_keys
            self.emails += 1
        return "250 Message accepted for delivery"

    def seen(self) -> Counter:
        with self.lock:
            return Counter(self.keys)


class SMTPServer:
    def __init__(self, port: int):
        self.port, self.inbox, self.controller = port, SMTPInbox(), None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class CeleryProcess:
    """``celery -A APP worker|beat ...`` in its own process group, its output in the log."""

    def __init__(self, label: str, command: list[str], env: dict, log: Path):
        self.label = label
        self.process = subprocess.Popen([str(PYTHON), "-m", "celery", *command], cwd=ROOT, env=env,
                                        stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill_all(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        self.kill_all()


# --- the bench ------------------------------------------------------------------------------------------


class Bench:
    def __init__(self, args):
        self.args = args
        self.workdir = Path(tempfile.mkdtemp(prefix="portal-faults-"))
        self.log = self.workdir / "processes.log"
        self.redis = RedisServer(args.redis_port, self.log)
        self.smtp = SMTPServer(free_port())
        self.broker = f"redis://127.0.0.1:{args.redis_port}/0"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_ENV": "development",
            "DATABASE_URL": f"{args.server}/{args.database}",
            "CELERY_BROKER_URL": self.broker,
            "CELERY_VISIBILITY_TIMEOUT": str(args.visibility_timeout),
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.smtp.port),
        }
        self.env.pop("PORTAL_TEST_TODAY", None)
        self.processes: list[CeleryProcess] = []

    # processes

    def worker(self, label: str, app: str = "config", concurrency: int = 2, **extra_env) -> CeleryProcess:
        process = CeleryProcess(label, ["-A", app, "worker", "--pool=prefork", f"--concurrency={concurrency}",
                                        "--loglevel=WARNING", "--without-gossip", "--without-mingle",
                                        "-n", f"{label}-{os.getpid()}@%h"],
                                {**self.env, **extra_env}, self.log)
        self.processes.append(process)
        return process

    def beat(self) -> CeleryProcess:
        process = CeleryProcess("beat", ["-A", "config", "beat", "--loglevel=INFO",
                                         "-s", str(self.workdir / "beat-schedule"), "--pidfile="],
                                self.env, self.log)
        self.processes.append(process)
        return process

    def wait_ready(self, worker_label: str, log_start: int) -> None:
        """Until the worker answers a ping and beat has started, so that the fault hits them running."""
        from config.celery import app as celery_app

        def worker_answers():
            return any(name.startswith(f"{worker_label}-") for reply in celery_app.control.ping(timeout=1)
                       for name in reply)

        def beat_started():
            with self.log.open("rb") as log:
                log.seek(log_start)
                return b"beat: Starting..." in log.read()

        took = wait_until(worker_answers, 90, "answer from the worker")
        took += wait_until(beat_started, 60, "beat starting")
        time.sleep(3)
        say(f"worker and beat running ({took:.0f} s to start)")

    def stop_all(self) -> None:
        for process in self.processes:
            process.stop()
        self.processes.clear()

    # the database

    def prepare(self) -> None:
        os.environ.update(self.env)
        subprocess.run(["psql", f"{self.args.server}/postgres", "-qtAc",
                        f'DROP DATABASE IF EXISTS "{self.args.database}"'], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["psql", f"{self.args.server}/postgres", "-qtAc",
                        f'CREATE DATABASE "{self.args.database}"'], check=True, stdout=subprocess.DEVNULL)
        import django

        django.setup()
        # The SMTP server's own log, on by Django's logging settings, would drown the story.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        from django.conf import settings
        from django.core.management import call_command

        # The factories give each user a password: hashed the slow way, it is most of the setup.
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        call_command("migrate", verbosity=0)
        from tests.liaison.factories import AssignmentFactory, BureauStaffFactory, CadreFactory, UnitFactory

        BureauStaffFactory()
        units = [UnitFactory() for _ in range(3)]
        self.assignments = [AssignmentFactory(cadre=CadreFactory(unit=units[n % 3])) for n in range(12)]
        say(f"database {self.args.database}: migrated; 3 units, 12 cadres each serving a platform")

    def issues_due(self, day: datetime.date, count: int) -> None:
        from tests.issues.factories import IssueFactory

        for n in range(count):
            assignment = self.assignments[n % len(self.assignments)]
            IssueFactory(platform=assignment.platform, recorded_by=assignment.cadre,
                         recorded_on=day - datetime.timedelta(days=21), original_due_date=day)

    @staticmethod
    def sweep_moment(day: datetime.date) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(9, 0), tzinfo=SHANGHAI)

    def expected(self, day: datetime.date) -> set[str]:
        from issues import enforcement

        return {n.key for n in enforcement.sweep_deadlines(now=self.sweep_moment(day), dry_run=True).notifications}

    # the verdict

    def delivered(self, keys: set[str]) -> bool:
        from notices.models import Notification

        return (Notification.objects.filter(key__in=keys).count() == len(keys)
                and not Notification.objects.filter(key__in=keys, email_status="pending").exists())

    def verdict(self, name: str, keys: set[str], seen_before: Counter) -> bool:
        from notices.models import Notification

        rows = list(Notification.objects.filter(key__in=keys))
        seen = self.smtp.inbox.seen() - seen_before
        by_status = Counter(row.email_status for row in rows)
        wanted = {row.key for row in rows if row.email_status == "sent"}
        problems = []
        if len(rows) != len(keys):
            problems.append(f"{len(keys) - len(rows)} of {len(keys)} notifications never written")
        if by_status["pending"] or by_status["failed"]:
            problems.append(f"{by_status['pending']} pending and {by_status['failed']} failed")
        missing = wanted - set(seen)
        if missing:
            problems.append(f"{len(missing)} marked sent but never received")
        twice = {key: count for key, count in seen.items() if count > 1}
        if twice:
            problems.append(f"{len(twice)} notifications received more than once")
        strangers = set(seen) - wanted
        if strangers:
            problems.append(f"{len(strangers)} notifications received that are none of this fault's")
        print(f"  {name}: {len(keys)} notifications due; {len(rows)} written, {by_status['sent']} e-mailed, "
              f"{by_status['skipped']} without an address; {sum(seen.values())} notifications received, "
              f"{len(seen)} distinct")
        print(f"  verdict: {'OK' if not problems else 'FAIL: ' + '; '.join(problems)}", flush=True)
        return not problems

    # the faults

    def fault_broker(self) -> bool:
        from issues import enforcement

        say("FAULT broker: the broker stopped and restarted, with the worker and beat running")
        day = datetime.date(2026, 5, 15)
        self.issues_due(day, 24)
        keys = self.expected(day)
        seen_before = self.smtp.inbox.seen()
        log_start = self.log.stat().st_size
        worker, beat = self.worker("broker-fault"), self.beat()
        self.wait_ready("broker-fault", log_start)
        self.redis.stop()
        say("broker stopped; the day's sweep runs, as manage.py enforce does")
        began = time.monotonic()
        result = enforcement.sweep_deadlines(now=self.sweep_moment(day))
        say(f"sweep wrote {len(result.notifications)} notifications in {time.monotonic() - began:.1f} s "
            f"(the enqueue after the commit failed fast: the broker is down); broker down for 20 s more")
        time.sleep(20)
        self.redis.start()
        say("broker back, empty (no persistence): the queue is the table, beat's every-minute job delivers")
        try:
            took = wait_until(lambda: self.delivered(keys), RECOVERY_BOUND, "delivery after the broker came back")
            say(f"all delivered {took:.0f} s after the broker came back")
        except TimeoutError as error:
            say(str(error))
        alive = worker.alive() and beat.alive()
        print(f"  the worker and beat {'survived the broker restart' if alive else 'DIED'}")
        ok = self.verdict("broker", keys, seen_before) and alive
        self.stop_all()
        return ok

    def fault_worker(self) -> bool:
        from config.celery import app as celery_app

        say("FAULT worker: a worker killed mid-sweep, inside the sweep's transaction")
        journal = self.workdir / "journal.txt"
        ok = True
        beat = self.beat()

        def lines():
            return [line.split() for line in journal.read_text().splitlines()] if journal.exists() else []

        def paused():
            return any(line[0] == "paused" for line in lines())

        def finished():
            return any(line[:2] == ["finished", SWEEP_TASK] for line in lines())

        for case, day in (("child", datetime.date(2026, 5, 18)), ("whole worker", datetime.date(2026, 5, 19))):
            journal.unlink(missing_ok=True)
            self.issues_due(day, 24)
            keys = self.expected(day)
            seen_before = self.smtp.inbox.seen()
            first = self.worker(f"mid-sweep-{case.split()[0]}", app="tests.issues.pausing_worker", concurrency=1,
                                WORKER_TEST_JOURNAL=str(journal))
            celery_app.send_task(SWEEP_TASK, kwargs={"at": self.sweep_moment(day).isoformat()})
            try:
                wait_until(paused, 60, "sweep reaching its pause")
                if case == "child":
                    child = int(next(line[-1] for line in lines() if line[0] == "paused"))
                    os.kill(child, signal.SIGKILL)
                    killed = time.monotonic()
                    say(f"pool child {child} killed (SIGKILL) mid-sweep; the worker's main process lives on")
                else:
                    first.kill_all()
                    killed = time.monotonic()
                    self.worker("survivor", app="tests.issues.pausing_worker", concurrency=1,
                                WORKER_TEST_JOURNAL=str(journal))
                    say(f"whole worker killed (SIGKILL to its process group) mid-sweep; a second worker started; "
                        f"visibility timeout {self.args.visibility_timeout} s")
                wait_until(finished, self.args.visibility_timeout + 120, "finished sweep")
                say(f"the sweep finished {time.monotonic() - killed:.1f} s after the kill")
                took = wait_until(lambda: self.delivered(keys), RECOVERY_BOUND, "delivery")
                say(f"its mail delivered {took:.0f} s later")
            except TimeoutError as error:
                say(str(error))
            starts = [line for line in lines() if line[:2] == ["started", SWEEP_TASK]]
            finishes = [line for line in lines() if line[:2] == ["finished", SWEEP_TASK]]
            print(f"  {case}: the sweep started {len(starts)} times, finished {len(finishes)} time(s) "
                  f"({', '.join(line[2] for line in finishes)})")
            ok = self.verdict(f"worker killed ({case})", keys, seen_before) and len(finishes) == 1 and ok
            for process in list(self.processes):
                if process is not beat:
                    process.stop()
                    self.processes.remove(process)
        self.stop_all()
        return ok

    def fault_smtp(self) -> bool:
        from config.celery import app as celery_app

        say("FAULT smtp: the SMTP server down with mail pending")
        day = datetime.date(2026, 5, 20)
        self.issues_due(day, 24)
        keys = self.expected(day)
        seen_before = self.smtp.inbox.seen()
        self.worker("smtp-fault")
        self.beat()
        self.smtp.stop()
        say("SMTP server stopped; the sweep is sent to the worker")
        celery_app.send_task(SWEEP_TASK, kwargs={"at": self.sweep_moment(day).isoformat()})
        from notices.models import Notification

        try:
            wait_until(lambda: Notification.objects.filter(key__in=keys).count() == len(keys), 60, "sweep")
            wait_until(lambda: Notification.objects.filter(key__in=keys, attempts__gt=0).exists(), 90,
                       "a failed delivery attempt")
        except TimeoutError as error:
            say(str(error))
        time.sleep(15)
        pending = Notification.objects.filter(key__in=keys, email_status="pending").count()
        say(f"{pending} of {len(keys)} notifications pending (delivery failed: connection refused); SMTP back")
        self.smtp.start()
        try:
            took = wait_until(lambda: self.delivered(keys), RECOVERY_BOUND, "delivery after SMTP came back")
            say(f"all delivered {took:.0f} s after the SMTP server came back")
        except TimeoutError as error:
            say(str(error))
        time.sleep(5)  # anything sent twice would arrive now
        ok = self.verdict("smtp", keys, seen_before)
        self.stop_all()
        return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["broker", "worker", "smtp"], action="append",
                        help="run only this fault (repeatable); default all three")
    parser.add_argument("--visibility-timeout", type=int, default=300,
                        help="the broker's visibility timeout for the workers (production's default: 300 s)")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432",
                        help="the PostgreSQL server, without a database name")
    parser.add_argument("--database", default="liaison_faults", help="the database to create (dropped first)")
    parser.add_argument("--redis-port", type=int, default=6390, help="the port of this script's own redis-server")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    bench = Bench(args)
    faults = args.only or ["broker", "worker", "smtp"]
    results = {}
    try:
        bench.redis.start()
        bench.smtp.start()
        bench.prepare()
        for name in faults:
            results[name] = getattr(bench, f"fault_{name}")()
    finally:
        bench.stop_all()
        bench.smtp.stop()
        bench.redis.stop()
        from django.db import connections

        connections.close_all()
        if not args.keep:
            subprocess.run(["psql", f"{args.server}/postgres", "-qtAc",
                            f'DROP DATABASE IF EXISTS "{args.database}"'], check=False, stdout=subprocess.DEVNULL)
    print("\n" + "\n".join(f"{name}: {'OK' if ok else 'FAIL'}" for name, ok in results.items()))
    print(f"processes' log: {bench.log}")
    return 0 if results and all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

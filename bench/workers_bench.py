"""Benchmark: the deadline sweep and the e-mail delivery of every notice it wrote, by real Celery
workers on Redis and PostgreSQL, to a real SMTP server: 4 worker processes against 1.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/workers_bench.py \\
        [--open 10000] [--runs 3] [--processes 1,4] [--redis redis://127.0.0.1:6379] [--redis-dbs 14,15]

The data of ``sweep_bench.py`` (``--open`` issues, 3,000 due: 6,000 notifications) in its own
database (``liaison_workers_bench``, ``--db``), and an SMTP server (aiosmtpd, counting e-mails by
Message-ID and the notices they carry by key) in a process of its own, as ``delivery_bench.py``
runs it. For each ``--processes``, a
Celery worker (``celery -A config worker --pool=prefork --concurrency=N``, as Procfile.production
runs it) on a Redis database of its own (``--redis-dbs``: they must be empty, and are emptied at the
end), all started before the first run and idle between their runs.

A run sends the sweep's task (``issues.tasks.sweep_deadlines`` as of 2026-05-15 09:00) to the
worker's broker and waits until all 6,000 notifications are marked sent: the sweep runs in one
worker process, its commit enqueues a delivery task per 500 notifications, and the worker's
processes take them (each claims 50 rows at a time with ``SELECT ... FOR UPDATE SKIP LOCKED``, and
sends each recipient's rows of the batch as one e-mail). The SMTP server must have received the
6,000 notices, 6,000 distinct, and no e-mail twice: each exactly once. Then the
database is put back as it was (outside the timing). Sides alternate, ``--runs`` times each after
a warm-up round; the medians and their ratio are printed. Exit status 1 if a run was not exactly once.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

import delivery_bench  # noqa: E402  (bench/ is not a package)
import peer_bench  # noqa: E402
import sweep_bench  # noqa: E402

N_NOTICES = 6000
#: Long enough for one worker process on a busy machine; a run that takes longer has failed.
RUN_TIMEOUT = 300


class Workers:
    """One Celery worker with ``processes`` prefork children, on the Redis database ``broker``."""

    def __init__(self, processes: int, broker: str, env: dict):
        from celery import Celery

        self.processes, self.broker = processes, broker
        self.app = Celery("bench", broker=broker, set_as_current=False)
        celery = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"
        self.process = subprocess.Popen(
            [celery, "-A", "config", "worker", "--pool=prefork", f"--concurrency={processes}",
             "--loglevel=WARNING", "-n", f"bench{processes}@%h", "--without-gossip", "--without-mingle"],
            env={**env, "CELERY_BROKER_URL": broker}, cwd=str(BENCH.parent))

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker with {self.processes} processes stopped")
            if self.app.control.ping(timeout=1):
                return
        raise RuntimeError(f"the worker with {self.processes} processes did not answer")

    def sweep(self) -> None:
        self.app.send_task("issues.tasks.sweep_deadlines", kwargs={"at": sweep_bench.NOW.isoformat()})

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def run(workers: Workers, smtp) -> tuple[float, dict]:
    from notices.models import Notification

    smtp.counts()  # count afresh
    started = time.perf_counter()
    workers.sweep()
    sent = 0
    while sent < N_NOTICES and time.perf_counter() - started < RUN_TIMEOUT:
        time.sleep(0.05)
        sent = Notification.objects.filter(email_status="sent").count()
    seconds = time.perf_counter() - started
    time.sleep(1)  # anything sent twice would arrive now
    outcome = {"sent": Notification.objects.filter(email_status="sent").count(),
               "notifications": Notification.objects.count(), "received": smtp.counts()}
    peer_bench.reset()
    return seconds, outcome


def redis_db(url: str):
    import redis

    return redis.Redis.from_url(url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--open", type=int, default=10_000, help="open issues (3,000 due whatever the number)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--processes", default="1,4", help="worker processes of each side")
    parser.add_argument("--db", default="liaison_workers_bench")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379")
    parser.add_argument("--redis-dbs", default="14,15",
                        help="one empty Redis database per side (emptied again at the end)")
    args = parser.parse_args()
    processes = [int(n) for n in args.processes.split(",")]
    brokers = [f"{args.redis.rstrip('/')}/{n}" for n in args.redis_dbs.split(",")]
    if len(brokers) < len(processes):
        sys.exit("--redis-dbs needs one database per side")

    server_url, db_url = sweep_bench.server_and_db(os.environ.get("DATABASE_URL", ""), args.db)
    sweep_bench.create_database(server_url, args.db)
    smtp = delivery_bench.SMTPServerProcess()
    env = {**os.environ, "DATABASE_URL": db_url, "DJANGO_SETTINGS_MODULE": "config.settings",
           "DJANGO_DEBUG": "false", "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
           "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp.port), "EMAIL_USE_TLS": "false"}
    os.environ.update({"DATABASE_URL": db_url, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "false",
                       "CONN_MAX_AGE": "0"})
    # Celery reads CELERY_BROKER_URL before any broker it is given: this process's apps (one per
    # side) must talk to their side's broker. (This process enqueues nothing else.)
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    from django.db import connection, connections

    sides: list[Workers] = []
    status = 0
    try:
        data = sweep_bench.prepare(args.db, args.open)
        with connection.cursor() as cursor:
            cursor.execute(peer_bench.SNAPSHOT_SQL, [data["horizon"]])
        for n, broker in zip(processes, brokers):
            if redis_db(broker).dbsize():
                raise SystemExit(f"{broker} is not empty: someone uses it; choose others with --redis-dbs")
            sides.append(Workers(n, broker, env))
        for workers in sides:
            workers.wait_ready()
        print(f"{args.open:,} open issues, 3,000 due ({N_NOTICES:,} notices); workers with "
              f"{', '.join(str(n) for n in processes)} processes ready; SMTP server on 127.0.0.1:{smtp.port}", flush=True)
        times = {workers.processes: [] for workers in sides}
        for round_ in range(args.runs + 1):  # the first round warms up and is not counted
            for workers in sides:
                seconds, outcome = run(workers, smtp)
                received = outcome["received"]
                once = (delivery_bench.received_once(received, N_NOTICES)
                        and outcome["sent"] == outcome["notifications"] == N_NOTICES)
                if not once:
                    status = 1
                if round_:
                    times[workers.processes].append(seconds)
                print(f"  {'warm-up' if not round_ else f'run {round_}'}: {workers.processes} process(es) "
                      f"{seconds:,.2f} s, {received['distinct_notices']:,} notices received in {received['messages']:,} "
                      f"e-mails{'' if once else ': NOT EXACTLY ONCE ' + str(outcome)}", flush=True)
    finally:
        for workers in sides:
            workers.stop()
            redis_db(workers.broker).flushdb()  # checked empty before: only this bench's queues
        connections.close_all()
        smtp.stop()
        sweep_bench.drop_database(server_url, args.db)

    print(f"\nthe sweep and the delivery of its {N_NOTICES:,} notices, {args.runs} runs each, alternating, medians:")
    base = statistics.median(times[processes[0]])
    for n, values in times.items():
        median = statistics.median(values)
        print(f"  {n} worker process(es): {median:6.2f} s (min {min(values):.2f}, max {max(values):.2f}), "
              f"{N_NOTICES / median:5.0f} notices/s, {base / median:.2f}x the speed of {processes[0]}")
    return status


if __name__ == "__main__":
    sys.exit(main())

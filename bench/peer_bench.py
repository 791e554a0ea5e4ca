"""Benchmark: the deadline sweep, and the sweep with the e-mail delivery of every notice it wrote,
against django-helpdesk's ``escalate_tickets`` (the peer) on the same counts. PostgreSQL only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/peer_bench.py \\
        [--open 10000,100000,1000000] [--runs 3] [--peer-venv DIR]

For each number of open issues (``--open``, default 100,000; several separated by commas), with the
same 3,000 due each time:

- *ours*: the database of ``sweep_bench.py`` (``liaison_peer_bench``, ``--db``), the same 100,000
  issues of which 3,000 are due (6,000 notifications, 3,000 timeline entries, 2,000 escalations);
- *the peer*: django-helpdesk 2.6.1 from PyPI, installed in a virtual environment of its own
  (``--peer-venv``, made on first use: ``pip install django-helpdesk==2.6.1 psycopg2-binary``; never
  vendored, never in requirements.txt), its own settings and database (``bench/helpdesk_peer.py``,
  ``helpdesk_peer_bench``), as many open tickets of which 3,000 are due for escalation, each with a
  submitter and an owner to e-mail (6,000 e-mails, built and handed to Django's locmem backend:
  the peer builds its e-mails and sends none), run in its own process.

Three sides, alternating, ``--runs`` times each after one warm-up round:

1. *peer*: ``escalate_tickets`` (rolled back after each run);
2. *sweep*: ``issues.enforcement.sweep_deadlines`` as the Celery task runs it (rolled back);
3. *sweep + delivery*: the sweep committed, and every notification it wrote e-mailed to a real SMTP
   server on loopback (aiosmtpd in its own process, ``delivery_bench.SMTPServerProcess``) by the
   delivery tasks the commit enqueues (``deliver_notifications``, 500 ids each, recipient by
   recipient, run one after the other in this process as one worker would; the broker is in
   memory), timed until the last message is accepted; the server must receive each notification
   exactly once (each e-mail carries one recipient's notices of a delivery batch, and names their
   keys), and no e-mail twice.
   Then the database is put back as it was (outside the timing).

Exit status 1 if a side did not do what it should (the peer's 3,000 escalations and 6,000 e-mails,
our 6,000 notifications each received once).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

import delivery_bench  # noqa: E402  (bench/ is not a package)
import sweep_bench  # noqa: E402

PEER_REQUIREMENTS = ["django-helpdesk==2.6.1", "psycopg2-binary"]
N_DUE = sweep_bench.N_REMIND + sweep_bench.N_LEADER + sweep_bench.N_OFFICE
N_NOTICES = 6000


def peer_python(venv: Path) -> Path:
    """The peer's interpreter, making its virtual environment first if there is none."""
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"making the peer's virtual environment in {venv} ({', '.join(PEER_REQUIREMENTS)}) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PEER_REQUIREMENTS], check=True)
    return python


class Peer:
    """``helpdesk_peer.py`` in the peer's interpreter, asked one JSON command a line."""

    def __init__(self, python: Path, server_url: str):
        env = {**os.environ, "PEER_SERVER_URL": server_url}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        self.process = subprocess.Popen([str(python), str(BENCH / "helpdesk_peer.py")], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, env=env, cwd=tempfile.gettempdir())

    def ask(self, **command) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the peer stopped (see its stderr above)")
        return json.loads(line)

    def close(self) -> None:
        try:
            self.ask(op="quit")
        except (BrokenPipeError, RuntimeError):
            pass
        self.process.wait(timeout=60)


# --- ours, end to end ------------------------------------------------------------------------------

SNAPSHOT_SQL = """
DROP TABLE IF EXISTS bench_levels;
CREATE TABLE bench_levels AS
    SELECT id, escalation_level, updated_at FROM issues_issue WHERE escalation_level > 0 OR due_date <= %s;
"""

RESET_SQL = """
DELETE FROM issues_notification;
DELETE FROM issues_issueevent;
DELETE FROM issues_sweeprun;
UPDATE issues_issue i SET escalation_level = b.escalation_level, updated_at = b.updated_at
    FROM bench_levels b WHERE i.id = b.id AND i.escalation_level <> b.escalation_level;
"""


def reset() -> None:
    """Put the database back as it was before a committed sweep."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(RESET_SQL)
        cursor.execute("VACUUM issues_notification, issues_issueevent, issues_issue, issues_sweeprun")
    connection.close()


def deliver_chunk(ids: list[int]) -> int:
    """One delivery task, as a worker process runs it (``deliver_notifications``)."""
    from django.db import connections

    from notices.tasks import deliver_notifications

    try:
        return deliver_notifications(notification_ids=ids)["sent"]
    finally:
        connections.close_all()


def run_end_to_end(smtp, processes: int) -> tuple[float, dict]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from django.db import connections

    from issues.enforcement import sweep_deadlines
    from notices.delivery import delivery_chunks
    from notices.models import Notification

    smtp.counts()  # count afresh
    started = time.perf_counter()
    sweep_deadlines(now=sweep_bench.NOW)
    # What its commit enqueued: one delivery task per ENQUEUE_CHUNK new notifications, recipient by
    # recipient, taken by ``processes`` worker processes as a prefork worker's children take them.
    chunks = delivery_chunks(list(Notification.objects.filter(email_status="pending").only("pk", "recipient_id")))
    if processes == 1:
        sent = sum(map(deliver_chunk, chunks))
    else:
        connections.close_all()  # the children must not share this process's connection
        with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork")) as pool:
            sent = sum(pool.map(deliver_chunk, chunks))
    seconds = time.perf_counter() - started
    received = smtp.counts()
    outcome = {"received": received, "sent": Notification.objects.filter(email_status="sent").count(),
               "notifications": Notification.objects.count(), "sent by the tasks": sent}
    reset()
    return seconds, outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--open", default=str(sweep_bench.N_OPEN),
                        help="open issues (and tickets), or several sizes separated by commas; 3,000 due each time")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", default="liaison_peer_bench")
    parser.add_argument("--peer-venv", type=Path,
                        default=Path(os.environ.get("PEER_VENV", Path(tempfile.gettempdir()) / "liaison-helpdesk-peer")),
                        help="the peer's virtual environment (made if missing; default $PEER_VENV or "
                             "<tmp>/liaison-helpdesk-peer)")
    parser.add_argument("--delivery-processes", default="1",
                        help="worker processes delivering, end to end (several sides: e.g. 1,2); 0 leaves it out")
    args = parser.parse_args()
    sizes = [int(n.replace("_", "")) for n in args.open.split(",")]

    server_url, bench_url = sweep_bench.server_and_db(os.environ.get("DATABASE_URL", ""), args.db)
    python = peer_python(args.peer_venv)
    smtp = delivery_bench.SMTPServerProcess()
    peer = Peer(python, server_url)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["CONN_MAX_AGE"] = "0"
    # The delivery tasks the sweep's commit enqueues go to a broker in this process's memory, and
    # nowhere else; run_end_to_end runs what they would.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, connections

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""

    processes = [int(n) for n in args.delivery_processes.split(",") if int(n)]
    end_to_end = {f"sweep + delivery, {n} process{'es' if n > 1 else ''}": n for n in processes}
    sides = ["peer (helpdesk escalate_tickets)", "sweep", *end_to_end]
    status, summary = 0, []
    try:
        for n_open in sizes:
            connections.close_all()
            sweep_bench.create_database(server_url, args.db)
            print(f"\n{n_open:,} open, {N_DUE:,} due:", flush=True)
            data = sweep_bench.prepare(args.db, n_open)
            with connection.cursor() as cursor:
                cursor.execute(SNAPSHOT_SQL, [data["horizon"]])
            loaded = peer.ask(op="load", open=n_open, due=N_DUE)
            print(f"the peer: {loaded['open']:,} open tickets loaded in {loaded['seconds']:.1f}s", flush=True)

            times = {side: [] for side in sides}
            emails = {}
            for round_ in range(args.runs + 1):  # the first round warms up and is not counted
                for side in sides:
                    if side.startswith("peer"):
                        outcome = peer.ask(op="run")
                        seconds = outcome.pop("seconds")
                        ok = outcome == {"escalated": N_DUE, "followups": N_DUE, "changes": N_DUE, "emails": N_NOTICES}
                    elif side == "sweep":
                        seconds, outcome = sweep_bench.timed(sweep_bench.run_orm)
                        ok = outcome["notifications"] == N_NOTICES
                    else:
                        seconds, outcome = run_end_to_end(smtp, end_to_end[side])
                        received = outcome["received"]
                        ok = (delivery_bench.received_once(received, N_NOTICES) and outcome["sent"]
                              == outcome["sent by the tasks"] == outcome["notifications"] == N_NOTICES)
                        emails[side] = received["messages"]
                    if not ok:
                        print(f"  {side}: NOT AS EXPECTED: {outcome}")
                        status = 1
                    if round_:
                        times[side].append(seconds)
                    print(f"  {'warm-up' if not round_ else f'run {round_}'}: {side} {seconds * 1000:,.0f} ms",
                          flush=True)
            summary.append((n_open, {side: statistics.median(t) for side, t in times.items()}))
            for side, count in emails.items():
                print(f"  {side}: the {N_NOTICES:,} notifications went out in {count:,} e-mails "
                      f"(each recipient's notices of a delivery batch in one)")
    finally:
        connections.close_all()
        peer.close()
        smtp.stop()
        sweep_bench.drop_database(server_url, args.db)

    print(f"\n{args.runs} runs each, alternating, medians ({N_DUE:,} due: the peer escalates 3,000 tickets and builds "
          f"{N_NOTICES:,} e-mails; we write {N_NOTICES:,} notifications and, end to end, e-mail them):")
    print(f"  {'open':>10} " + " ".join(f"{side:>34}" for side in sides))
    for n_open, medians in summary:
        print(f"  {n_open:>10,} " + " ".join(f"{medians[side] * 1000:>31,.0f} ms" for side in sides))
    for n_open, medians in summary:
        peer = medians[sides[0]]
        print(f"  {n_open:,} open: " + ", ".join(f"peer / {side}: {peer / medians[side]:.1f}x" for side in sides[1:]))
    return status


if __name__ == "__main__":
    sys.exit(main())

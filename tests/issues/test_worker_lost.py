"""A worker killed during the morning sweep delays the day's reminders by seconds, not by the
broker's visibility timeout, and the reminders go out once (issue 13).

A real worker in its own process (the prefork pool, one child, as in Procfile.production) on the
real Redis broker and the test's PostgreSQL database, running the real deadline sweep. The worker's
app (``tests.issues.pausing_worker``) stops the first sweep inside its transaction, right after it
wrote a notification; the test kills it there with SIGKILL:

- the pool child alone (the out-of-memory killer's way): the worker's main process requeues the
  message at once (``acks_late`` with ``task_reject_on_worker_lost``), and a fresh child runs it,
  with the visibility timeout at an hour to show it plays no part;
- the whole worker, main process and child (a machine lost): the message waits out the visibility
  timeout (5 s here, minutes in production) and another worker takes it.

Either way the killed attempt's uncommitted rows are gone and the second writes each notification
once. The bound, 60 s, is well under the production visibility timeout (300 s).
"""

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from issues import enforcement
from notices.models import Notification, SweepRun
from tests.issues.conftest import shanghai

D = datetime.date

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SWEEP_TASK = "issues.tasks.sweep_deadlines"
SWEEP_MOMENT = shanghai(2026, 5, 15, 9)
#: How long the retried sweep may take to finish, from the kill: well under the production
#: visibility timeout (300 s), so only a prompt redelivery passes.
REDELIVERY_BOUND = 60
#: How long a worker may take to start and reach the pause.
START_BOUND = 30


def database_url() -> str:
    """The test database, which a worker in another process can open (the test's rows are committed)."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="") + (":" + quote(db["PASSWORD"], safe="") if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"


class Worker:
    """``celery worker --pool=prefork --concurrency=1`` in its own process group."""

    def __init__(self, name: str, journal: Path, log: Path, visibility_timeout: int):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "WORKER_TEST_JOURNAL": str(journal),
        }
        env.pop("PORTAL_TEST_TODAY", None)
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tests.issues.pausing_worker", "worker", "--pool=prefork",
             "--concurrency=1", "--loglevel=WARNING", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "-n", f"{name}-{os.getpid()}@%h"],
            cwd=settings.BASE_DIR, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def kill_all(self) -> None:
        """SIGKILL the main process and its children at once: nothing gets to clean up."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self.kill_all()
        self.log.close()


@pytest.fixture
def workers(tmp_path):
    """Start workers with ``workers.start(name, visibility_timeout)``; all are stopped afterwards,
    and whatever they left on the broker is purged."""
    started: list[Worker] = []

    class Workers:
        journal = tmp_path / "journal.txt"
        log = tmp_path / "workers.log"

        def start(self, name: str, visibility_timeout: int) -> Worker:
            worker = Worker(name, self.journal, self.log, visibility_timeout)
            started.append(worker)
            return worker

        def lines(self) -> list[list[str]]:
            return [line.split() for line in self.journal.read_text().splitlines()] if self.journal.exists() else []

        def wait_for(self, predicate, bound: float, what: str) -> None:
            deadline = time.monotonic() + bound
            while not predicate(self.lines()):
                if time.monotonic() > deadline:
                    log = self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""
                    pytest.fail(f"no {what} within {bound} s; journal: {self.lines()}; workers' log:\n{log}")
                time.sleep(0.1)

    yield Workers()
    for worker in started:
        worker.stop()
    celery_app.control.purge()


@pytest.fixture
def reminder_due(make_issue):
    """A class B issue recorded on 2026-04-29, due 2026-05-15; the broker's queue empty."""
    make_issue("B", D(2026, 4, 29))
    expected = {n.key for n in enforcement.sweep_deadlines(now=SWEEP_MOMENT, dry_run=True).notifications}
    assert expected, "the sweep has a reminder to send on the due day"
    celery_app.control.purge()  # what recording the issue enqueued, and anything left from before
    return expected


def paused(lines) -> bool:
    return any(line[0] == "paused" for line in lines)


def sweep_finished(lines) -> bool:
    return any(line[:2] == ["finished", SWEEP_TASK] for line in lines)


def assert_swept_once_after_a_lost_attempt(lines, expected_keys: set[str]) -> None:
    starts = [line[-1] for line in lines if line[:2] == ["started", SWEEP_TASK]]
    finishes = [line for line in lines if line[:2] == ["finished", SWEEP_TASK]]
    paused_in = next(line[-1] for line in lines if line[0] == "paused")
    # Two attempts in two processes: the first killed where it paused, the second done.
    assert len(starts) == 2 and starts[0] == paused_in and starts[1] != paused_in
    assert [line[2] for line in finishes] == ["SUCCESS"] and finishes[0][-1] == starts[1]
    # The killed attempt's uncommitted rows are gone; the retry wrote each notification once.
    assert sorted(Notification.objects.values_list("key", flat=True)) == sorted(expected_keys)
    run = SweepRun.objects.get(kind=enforcement.DEADLINES, day=D(2026, 5, 15))
    assert run.runs == 1 and run.notifications_created == len(expected_keys)


def test_a_pool_child_killed_mid_sweep_is_retried_at_once_and_reminds_once(workers, reminder_due):
    # An hour's visibility timeout, as before issue 13: only the requeue can bring it back in time.
    worker = workers.start("child-killed", visibility_timeout=3600)
    celery_app.send_task(SWEEP_TASK, kwargs={"at": SWEEP_MOMENT.isoformat()})
    workers.wait_for(paused, START_BOUND, "sweep reaching its pause")
    child = int(next(line[-1] for line in workers.lines() if line[0] == "paused"))
    assert child != worker.process.pid

    os.kill(child, signal.SIGKILL)
    workers.wait_for(sweep_finished, REDELIVERY_BOUND, "sweep finished after the child was killed")

    assert_swept_once_after_a_lost_attempt(workers.lines(), reminder_due)
    assert worker.process.poll() is None, "the worker itself lives on"


def test_a_whole_worker_killed_mid_sweep_is_taken_over_after_the_visibility_timeout(workers, reminder_due):
    first = workers.start("lost", visibility_timeout=5)
    celery_app.send_task(SWEEP_TASK, kwargs={"at": SWEEP_MOMENT.isoformat()})
    workers.wait_for(paused, START_BOUND, "sweep reaching its pause")

    first.kill_all()
    assert not Notification.objects.exists(), "the killed attempt committed nothing"
    workers.start("survivor", visibility_timeout=5)
    workers.wait_for(sweep_finished, REDELIVERY_BOUND, "sweep taken over by the second worker")

    assert_swept_once_after_a_lost_attempt(workers.lines(), reminder_due)

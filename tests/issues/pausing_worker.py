"""The portal's Celery app, for a worker that tests/issues/test_worker_lost.py kills mid-sweep.

Run as ``celery -A tests.issues.pausing_worker worker``. It adds two hooks to the real app, nothing
else: every task's start and end is written to the journal file named by ``WORKER_TEST_JOURNAL``
(with the process id), and the first deadline sweep it ever runs, across all processes sharing the
journal, stops right after writing its first notification, inside the sweep's open transaction,
and waits there to be killed. The retry that follows runs as in production.
"""

import os
import time
from pathlib import Path

from celery.signals import task_postrun, task_prerun

from config.celery import app  # noqa: F401 - the app this worker runs

SWEEP_TASK = "issues.tasks.sweep_deadlines"
#: Long enough for the test to see the pause and kill the process; the test never waits for it.
PAUSE_SECONDS = 120


def journal() -> Path:
    return Path(os.environ["WORKER_TEST_JOURNAL"])


def write(line: str) -> None:
    with journal().open("a") as file:
        file.write(f"{line} {os.getpid()}\n")


def pause_after_first_notification(execute, sql, params, many, context):
    from notices.models import Notification

    result = execute(sql, params, many, context)
    if sql.startswith(f'INSERT INTO "{Notification._meta.db_table}"'):
        write("paused")
        time.sleep(PAUSE_SECONDS)
    return result


@task_prerun.connect
def note_start_and_pause_the_first_sweep(task=None, **kwargs):
    first_sweep = task.name == SWEEP_TASK and f"started {SWEEP_TASK}" not in (
        journal().read_text() if journal().exists() else ""
    )
    write(f"started {task.name}")
    if first_sweep:
        from django.db import connection

        # In this child only: it is killed while paused, so the wrapper never outlives the attempt.
        connection.execute_wrappers.append(pause_after_first_notification)


@task_postrun.connect
def note_end(task=None, state=None, **kwargs):
    write(f"finished {task.name} {state}")

"""What every periodic sweep shares: its result, its recipients, its lock, and catching up.

A sweep is a function of the moment ``now`` it runs as of; it decides what is due *as of now*,
leaves out what was already sent, and writes the rest through ``notices_send``, in one
transaction. Run it again, or twice at once, and the second run finds nothing left to do:

- it first locks its ``SweepRun`` row (one per kind and day, ``lock_run``) with
  ``select_for_update``, so concurrent sweeps of a kind and day queue up, and each reads only
  after the one before it has committed;
- it then sends only keys not yet present; the unique key on ``Notification`` is the last guard.

The rooms register their sweeps (``notices.registry.register_sweep``); ``catch_up_sweeps`` runs
them as beat would have, and the ``enforce`` command runs them now.
"""

import datetime
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from config.schedules import SCHEDULE_TZ, SWEEP_TIME

from . import registry
from .models import SweepRun
from .services import Notice

ONE_DAY = datetime.timedelta(days=1)


@dataclass
class SweepResult:
    """What a sweep sent (or, in a dry run, would send) as of ``now``."""

    sweep: str
    now: datetime.datetime
    day: datetime.date
    dry_run: bool
    #: False when the day is not a working day and the sweep did nothing.
    ran: bool = True
    notifications: list[Notice] = field(default_factory=list)
    #: Changes beside the notices (e.g. an issue's escalation), for the sweep's own readers.
    escalations: list[Any] = field(default_factory=list)
    #: What else it did, one line each, in the active language (``enforce`` prints them).
    lines: list[str] = field(default_factory=list)
    events: int = 0
    #: Open issues set back to level 0 because their due date moved past today.
    de_escalated: int = 0
    report_id: int | None = None
    note: str = ""


def local_date(now: datetime.datetime) -> datetime.date:
    """The date in Asia/Shanghai at the aware instant ``now``: the day a sweep runs for."""
    return now.astimezone(SCHEDULE_TZ).date()


def sweep_moment(day: datetime.date) -> datetime.datetime:
    """When beat runs the daily sweeps on ``day``."""
    return datetime.datetime.combine(day, SWEEP_TIME, tzinfo=SCHEDULE_TZ)


# --- people --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    user_id: int
    name: str
    email: str

    @property
    def label(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else f"{self.name} (no e-mail)"


def people(user_ids) -> dict[int, Person]:
    """Active users by id; an inactive user is nobody's recipient."""
    ids = {uid for uid in user_ids if uid}
    if not ids:
        return {}
    rows = get_user_model().objects.filter(pk__in=ids, is_active=True).values(
        "id", "username", "last_name", "first_name", "email"
    )
    return {
        row["id"]: Person(row["id"], f"{row['last_name']}{row['first_name']}".strip() or row["username"],
                          (row["email"] or "").strip())
        for row in rows
    }


# --- the collector ------------------------------------------------------------------------------


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for the block (reference counting frees as ever).

    A sweep that sends thousands of notices makes about a hundred thousand objects (rows, notices,
    texts, timeline entries) that all live until it ends. On the way they set off full collections,
    which walk the whole process's heap (about 100 ms in a Django worker) and free none of them:
    bench/sweep_bench.py saw one in most runs. Collections resume, and catch up, after the block.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# --- the lock --------------------------------------------------------------------------------------


def lock_run(kind: str, day: datetime.date) -> SweepRun:
    """Take the sweep's lock row for ``day``, creating it if needed (see the module docstring).

    On PostgreSQL a second sweep's INSERT waits on the first's uncommitted row; get_or_create
    then finds it, and the FOR UPDATE waits until the first sweep has committed.
    """
    SweepRun.objects.get_or_create(kind=kind, day=day)
    return SweepRun.objects.select_for_update().get(kind=kind, day=day)


def finish_run(run: SweepRun, created: int) -> None:
    run.runs += 1
    run.notifications_created += created
    run.last_run_at = timezone.now()
    run.save(update_fields=["runs", "notifications_created", "last_run_at"])


# --- running them, and catching up as beat would have ------------------------------------------------

#: How far back ``catch_up_sweeps`` looks: enough for every reminder offset and both escalations.
CATCH_UP_WORKING_DAYS = 10


def days_to_catch_up(
    kind: str, *, now: datetime.datetime, calendar, working_days: int = CATCH_UP_WORKING_DAYS
) -> list[datetime.date]:
    """The working days, oldest first, whose daily sweep of ``kind`` beat would have run by ``now``
    and nobody has: among the last ``working_days`` of them (today only once its sweep time has
    passed), those after the latest day the sweep already ran for.

    Only days after the latest run: a sweep run as of an earlier day than one already swept would
    undo that day's escalations (an issue not yet due then goes back to level 0).
    """
    today = local_date(now)
    last = today if now >= sweep_moment(today) else today - ONE_DAY
    already = SweepRun.objects.filter(kind=kind, day__lte=last).order_by("-day").values_list("day", flat=True).first()
    # A bound in calendar days too, so that even a calendar without working days ends the walk.
    earliest = last - datetime.timedelta(days=7 * working_days)
    if already is not None:
        earliest = max(earliest, already + ONE_DAY)
    days: list[datetime.date] = []
    day = last
    while len(days) < working_days and day >= earliest:
        if calendar.is_working_day(day):
            days.append(day)
        day -= ONE_DAY
    return days[::-1]


def catch_up_sweeps(
    *, now: datetime.datetime | None = None, working_days: int = CATCH_UP_WORKING_DAYS
) -> list[SweepResult]:
    """Do what beat would have done had the portal been running: each registered daily sweep for
    each of the recent working days it has not run for (``days_to_catch_up``), oldest first, each
    as of that day's sweep time, in beat's order; then each other sweep (the weekly dispatch
    report) once, as of now, if it has something to do.

    Repeating it changes nothing: the days already swept are skipped, and each sweep sends only
    what it has not sent. Records are stamped with the real time, as ever.
    """
    now = now or timezone.now()
    calendar = registry.working_calendar()
    daily = [sweep for sweep in registry.sweeps() if sweep.daily]
    plans = {sweep.name: days_to_catch_up(sweep.name, now=now, calendar=calendar, working_days=working_days)
             for sweep in daily}
    results = []
    for day in sorted({day for days in plans.values() for day in days}):
        for sweep in daily:
            if day in plans[sweep.name]:
                results.append(sweep.run(now=sweep_moment(day)))
    for sweep in registry.sweeps():
        if not sweep.daily and (sweep.catch_up_due is None or sweep.catch_up_due(now)):
            results.append(sweep.run(now=now))
    return results

"""Every periodic job of the portal, in one place.

Celery beat reads its schedule from the database (django-celery-beat's ``DatabaseScheduler``), so
admins see and can pause each job in the admin under "Periodic tasks". The definitions below are
the source of truth for *when* and *what*: ``apply_schedules`` writes them there, idempotently.
It runs from the data migrations ``issues.0003_periodic_tasks`` (so a fresh database has them) and
``notices.0002_periodic_tasks_moved`` (the tasks' new names, the achievements' sweep), and from
``manage.py sync_schedules`` (after a change here, on deploy). Whether a job is enabled is
the admin's to decide: it is set when the job is first created and left alone afterwards.

All crontabs are in Asia/Shanghai, whatever the server's clock says. The tasks are named, not
imported: each lives in the room whose rules it enforces (``notices.tasks``, ``liaison.tasks``,
``issues.tasks``, ``achievements.tasks``).
"""

import datetime
import json
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SCHEDULE_TZ = ZoneInfo("Asia/Shanghai")

#: The sweeps run at this time every day (and do nothing on a day that is not a working day).
SWEEP_TIME = datetime.time(9, 0)
#: The periodic dispatch report is due at 08:30: weekly on Mondays (Python's weekday 0) for the
#: week before, or as ``PORTAL["DISPATCH_REPORT_FREQUENCY"]`` says (``issues.reports.report_period_due``).
#: Beat runs its sweep every day at that time, so that any frequency is served without changing
#: the crontab; the sweep makes each period's report once and otherwise does nothing.
DISPATCH_REPORT_WEEKDAY = 0
DISPATCH_REPORT_TIME = datetime.time(8, 30)


@dataclass(frozen=True)
class Schedule:
    #: The periodic task's name in the admin (unique there). django-celery-beat stores it as text
    #: and shows it as stored, so it is stored in the portal's language (``stored_name``).
    label: Promise
    task: str
    minute: str
    hour: str = "*"
    day_of_week: str = "*"
    day_of_month: str = "*"
    month_of_year: str = "*"
    description: Promise | str = ""
    #: Names this job was stored under before, so that a rename keeps the row (and its pause).
    former_names: tuple[str, ...] = ()
    #: Task names this job ran under before: a row still naming one is this job, and is updated.
    former_tasks: tuple[str, ...] = ()
    #: A message still queued this long after beat sent it is dropped (the next run covers it).
    expire_seconds: int | None = None
    kwargs: dict = field(default_factory=dict)

    @property
    def stored_name(self) -> str:
        with translation.override(settings.LANGUAGE_CODE):
            return str(self.label)

    @property
    def stored_description(self) -> str:
        with translation.override(settings.LANGUAGE_CODE):
            return str(self.description)

    @property
    def known_names(self) -> list[str]:
        """The stored name first, then the label in every language and the former names: the
        row is the same job whichever of these it carries (e.g. after the default language changed)."""
        names = [self.stored_name]
        for code, _language in settings.LANGUAGES:
            with translation.override(code):
                names.append(str(self.label))
        return list(dict.fromkeys([*names, *self.former_names]))

    @property
    def crontab(self) -> dict:
        return {
            "minute": self.minute,
            "hour": self.hour,
            "day_of_week": self.day_of_week,
            "day_of_month": self.day_of_month,
            "month_of_year": self.month_of_year,
        }


SCHEDULES: tuple[Schedule, ...] = (
    Schedule(
        label=_("Deadline sweep"),
        task="issues.tasks.sweep_deadlines",
        minute=str(SWEEP_TIME.minute),
        hour=str(SWEEP_TIME.hour),
        description=_(
            "Reminders before due dates and escalations once overdue. Runs daily; does nothing on a "
            "day that is not a working day on the portal's calendar."
        ),
        former_names=("issues: deadline sweep",),
    ),
    Schedule(
        label=_("Supervision sweep"),
        task="issues.tasks.sweep_supervisions",
        minute=str(SWEEP_TIME.minute),
        hour=str(SWEEP_TIME.hour),
        description=_(
            "Supervisions past their reply-by date without a reply are escalated to the office's leader, "
            "once per round. Runs daily; does nothing on a day that is not a working day."
        ),
    ),
    Schedule(
        label=_("Needs to classify"),
        task="issues.tasks.sweep_needs",
        minute=str(SWEEP_TIME.minute),
        hour=str(SWEEP_TIME.hour),
        description=_(
            "Needs the platforms raised and nobody classified: the cadre is reminded on the classify-by day, "
            "their unit's leader told the next working day, once each. Runs daily; does nothing on a day "
            "that is not a working day."
        ),
    ),
    Schedule(
        label=_("Contact duties"),
        task="liaison.tasks.sweep_contact_duties",
        minute=str(SWEEP_TIME.minute),
        hour=str(SWEEP_TIME.hour),
        description=_(
            "Platforms not contacted this quarter; new assignments without a first contact or "
            "visit. Runs daily; does nothing on a day that is not a working day."
        ),
        former_names=("issues: contact duties",),
        former_tasks=("issues.tasks.sweep_contact_duties",),
    ),
    Schedule(
        label=_("Stale achievements"),
        task="achievements.tasks.sweep_stale_achievements",
        minute=str(SWEEP_TIME.minute),
        hour=str(SWEEP_TIME.hour),
        description=_(
            "Achievements standing in one stage longer than that stage's limit in working days remind "
            "the platform's cadre, once per stay. Runs daily; does nothing on a day that is not a working day."
        ),
    ),
    Schedule(
        label=_("Periodic dispatch report"),
        task="issues.tasks.send_dispatch_report",
        minute=str(DISPATCH_REPORT_TIME.minute),
        hour=str(DISPATCH_REPORT_TIME.hour),
        description=_(
            "The periodic report to bureau staff, with its Excel file. Runs daily at 08:30 and makes the "
            "report of the period just ended when one is due: by default each Monday, for the week before."
        ),
        former_names=("issues: periodic dispatch report",),
    ),
    Schedule(
        label=_("Deliver pending notifications"),
        task="notices.tasks.deliver_pending_notifications",
        minute="*",
        description=_(
            "E-mails every notification not yet e-mailed, so that nothing waits on a message that "
            "was lost while the broker was down."
        ),
        expire_seconds=55,
        former_names=("issues: deliver pending notifications",),
        former_tasks=("issues.tasks.deliver_pending_notifications",),
    ),
    Schedule(
        label=_("Keep the evaluation's boards current"),
        task="evaluation.tasks.keep_boards_current",
        minute="*/5",
        description=_(
            "Counts this quarter's scoreboards and the bureau's dashboard again when their records have "
            "changed, so that no reader waits for the count. Does something only where kept boards are "
            "served for a while after a change (PORTAL_EVALUATION_STALE_SECONDS above 0)."
        ),
        expire_seconds=240,
    ),
    Schedule(
        label=_("Forget old idempotency keys"),
        task="notices.tasks.forget_idempotency_keys",
        minute="30",
        hour="3",
        description=_(
            "Deletes the keys that stop a form or API request sent twice from saving twice, once they are "
            "more than a day old."
        ),
    ),
)


def apply_schedules(*, PeriodicTask=None, CrontabSchedule=None, PeriodicTasks=None) -> list[tuple[str, str]]:
    """Write ``SCHEDULES`` to django-celery-beat's tables; return ``(name, what happened)`` pairs.

    Idempotent: running it again changes nothing. The model classes default to the real ones;
    the data migration passes its historical models. A job found under an older name (see
    ``Schedule.known_names``) is renamed in place, keeping the admin's pause.
    """
    if PeriodicTask is None:
        from django_celery_beat.models import CrontabSchedule, PeriodicTask, PeriodicTasks

    outcome = []
    changed = False
    for schedule in SCHEDULES:
        crontab = CrontabSchedule.objects.filter(**schedule.crontab, timezone=SCHEDULE_TZ).order_by("pk").first()
        if crontab is None:
            crontab = CrontabSchedule.objects.create(**schedule.crontab, timezone=SCHEDULE_TZ)
        name = schedule.stored_name
        wanted = {
            "name": name,
            "task": schedule.task,
            "crontab_id": crontab.pk,
            "interval_id": None,
            "solar_id": None,
            "clocked_id": None,
            "one_off": False,
            "description": schedule.stored_description,
            "expire_seconds": schedule.expire_seconds,
            "kwargs": json.dumps(schedule.kwargs, sort_keys=True),
            "args": "[]",
        }
        known = schedule.known_names
        candidates = {task.name: task for task in PeriodicTask.objects.filter(name__in=known)}
        task = next((candidates[known_name] for known_name in known if known_name in candidates), None)
        if task is None and schedule.former_tasks:
            # Renamed by an admin, and its task moved rooms since: still this job.
            task = PeriodicTask.objects.filter(task__in=schedule.former_tasks).order_by("pk").first()
        if task is None:
            PeriodicTask.objects.create(enabled=True, **wanted)
            outcome.append((name, "created"))
            changed = True
            continue
        differences = [key for key, value in wanted.items() if getattr(task, key) != value]
        if not differences:
            outcome.append((name, "unchanged"))
            continue
        for key in differences:
            setattr(task, key, wanted[key])
        task.save()
        outcome.append((name, "updated: " + ", ".join(d.removesuffix("_id") for d in differences)))
        changed = True
    if changed and PeriodicTasks is not None:
        # Beat reloads its schedule when this timestamp moves. The real PeriodicTask's signals
        # already do it; the historical models in a migration have no signals.
        PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})
    return outcome


"""The issues room's Celery tasks: thin wrappers that parse their arguments and call one service.

Every task is idempotent (the services skip what is already done), so a retry, a redelivery after
a lost worker (``acks_late``) or a double schedule is harmless. Database and broker hiccups are
retried with exponential backoff (``notices.tasks.RETRY_OPTIONS``); the schedules are in
``config.schedules``. E-mail delivery is the notification machinery's (``notices.tasks``).
"""

from celery import shared_task

from notices.tasks import RETRY_OPTIONS, moment, summary

from . import enforcement, needs, supervision_enforcement


@shared_task(name="issues.tasks.sweep_deadlines", **RETRY_OPTIONS)
def sweep_deadlines(at: str | None = None) -> dict:
    """Reminders and escalations due as of ``at`` (default: now)."""
    return summary(enforcement.sweep_deadlines(now=moment(at)))


@shared_task(name="issues.tasks.send_dispatch_report", **RETRY_OPTIONS)
def send_dispatch_report(at: str | None = None) -> dict:
    """The latest dispatch report due as of ``at`` (default: now) at the configured frequency, once."""
    return summary(enforcement.sweep_dispatch_report(now=moment(at)))


@shared_task(name="issues.tasks.sweep_supervisions", **RETRY_OPTIONS)
def sweep_supervisions(at: str | None = None) -> dict:
    """Overdue supervisions escalated to the office's leader as of ``at`` (default: now), once per round."""
    return summary(supervision_enforcement.sweep_supervisions(now=moment(at)))


@shared_task(name="issues.tasks.sweep_needs", **RETRY_OPTIONS)
def sweep_needs(at: str | None = None) -> dict:
    """Needs not classified in time as of ``at`` (default: now): the cadre reminded, then the leader told, once each."""
    return summary(needs.sweep_needs(now=moment(at)))

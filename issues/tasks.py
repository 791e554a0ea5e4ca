"""The Celery tasks: thin wrappers that parse their arguments and call one service.

Every task is idempotent (the services skip what is already done), so a retry, a redelivery after
a lost worker (``acks_late``) or a double schedule is harmless. Database and broker hiccups are
retried with exponential backoff; the schedules are in ``issues.schedules``.
"""

import datetime

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from . import enforcement, notifications

#: Transient failures worth another try: the database restarting, a connection dropped.
RETRY_ON = (DatabaseError, ConnectionError, TimeoutError)
RETRY_OPTIONS = {
    "autoretry_for": RETRY_ON,
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
    "acks_late": True,
}


def _moment(at: str | None) -> datetime.datetime:
    """``at`` as an aware datetime (ISO 8601, Asia/Shanghai if it names no zone), or now."""
    if not at:
        return timezone.now()
    moment = datetime.datetime.fromisoformat(at)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _summary(result: enforcement.SweepResult) -> dict:
    return {"day": result.day.isoformat(), "ran": result.ran, "notifications": len(result.notifications),
            "escalations": len(result.escalations), "report": result.report_id}


@shared_task(name="issues.tasks.sweep_deadlines", **RETRY_OPTIONS)
def sweep_deadlines(at: str | None = None) -> dict:
    """Reminders and escalations due as of ``at`` (default: now)."""
    return _summary(enforcement.sweep_deadlines(now=_moment(at)))


@shared_task(name="issues.tasks.sweep_contact_duties", **RETRY_OPTIONS)
def sweep_contact_duties(at: str | None = None) -> dict:
    """Contact-duty reminders due as of ``at`` (default: now)."""
    return _summary(enforcement.sweep_contact_duties(now=_moment(at)))


@shared_task(name="issues.tasks.send_dispatch_report", **RETRY_OPTIONS)
def send_dispatch_report(at: str | None = None) -> dict:
    """The latest weekly dispatch report due as of ``at`` (default: now), once."""
    return _summary(enforcement.sweep_dispatch_report(now=_moment(at)))


@shared_task(name="issues.tasks.deliver_notifications", **RETRY_OPTIONS)
def deliver_notifications(notification_ids: list[int]) -> dict:
    """E-mail these notifications (those not e-mailed yet); enqueued when they are written."""
    result = notifications.deliver_pending(notification_ids=notification_ids)
    return {"sent": len(result.sent), "skipped": len(result.skipped), "failed": len(result.failed)}


@shared_task(name="issues.tasks.deliver_pending_notifications", **RETRY_OPTIONS)
def deliver_pending_notifications() -> dict:
    """E-mail every notification still waiting (every minute, so nothing waits on the broker)."""
    result = notifications.deliver_pending()
    return {"sent": len(result.sent), "skipped": len(result.skipped), "failed": len(result.failed)}

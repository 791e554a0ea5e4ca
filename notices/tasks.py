"""The delivery tasks, and what every room's Celery tasks share.

Every task is idempotent (the services skip what is already done), so a retry, a redelivery after
a lost worker (``acks_late``) or a double schedule is harmless. Database and broker hiccups are
retried with exponential backoff; the schedules are in ``config.schedules``.
"""

import datetime

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from . import delivery, idempotency

#: Transient failures worth another try: the database restarting, a connection dropped.
RETRY_ON = (DatabaseError, ConnectionError, TimeoutError)
RETRY_OPTIONS = {
    "autoretry_for": RETRY_ON,
    "retry_backoff": 5,
    # Below the broker's visibility timeout (300 s, config/settings.py): Redis would hand a retry
    # that waits longer out a second time.
    "retry_backoff_max": 240,
    "retry_jitter": True,
    "max_retries": 8,
    "acks_late": True,
}


def moment(at: str | None) -> datetime.datetime:
    """``at`` as an aware datetime (ISO 8601, Asia/Shanghai if it names no zone), or now."""
    if not at:
        return timezone.now()
    value = datetime.datetime.fromisoformat(at)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def summary(result) -> dict:
    """A sweep's result (``notices.sweeps.SweepResult``) as a task's return value."""
    return {"day": result.day.isoformat(), "ran": result.ran, "notifications": len(result.notifications),
            "escalations": len(result.escalations), "report": result.report_id}


@shared_task(name="notices.tasks.deliver_notifications", **RETRY_OPTIONS)
def deliver_notifications(notification_ids: list[int]) -> dict:
    """E-mail these notifications (those not e-mailed yet); enqueued when they are written."""
    result = delivery.deliver_pending(notification_ids=notification_ids)
    return {"sent": len(result.sent), "skipped": len(result.skipped), "failed": len(result.failed)}


@shared_task(name="notices.tasks.deliver_pending_notifications", **RETRY_OPTIONS)
def deliver_pending_notifications() -> dict:
    """E-mail every notification still waiting (every minute, so nothing waits on the broker)."""
    result = delivery.deliver_pending()
    return {"sent": len(result.sent), "skipped": len(result.skipped), "failed": len(result.failed)}


@shared_task(name="notices.tasks.forget_idempotency_keys", **RETRY_OPTIONS)
def forget_idempotency_keys() -> dict:
    """Delete the idempotency keys older than a day (daily; ``notices.idempotency``)."""
    return {"deleted": idempotency.idempotency_keys_forget()}

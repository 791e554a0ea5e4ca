"""The achievements room's Celery task: thin, idempotent (see ``notices.tasks``); scheduled in
``config.schedules``."""

from celery import shared_task

from notices.tasks import RETRY_OPTIONS, moment, summary

from . import enforcement


@shared_task(name="achievements.tasks.sweep_stale_achievements", **RETRY_OPTIONS)
def sweep_stale_achievements(at: str | None = None) -> dict:
    """Reminders of achievements standing too long in a stage, as of ``at`` (default: now)."""
    return summary(enforcement.sweep_stale_achievements(now=moment(at)))

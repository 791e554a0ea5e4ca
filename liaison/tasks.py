"""The contact duties' Celery task: thin, idempotent (see ``notices.tasks``); scheduled in
``config.schedules``."""

from celery import shared_task

from notices.tasks import RETRY_OPTIONS, moment, summary

from . import duties


@shared_task(name="liaison.tasks.sweep_contact_duties", **RETRY_OPTIONS)
def sweep_contact_duties(at: str | None = None) -> dict:
    """Contact-duty reminders due as of ``at`` (default: now)."""
    return summary(duties.sweep_contact_duties(now=moment(at)))

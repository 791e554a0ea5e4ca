"""The evaluation's Celery task: thin, idempotent (see ``notices.tasks``); scheduled in
``config.schedules``."""

from celery import shared_task
from django.utils import timezone

from notices.tasks import RETRY_OPTIONS, moment

from .recount import recount_current_boards


@shared_task(name="evaluation.tasks.keep_boards_current", **RETRY_OPTIONS)
def keep_boards_current(at: str | None = None) -> dict:
    """This quarter's boards counted again if their records changed (``evaluation.recount``)."""
    return recount_current_boards(today=timezone.localdate(moment(at)))

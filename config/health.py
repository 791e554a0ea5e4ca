"""``/healthz/``: what the load balancer asks before it sends a web process any traffic.

No sign-in. Three answers, each "ok" or what is wrong: the database answers a query, the Celery
broker accepts a connection within ``HEALTH_BROKER_TIMEOUT`` seconds, and beat ran recently (the
newest ``last_run_at`` beat wrote on django-celery-beat's periodic tasks, no older than
``HEALTH_BEAT_MAX_AGE_MINUTES``; 0 reports it without judging). 200 when all are ok, 503 naming
the ones that are not. The answer never carries an address, a user or an exception's text: those
go to the log. Two queries, whatever the data. (The sweeps' own records, ``notices.SweepRun``,
are not read: config is left of notices, and a sweep run by ``manage.py enforce`` is not beat.)
"""

import datetime
import logging

from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("health: the database does not answer")
        return False
    return True


def broker_ok() -> bool:
    from config.celery import app

    timeout = settings.HEALTH_BROKER_TIMEOUT
    options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS}
    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        options.update(socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        url = settings.CELERY_BROKER_URL
        with app.connection_for_write(url, connect_timeout=timeout, transport_options=options) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
    except Exception:
        logger.exception("health: the broker does not answer")
        return False
    return True


def beat_last_run() -> datetime.datetime | None:
    """The newest ``last_run_at`` beat wrote on its periodic tasks (the delivery job runs every
    minute; django-celery-beat's scheduler saves these every few minutes)."""
    from django_celery_beat.models import PeriodicTask

    return PeriodicTask.objects.aggregate(last=Max("last_run_at"))["last"]


@never_cache
@require_safe
def healthz(request):
    db = database_ok()
    report = {"database": "ok" if db else "unreachable", "broker": "ok" if broker_ok() else "unreachable"}
    last_run, beat_known = None, False
    if db:
        try:
            last_run, beat_known = beat_last_run(), True
        except Exception:  # e.g. a database not migrated yet
            logger.exception("health: beat's last run cannot be read")
    max_age = settings.HEALTH_BEAT_MAX_AGE_MINUTES
    if not beat_known:
        report["beat"] = "unknown"
    elif max_age and (last_run is None or timezone.now() - last_run > datetime.timedelta(minutes=max_age)):
        report["beat"] = "stale" if last_run else "never ran"
    else:
        report["beat"] = "ok"
    report["beat_last_run_at"] = last_run.isoformat() if last_run else None
    failing = sorted(name for name in ("database", "broker", "beat") if report[name] != "ok")
    report["status"] = "unavailable" if failing else "ok"
    report["failing"] = failing
    return JsonResponse(report, status=503 if failing else 200)

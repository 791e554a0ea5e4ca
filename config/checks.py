"""The production profile's refusals: ``manage.py check`` (and gunicorn's start, config/gunicorn.py)
fails when ``DJANGO_ENV=production`` runs on a development default.

Development and the tests keep their defaults (a SQLite file, the file-system broker, the key in
the repository): these checks only speak when ``settings.PRODUCTION`` is on. Each error's hint says
which variable to set; none repeats a secret.
"""

from django.conf import settings
from django.core import checks


def check_production_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if not getattr(settings, "PRODUCTION", False):
        return []
    errors = []
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        errors.append(checks.Error(
            "The production profile runs on SQLite: one file, one writer at a time, no pg_dump backups.",
            hint="Set DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/liaison (README, Production).",
            id="config.E001",
        ))
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        errors.append(checks.Error(
            "The production profile uses the file-system Celery broker, which works only when the web, "
            "the workers and beat share one machine's disk.",
            hint="Set CELERY_BROKER_URL=redis://HOST:6379/0 (README, Production).",
            id="config.E002",
        ))
    if settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
        errors.append(checks.Error(
            "The production profile runs with the development SECRET_KEY, which is in the repository.",
            hint="Set SECRET_KEY to a long random value, e.g. the output of `python -c \"from "
                 "django.core.management.utils import get_random_secret_key as k; print(k())\"`.",
            id="config.E003",
        ))
    return errors

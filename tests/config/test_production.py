"""The production profile: what ``manage.py check`` refuses, WhiteNoise, and the load balancer's
``/healthz/``. The profile's settings are read in a subprocess (settings are read once per process)."""

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

ROOT = Path(__file__).resolve().parents[2]
DEVELOPMENT_KEY = "dev-only-insecure-key-3b1f0c2e9d8a7654-do-not-deploy"
PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "test-" + "a1b2c3d4e5f6g7h8" * 4,
    "ALLOWED_HOSTS": "portal.example.gov.cn",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    # Nothing is connected to by `check`: any server names do.
    "DATABASE_URL": "postgres://portal@127.0.0.1:5432/liaison",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}


def run(args: list[str], **overrides) -> subprocess.CompletedProcess:
    # Not the test run's own switches: the clock's (PORTAL_TEST_*), and the browser tests' permission for
    # Playwright's event loop (DJANGO_ALLOW_ASYNC_UNSAFE, set when tests/browser/conftest.py is read),
    # which a real deployment never has and `check --deploy` rightly refuses.
    env = {k: v for k, v in os.environ.items()
           if k not in PRODUCTION_ENV and not k.startswith("PORTAL_TEST") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(PRODUCTION_ENV)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


# --- manage.py check ------------------------------------------------------------------------------

def test_production_check_refuses_sqlite_the_file_system_broker_and_the_development_key():
    result = run(["manage.py", "check"], DATABASE_URL=None, CELERY_BROKER_URL=None, SECRET_KEY=DEVELOPMENT_KEY)

    assert result.returncode != 0
    for error_id, variable in [("config.E001", "DATABASE_URL"), ("config.E002", "CELERY_BROKER_URL"),
                               ("config.E003", "SECRET_KEY")]:
        message = result.stderr.split(f"({error_id})", 1)[1].split("?: (", 1)[0]
        assert f"HINT: Set {variable}" in message, result.stderr
    assert DEVELOPMENT_KEY not in result.stderr  # the message names the variable, not the secret


def test_production_check_passes_when_given_what_it_asks_for_as_ci_runs_it():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])

    assert result.returncode == 0, result.stderr
    assert "config.E00" not in result.stderr


def test_production_without_a_secret_key_does_not_start():
    result = run(["-c", "import config.settings"], SECRET_KEY=None)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_serves_static_files_with_whitenoise_compressed_and_hashed():
    script = ("import json, config.settings as s; print(json.dumps({'middleware': s.MIDDLEWARE, "
              "'static': s.STORAGES['staticfiles']['BACKEND']}))")
    production = json.loads(run(["-c", script]).stdout)
    development = json.loads(run(["-c", script.replace("s.STORAGES['staticfiles']['BACKEND']", "None")],
                                 DJANGO_ENV="development").stdout)

    assert production["middleware"][:2] == ["django.middleware.security.SecurityMiddleware",
                                            "whitenoise.middleware.WhiteNoiseMiddleware"]
    assert production["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert "whitenoise.middleware.WhiteNoiseMiddleware" not in development["middleware"]


# --- /healthz/ ------------------------------------------------------------------------------------

@pytest.fixture
def beat_every_minute(db):
    """A periodic task as beat leaves it: ``last_run_at`` set as it sends it."""
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.MINUTES)
    return PeriodicTask.objects.create(name="health test", task="notices.tasks.deliver_pending_notifications",
                                       interval=every_minute)


@pytest.fixture
def beat_judged(db, settings):
    settings.HEALTH_BEAT_MAX_AGE_MINUTES = 15


def test_health_is_200_when_the_database_the_broker_and_beat_are_well(
        client, beat_every_minute, beat_judged, django_assert_max_num_queries):
    PeriodicTask.objects.filter(pk=beat_every_minute.pk).update(last_run_at=timezone.now() - datetime.timedelta(minutes=2))

    with django_assert_max_num_queries(2):
        response = client.get("/healthz/")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["failing"] == []
    assert body["database"] == body["broker"] == body["beat"] == "ok"
    assert body["beat_last_run_at"]
    assert response["Cache-Control"].startswith("max-age=0")


def test_health_is_503_naming_beat_when_its_last_run_is_old_or_missing(client, beat_every_minute, beat_judged):
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["failing"] == ["beat"]

    PeriodicTask.objects.filter(pk=beat_every_minute.pk).update(last_run_at=timezone.now() - datetime.timedelta(hours=1))
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["failing"] == ["beat"]
    assert response.json()["database"] == response.json()["broker"] == "ok"


def test_health_reports_beat_without_judging_it_when_not_asked(client, db, settings):
    settings.HEALTH_BEAT_MAX_AGE_MINUTES = 0

    response = client.get("/healthz/")

    assert response.status_code == 200
    assert response.json()["beat_last_run_at"] is None


def test_health_is_503_naming_the_broker_and_revealing_none_of_its_address(
        client, beat_every_minute, beat_judged, settings):
    PeriodicTask.objects.filter(pk=beat_every_minute.pk).update(last_run_at=timezone.now())
    settings.CELERY_BROKER_URL = "redis://:broker-s3cret@127.0.0.1:1/0"  # nothing listens on port 1
    settings.HEALTH_BROKER_TIMEOUT = 0.5

    response = client.get("/healthz/")

    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]
    assert b"s3cret" not in response.content and b"127.0.0.1" not in response.content


def test_health_is_503_naming_the_database_when_it_does_not_answer(client, db, beat_judged, monkeypatch):
    def unreachable(*args, **kwargs):
        raise connection.Database.OperationalError("could not connect to server")

    with monkeypatch.context() as patched:
        patched.setattr(connection, "cursor", unreachable)
        response = client.get("/healthz/")

    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "unreachable" and "database" in body["failing"]
    assert b"could not connect" not in response.content


def test_health_needs_no_sign_in_and_only_answers_reads(client, db):
    assert client.get("/healthz/").status_code in (200, 503)
    assert client.post("/healthz/").status_code == 405

import datetime
import os
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from tests.liaison.factories import AssignmentFactory, BureauStaffFactory, CadreFactory, UnitFactory, UserFactory

PASSWORD = "pass-1234-word"


#: ``PORTAL_TEST_TODAY=2026-12-31 make test`` runs the suite as of that day (10:00 in Asia/Shanghai, the
#: clock ticking from there): the suite must pass whatever today's date is, and CI runs the tests marked
#: ``dated`` as of several awkward days (see .ci/run). Tests that move time themselves still do.
TEST_TODAY_VARIABLE = "PORTAL_TEST_TODAY"


def pytest_configure(config):
    day = os.environ.get(TEST_TODAY_VARIABLE, "").strip()
    if not day:
        return
    try:
        moment = datetime.datetime.combine(
            datetime.date.fromisoformat(day), datetime.time(10, 0), tzinfo=ZoneInfo("Asia/Shanghai")
        )
    except ValueError:
        raise pytest.UsageError(f"{TEST_TODAY_VARIABLE}={day!r} is not a date (YYYY-MM-DD)") from None
    traveller = time_machine.travel(moment, tick=True)
    traveller.start()
    config.add_cleanup(traveller.stop)


def pytest_report_header(config):
    day = os.environ.get(TEST_TODAY_VARIABLE, "").strip()
    return f"as of {day} (Asia/Shanghai), set by {TEST_TODAY_VARIABLE}" if day else None


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` need row locks and real concurrency: skip them on SQLite.
    Tests marked ``redis`` need a real Redis broker: skip them unless CELERY_BROKER_URL is one."""
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    on_redis = settings.CELERY_BROKER_URL.startswith("redis://")
    skip_postgres = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL (CI does)")
    skip_redis = pytest.mark.skip(reason="needs Redis: set CELERY_BROKER_URL=redis://... (CI does)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_postgres)
        if "redis" in item.keywords and not on_redis:
            item.add_marker(skip_redis)
    # The journey first: on two workers it then runs beside everything else instead of after it.
    items.sort(key=lambda item: "journey" not in item.keywords)


@pytest.fixture(autouse=True)
def one_test_on_the_broker_at_a_time(request):
    """Tests marked ``redis`` share the one broker (its queues, and the workers they start): on
    ``make test``'s two workers they take turns, through a lock on a file named after the broker.
    (An ``xdist_group`` did not keep them on one worker: pytest-xdist 3.8 renames the tests of a
    group by their ``_nodeid``, which pytest 9 no longer reads, so they ran side by side and each
    test's worker took the other's tasks.)"""
    if "redis" not in request.keywords:
        yield
        return
    import fcntl
    import hashlib
    import tempfile

    from django.conf import settings

    name = hashlib.sha256(settings.CELERY_BROKER_URL.encode()).hexdigest()[:16]
    with open(os.path.join(tempfile.gettempdir(), f"liaison-tests-broker-{name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # The user factories hash a password per user; the default hasher takes most of a test's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def kept_boards_of_this_test(settings):
    """The evaluation's kept boards (evaluation.kept) in this process's memory, empty at each test:
    the file cache of development would be shared by the workers and outlive each test's rollback."""
    from django.core.cache import caches

    settings.CACHES = {**settings.CACHES, "evaluation": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "evaluation-tests",
        "OPTIONS": {"MAX_ENTRIES": 5000}}}  # as the file cache's: a board is kept in parts
    caches["evaluation"].clear()


@pytest.fixture(autouse=True)
def suggestion_corpora_of_this_test():
    """The suggestions' corpora are kept in the process (``achievements.corpora``) under a token
    that a rolled-back test puts back as it found it: each test starts without them, so that none
    ranks against words another test wrote."""
    from achievements import corpora

    corpora._KEPT.clear()


@pytest.fixture(autouse=True)
def sessions_outlast_the_clock(settings):
    """Tests move the clock by days with one signed-in client, and count a page's queries: a session
    lasts for the test and is not re-saved on every request. The production values (a working day,
    moved on as a twentieth of the age passes) are tested in tests/test_locked_doors.py."""
    settings.SESSION_COOKIE_AGE = 366 * 24 * 60 * 60
    settings.SESSION_SAVE_EVERY_REQUEST = False


@pytest.fixture
def english_pages(client, settings):
    """The test client reads pages in English, as a user who chose English with the switch."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def english_api(api_client):
    """The API client asks for English: the assertions read the English msgids."""
    api_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def client_for(api_client):
    """``client_for(user)``: the API client, signed in as ``user``."""

    def sign_in(user):
        api_client.force_login(user)
        return api_client

    return sign_in


@pytest.fixture
def unit(db):
    return UnitFactory(name="市科技局")


@pytest.fixture
def cadre(unit):
    return CadreFactory(unit=unit, user=UserFactory(username="cadre1"))


@pytest.fixture
def other_cadre(db):
    return CadreFactory(user=UserFactory(username="cadre2"))


@pytest.fixture
def unit_leader(unit):
    return unit.leader


@pytest.fixture
def bureau_user(db):
    return BureauStaffFactory(username="bureau1")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin1", is_superuser=True, is_staff=True)


@pytest.fixture
def assignment(cadre):
    return AssignmentFactory(cadre=cadre)


@pytest.fixture
def platform(assignment):
    """A platform served by ``cadre``."""
    return assignment.platform

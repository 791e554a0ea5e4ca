"""The sliding session (config.middleware.SlidingSessionMiddleware): a session ends after a working
day without a request, give or take a twentieth of it, and is written only when its end moves on,
not on every request. (That it ends after a working day without a request is
tests/test_locked_doors.py's.)"""

import datetime

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from config import settings as portal_settings
from tests.conftest import PASSWORD

START = datetime.datetime(2026, 6, 1, 0, 30, tzinfo=datetime.UTC)


@pytest.fixture
def portal_sessions(settings):
    # tests/conftest.py lengthens sessions for the other tests: put the portal's own values back.
    settings.SESSION_COOKIE_AGE = portal_settings.SESSION_COOKIE_AGE
    settings.SESSION_SAVE_EVERY_REQUEST = portal_settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_COOKIE_AGE == 9 * 60 * 60 and not settings.SESSION_SAVE_EVERY_REQUEST


def signed_in(traveller) -> Client:
    browser = Client()
    response = browser.post("/login/", {"username": "cadre1", "password": PASSWORD})
    assert int(response.cookies[django_settings.SESSION_COOKIE_NAME]["max-age"]) == 9 * 60 * 60
    return browser


def session_writes(browser, path="/my/platforms/"):
    """The request's answer, and its statements that write the session."""
    with CaptureQueriesContext(connection) as captured:
        response = browser.get(path)
    return response, [q["sql"] for q in captured.captured_queries
                      if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")]


def test_the_session_is_written_only_once_a_twentieth_of_its_age_has_passed(cadre, portal_sessions):
    with time_machine.travel(START, tick=False) as traveller:
        browser = signed_in(traveller)
        # Within 27 minutes (9 hours / 20) of the last time: not written, its cookie not sent again.
        for minutes in (1, 10, 15, 0.98):
            traveller.shift(datetime.timedelta(minutes=minutes))
            response, writes = session_writes(browser)
            assert response.status_code == 200 and not writes
            assert django_settings.SESSION_COOKIE_NAME not in response.cookies
        # 27 minutes after signing in: moved on, written once, the cookie sent again for 9 hours.
        traveller.shift(datetime.timedelta(seconds=2))
        response, writes = session_writes(browser)
        assert response.status_code == 200 and len(writes) == 1 and writes[0].startswith("UPDATE")
        assert int(response.cookies[django_settings.SESSION_COOKIE_NAME]["max-age"]) == 9 * 60 * 60
        # ... and the next 27 minutes count from then.
        traveller.shift(datetime.timedelta(minutes=26))
        assert not session_writes(browser)[1]
        # The session ends 9 hours after it was last moved on, even with requests in between that
        # did not move it (here the last, 26 minutes after): 8 h 34 min after that last request.
        traveller.shift(datetime.timedelta(hours=8, minutes=34, seconds=1))
        response = browser.get("/my/platforms/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_visitor_without_a_session_gets_none(db, portal_sessions):
    browser = Client()
    with CaptureQueriesContext(connection) as captured:
        response = browser.get("/login/")
    assert response.status_code == 200
    assert not [q for q in captured.captured_queries if "django_session" in q["sql"]]
    assert django_settings.SESSION_COOKIE_NAME not in response.cookies


def test_signing_out_ends_the_session(cadre, portal_sessions):
    with time_machine.travel(START, tick=False) as traveller:
        browser = signed_in(traveller)
        traveller.shift(datetime.timedelta(hours=1))
        browser.post("/logout/")
        assert "_auth_user_id" not in browser.session
        response = browser.get("/my/platforms/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")

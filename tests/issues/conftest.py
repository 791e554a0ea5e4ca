import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from config.celery import app as celery_app
from issues import services
from tests.liaison.factories import CadreFactory, UnitFactory, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai(year, month, day, hour=10, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def on(time_machine):
    """``on(date)`` or ``on(datetime)``: move the clock there (Asia/Shanghai, 10:00 for a date)."""

    def move(when, hour=10, minute=0):
        if not isinstance(when, datetime.datetime):
            when = shanghai(when.year, when.month, when.day, hour, minute)
        time_machine.move_to(when, tick=False)

    return move


@pytest.fixture(autouse=True)
def english():
    # Messages are checked in English (the msgids); the portal's default language is Chinese.
    with translation.override("en"):
        yield


@pytest.fixture
def eager_celery():
    """Tasks enqueued after a commit run in this process (transactional tests commit for real)."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture
def office(db):
    return UnitFactory(name="市委科技办", is_office=True)


@pytest.fixture
def other_unit(db):
    return UnitFactory(name="市发改委")


@pytest.fixture
def third_unit(db):
    return UnitFactory(name="市教育局")


@pytest.fixture
def other_leader(other_unit):
    """The leader of a unit with nothing to do with ``cadre``'s platform."""
    return other_unit.leader


@pytest.fixture
def colleague(unit):
    """Another cadre of ``cadre``'s unit, who does not serve ``platform``."""
    return CadreFactory(unit=unit, user=UserFactory(username="colleague"))


@pytest.fixture
def make_issue(cadre, platform, on):
    """Record an issue through the service, as ``cadre`` on ``recorded_on`` (the clock is moved there)."""

    def make(issue_class="B", recorded_on=datetime.date(2026, 4, 29), **kwargs):
        on(recorded_on)
        kwargs.setdefault("title", "实验室用房紧张")
        kwargs.setdefault("service_area", "condition_building")
        if issue_class == "A":
            kwargs.setdefault("answer", "已当场解答政策口径")
        return services.issue_create(
            by=cadre.user, platform=platform, issue_class=issue_class, recorded_on=recorded_on, **kwargs
        )

    return make

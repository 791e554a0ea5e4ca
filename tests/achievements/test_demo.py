"""The demo's achievements (``achievements.demo``): drawn the same way every time, written through
the services, and written once. ``tests/liaison/test_seed_demo.py`` checks them in the whole demo."""

import datetime

import pytest

from achievements.demo import seed_achievements
from achievements.models import Achievement, AchievementEvent
from tests.liaison.factories import AssignmentFactory
from tests.platforms.factories import PlatformFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def launched(db):
    fields = ["新材料", "生物医药", "现代农业", "电子信息", "节能环保", "文化创意"]
    return [
        AssignmentFactory(platform=PlatformFactory(technology_field=fields[i % len(fields)]),
                          start_date=datetime.date(2026, 1, 5))
        for i in range(30)
    ]


def rows():
    return sorted(Achievement.objects.values_list(
        "platform__name", "title", "stage", "technology_field", "collected_on", "stage_entered_on", "readiness_level",
        "contract_amount",
    ))


def test_seeding_writes_achievements_through_the_services_once(launched, today):
    report = seed_achievements(today=today)
    assert report.created == Achievement.objects.count() > 10 and not report.warnings
    first, events = rows(), AchievementEvent.objects.count()
    assert events >= report.created
    assert seed_achievements(today=today).created == 0
    assert rows() == first and AchievementEvent.objects.count() == events
    for a in Achievement.objects.all():
        assert a.collected_on <= a.stage_entered_on <= today
        assert a.events.first().kind == "collected" and a.events.first().actor == a.collected_by.user


def test_the_draw_is_the_same_every_time(launched, today, django_db_blocker):
    seed_achievements(today=today)
    first = rows()
    AchievementEvent.objects.all().delete()
    Achievement.history.all().delete()
    Achievement.objects.all().delete()
    seed_achievements(today=today)
    assert rows() == first


def test_fields_fit_the_platform(launched, today):
    seed_achievements(today=today)
    fitting = {"新材料": {"new_materials"}, "生物医药": {"biomedicine"}, "现代农业": {"biomedicine"},
               "电子信息": {"electronic_information", "aerospace"}, "节能环保": {"resources_environment"},
               "文化创意": {"high_tech_services"}}
    for field, platform_field in Achievement.objects.values_list("technology_field", "platform__technology_field"):
        assert field in fitting[platform_field]


def test_demands_and_matches_are_seeded_once_from_districts_and_parks(launched, today):
    from achievements.demo import seed_demands
    from achievements.models import Demand, Match
    from liaison.models import Unit
    from tests.liaison.factories import UnitFactory

    for name, kind in [("岳麓区科技局", Unit.Kind.DISTRICT), ("高新区管委会", Unit.Kind.PARK),
                       ("经开区管委会", Unit.Kind.PARK)]:
        UnitFactory(name=name, kind=kind)
    seed_achievements(today=today)
    report = seed_demands(today=today)
    assert report.demands == Demand.objects.count() >= 6 and not report.warnings
    assert set(Demand.objects.values_list("unit__kind", flat=True)) <= {"district", "park"}
    assert all(d.raised_on <= today and d.match_terms for d in Demand.objects.all())
    assert report.matches == Match.objects.count() > 0
    for match in Match.objects.select_related("achievement"):
        assert match.reasons and match.fit > 0
        assert match.achievement.stage in ("matched", "negotiating")
    again = seed_demands(today=today)
    assert (again.demands, again.matches) == (0, 0) and Demand.objects.count() == report.demands

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from achievements import services
from liaison.models import Unit
from tests.liaison.factories import UnitFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: The tests' today: the factories' assignments start on 2026-01-05.
TODAY = datetime.date(2026, 5, 11)


@pytest.fixture(autouse=True)
def today(time_machine):
    """Every test runs as of ``TODAY`` at 10:00 in Asia/Shanghai, whatever the real date."""
    time_machine.move_to(datetime.datetime.combine(TODAY, datetime.time(10), tzinfo=SHANGHAI), tick=False)
    return TODAY


@pytest.fixture(autouse=True)
def english():
    # Messages are checked in English (the msgids); the portal's default language is Chinese.
    with translation.override("en"):
        yield


@pytest.fixture
def district(db):
    return UnitFactory(name="岳麓区科技局", kind=Unit.Kind.DISTRICT)


@pytest.fixture
def collect(cadre, platform):
    """``collect(**kwargs)``: an achievement collected through the service by ``cadre`` from ``platform``."""

    def make(**kwargs):
        kwargs.setdefault("by", cadre.user)
        kwargs.setdefault("platform", platform)
        kwargs.setdefault("title", "高镍三元正极材料低成本制备技术")
        kwargs.setdefault("achievement_type", "patent")
        kwargs.setdefault("technology_field", "new_materials")
        kwargs.setdefault("collected_on", datetime.date(2026, 4, 1))
        return services.achievement_collect(**kwargs)

    return make


@pytest.fixture
def at_stage(collect, cadre):
    """``at_stage(stage)``: an achievement taken to ``stage`` through the services."""

    def make(stage):
        by = cadre.user
        a = collect()
        if stage == "collected":
            return a
        if stage == "dropped":
            return services.achievement_drop(achievement=a, by=by, reason="技术不成熟")
        a = services.achievement_assess(achievement=a, by=by, readiness_level=6, judgement="high")
        for target in ("matched", "negotiating"):
            if stage == "assessed":
                return a
            a = services.achievement_advance(achievement=a, by=by, note="企业有意向")
            if stage == target:
                return a
        return services.achievement_transform(
            achievement=a, by=by, transformation_mode="licence", counterpart_enterprise="湖南某科技有限公司",
            contract_amount="120.50",
        )

    return make

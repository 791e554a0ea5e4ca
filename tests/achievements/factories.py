"""Factories for the achievements app. They insert directly, for arranging a test's data; tests
of the rules go through the services (``achievement_collect`` and the rest)."""

import datetime

import factory

from achievements.models import Achievement
from tests.liaison.factories import CadreFactory
from tests.platforms.factories import PlatformFactory


class AchievementFactory(factory.django.DjangoModelFactory):
    """A collected achievement."""

    class Meta:
        model = Achievement

    platform = factory.SubFactory(PlatformFactory)
    collected_by = factory.SubFactory(CadreFactory)
    collected_on = datetime.date(2026, 3, 2)
    title = factory.Sequence(lambda n: f"成果{n}")
    achievement_type = Achievement.Type.PATENT
    technology_field = Achievement.Field.NEW_MATERIALS
    stage = Achievement.Stage.COLLECTED
    stage_entered_on = factory.SelfAttribute("collected_on")

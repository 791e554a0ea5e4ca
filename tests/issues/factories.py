"""Factories for the issues app. They insert directly, for arranging a test's data; tests of the
rules go through the services (``issue_create`` and the rest)."""

import datetime

import factory
from django.utils import timezone

from issues.models import CalendarDay, CalendarYear, Issue, IssueClass, Supervision
from tests.liaison.factories import CadreFactory, UserFactory
from tests.platforms.factories import PlatformFactory


class CalendarDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarDay
        django_get_or_create = ("date",)

    date = datetime.date(2027, 1, 1)
    kind = CalendarDay.Kind.HOLIDAY
    note = "元旦"
    entered_by = factory.SubFactory(UserFactory, username="calendar-admin", is_superuser=True, is_staff=True)
    entered_at = factory.LazyFunction(timezone.now)


class CalendarYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarYear
        django_get_or_create = ("year",)

    year = 2027
    loaded = True
    entered_by = factory.SubFactory(UserFactory, username="calendar-admin", is_superuser=True, is_staff=True)
    entered_at = factory.LazyFunction(timezone.now)


class IssueFactory(factory.django.DjangoModelFactory):
    """An open class B issue with a plausible (not computed) deadline."""

    class Meta:
        model = Issue

    platform = factory.SubFactory(PlatformFactory)
    recorded_by = factory.SubFactory(CadreFactory)
    title = factory.Sequence(lambda n: f"问题{n}")
    service_area = Issue.ServiceArea.CONDITION_BUILDING
    issue_class = IssueClass.B
    recorded_on = datetime.date(2026, 4, 29)
    clock_started_on = factory.SelfAttribute("recorded_on")
    status = Issue.Status.OPEN
    original_due_date = datetime.date(2026, 5, 15)
    due_date = factory.SelfAttribute("original_due_date")


class SupervisionFactory(factory.django.DjangoModelFactory):
    """An open supervision of an open issue, as inserted (for arranging lists); the rules are tested
    through ``issues.supervision``."""

    class Meta:
        model = Supervision

    issue = factory.SubFactory(IssueFactory)
    unit = factory.LazyAttribute(lambda s: s.issue.recorded_by.unit)
    opened_by = factory.SubFactory(UserFactory)
    instruction = factory.Sequence(lambda n: f"请于期限内报告办理进展{n}")
    reply_working_days = 5
    counted_from = datetime.date(2026, 5, 6)
    reply_by = datetime.date(2026, 5, 13)

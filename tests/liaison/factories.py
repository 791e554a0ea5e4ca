import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from liaison.models import BUREAU_STAFF_GROUP, Assignment, Cadre, Contact, Unit
from tests.platforms.factories import PlatformFactory


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = "王"
    first_name = factory.Sequence(lambda n: f"干部{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.gov.cn")
    password = factory.django.Password("pass-1234-word")


class BureauStaffFactory(UserFactory):
    class Meta:
        skip_postgeneration_save = True

    @factory.post_generation
    def bureau_group(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get_or_create(name=BUREAU_STAFF_GROUP)[0])


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = Unit.Kind.CITY_DEPARTMENT
    leader = factory.SubFactory(UserFactory)


class CadreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cadre

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    phone = "13800000000"
    title = "科长"


class AssignmentFactory(factory.django.DjangoModelFactory):
    """Inserts directly: for arranging a test's data. Tests of the rules go through the services."""

    class Meta:
        model = Assignment

    cadre = factory.SubFactory(CadreFactory)
    platform = factory.SubFactory(PlatformFactory)
    start_date = datetime.date(2026, 1, 5)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    cadre = factory.SubFactory(CadreFactory)
    platform = factory.SubFactory(PlatformFactory)
    date = datetime.date(2026, 3, 2)
    kind = Contact.Kind.VISIT
    summary = "了解平台建设进展"
    created_by = factory.LazyAttribute(lambda c: c.cadre.user)

"""``manage.py seed_demo``: the launched scheme, built deterministically and idempotently."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Q
from django.test import Client, override_settings
from django.utils import timezone

from liaison import services
from liaison.access import roles_of
from liaison.demo import DEMO_LOGINS, LAUNCH_DATE, build_scheme
from liaison.models import Assignment, Cadre, Contact, Unit
from platforms.models import Platform

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module, and roll it back afterwards: each test runs in a savepoint.

    The demo logins' passwords are hashed with a fast hasher: the default is slow on purpose.
    """
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with fast_hashing, django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def active_counts(queryset, relation):
    return queryset.annotate(n=Count(relation, filter=Q(**{f"{relation}__end_date__isnull": True})))


def test_the_launched_scheme_is_seeded():
    assert Platform.objects.count() == 290
    levels = dict(Platform.objects.values_list("level").annotate(n=Count("pk")).order_by())
    assert levels == {Platform.Level.NATIONAL: 39, Platform.Level.PROVINCIAL: 245, Platform.Level.MUNICIPAL: 6}
    assert Cadre.objects.filter(is_active=True).count() == 89
    assert not Unit.objects.filter(leader__isnull=True).exists()
    office = Unit.objects.get(is_office=True)
    assert office.name == "市委科技办"


def test_categories_match_levels():
    national_only = {Platform.Category.NATIONAL_KEY_LABORATORY, Platform.Category.INDUSTRIAL_INNOVATION_CENTRE}
    assert not Platform.objects.exclude(level=Platform.Level.NATIONAL).filter(category__in=national_only).exists()
    assert not Platform.objects.exclude(level=Platform.Level.PROVINCIAL).filter(
        category=Platform.Category.PROVINCIAL_KEY_LABORATORY
    ).exists()
    assert not Platform.objects.filter(Q(host_institution="") | Q(district="") | Q(contact_person="")).exists()


def test_every_cadre_serves_2_to_4_platforms_and_every_platform_has_one_cadre():
    per_cadre = sorted(active_counts(Cadre.objects.all(), "assignments").values_list("n", flat=True))
    assert len(per_cadre) == 89
    assert per_cadre[0] >= 2 and per_cadre[-1] <= 4
    assert sum(per_cadre) == 290
    per_platform = set(active_counts(Platform.objects.all(), "assignments").values_list("n", flat=True))
    assert per_platform == {1}
    assert set(Assignment.objects.values_list("start_date", flat=True)) == {LAUNCH_DATE}


def test_this_quarter_has_contacts_by_the_responsible_cadres():
    today = timezone.localdate()
    quarter = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    contacts = list(Contact.objects.filter(date__gte=quarter).select_related("platform", "cadre"))
    assert 50 < len(contacts) < 290 * 2
    assert len({c.platform_id for c in contacts}) < 290  # a subset of the platforms
    assert len({c.kind for c in contacts}) >= 3
    assert all(c.date <= today for c in contacts)
    for contact in Contact.objects.select_related("platform", "cadre"):
        assert services.responsible_cadre(platform=contact.platform, on=contact.date) == contact.cadre


def test_the_launch_duties_are_done_for_almost_every_platform():
    """First contact within the week of the launch, first visit before the end of its month."""
    launch_month_end = LAUNCH_DATE.replace(day=30)
    first_week = Contact.objects.filter(date__gt=LAUNCH_DATE, date__lte=LAUNCH_DATE + datetime.timedelta(days=7))
    visited = Contact.objects.filter(kind=Contact.Kind.VISIT, date__gte=LAUNCH_DATE, date__lte=launch_month_end)
    assert first_week.values("platform").distinct().count() == 290
    assert 250 < visited.values("platform").distinct().count() < 290


@pytest.mark.parametrize("login", DEMO_LOGINS, ids=lambda login: login["role"])
def test_each_demo_login_signs_in_with_its_role(login):
    client = Client()
    response = client.post("/login/", {"username": login["username"], "password": login["password"]})
    assert response.status_code == 302
    user = get_user_model().objects.get(username=login["username"])
    assert client.session["_auth_user_id"] == str(user.pk)
    assert roles_of(user).primary == login["role"]


def test_the_demo_leader_leads_a_unit_with_cadres_and_the_demo_cadre_is_one_of_the_89():
    logins = {login["role"]: login["username"] for login in DEMO_LOGINS}
    assert Cadre.objects.filter(unit__leader__username=logins["leader"], is_active=True).exists()
    cadre = Cadre.objects.get(user__username=logins["cadre"])
    assert 2 <= cadre.assignments.active().count() <= 4


def test_the_command_prints_the_demo_logins(seeded):
    for login in DEMO_LOGINS:
        assert login["username"] in seeded and login["password"] in seeded


def snapshot():
    User = get_user_model()
    return {
        "users": sorted(User.objects.values_list("username", "last_name", "first_name", "email", "password")),
        "units": sorted(Unit.objects.values_list("name", "kind", "leader__username", "is_office")),
        "platforms": sorted(
            Platform.objects.values_list("name", "level", "category", "host_institution", "updated_at")
        ),
        "cadres": sorted(Cadre.objects.values_list("user__username", "unit__name", "title", "phone", "is_active")),
        "assignments": sorted(
            Assignment.objects.values_list("platform__name", "cadre__user__username", "start_date", "end_date")
        ),
        "contacts": sorted(Contact.objects.values_list("platform__name", "cadre__user__username", "date", "kind")),
        "history": [
            model.history.count() for model in (Platform, Unit, Cadre, Assignment, Contact)
        ],
    }


def test_running_it_again_changes_nothing():
    before = snapshot()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert snapshot() == before
    assert "nothing changed" in out.getvalue()


def test_running_it_again_keeps_a_handover_made_since():
    platform = Platform.objects.order_by("name").first()
    successor = (
        active_counts(Cadre.objects.exclude(assignments__platform=platform), "assignments").filter(n=2).first()
    )
    services.assignment_transfer(platform=platform, to_cadre=successor, reason="原干部调岗")
    before = snapshot()
    call_command("seed_demo", stdout=io.StringIO())
    assert snapshot() == before
    assert services.responsible_cadre(platform=platform, on=timezone.localdate()) == successor


def test_the_scheme_is_the_same_every_time():
    first, second = build_scheme(), build_scheme()
    assert first.platforms == second.platforms
    assert [(c.person, c.platforms) for c in first.cadres] == [(c.person, c.platforms) for c in second.cadres]


def test_seed_demo_refuses_to_run_in_production(settings, db):
    from django.core.management import CommandError

    settings.PRODUCTION = True
    before = Platform.objects.count()
    with pytest.raises(CommandError, match="development only"):
        call_command("seed_demo")
    assert Platform.objects.count() == before

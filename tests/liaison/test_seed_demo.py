"""``manage.py seed_demo``: the launched scheme and its issues, built deterministically and idempotently."""

import datetime
import io
import random

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from achievements.models import Achievement, AchievementEvent, Demand, Match, ServiceRecord
from issues import access as issue_access
from issues.calendar import load_calendar
from issues.models import WORKING_DAYS_BY_CLASS, DispatchReport, ExtensionRequest, Issue, IssueClass, IssueEvent
from notices.models import Notification, SweepRun
from config.schedules import SWEEP_TIME
from liaison import services
from liaison.access import roles_of
from liaison.demo import DEMO_LOGINS, LAUNCH_DATE, _IssueDraw, build_scheme
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


def test_the_launched_platforms_have_achievements_in_every_stage(seeded):
    stages = dict(Achievement.objects.values_list("stage").annotate(n=Count("pk")).order_by())
    assert set(stages) == set(Achievement.Stage.values)
    assert 150 <= sum(stages.values()) <= 400
    assert "achievements:" in seeded
    # Credited to the cadre who served the platform, and written through the services (a timeline each).
    assert not Achievement.objects.filter(events__isnull=True).exists()
    served = Assignment.objects.filter(platform=OuterRef("platform_id"), cadre=OuterRef("collected_by_id"))
    assert not Achievement.objects.exclude(Exists(served)).exists()
    assert not Achievement.objects.filter(stage="transformed", contract_amount__isnull=True).exists()


def test_the_launched_platforms_have_services_of_every_kind_from_their_cadres(seeded):
    kinds = set(ServiceRecord.objects.values_list("kind", flat=True))
    assert kinds == set(ServiceRecord.Kind.values)
    assert "service records:" in seeded
    served = Assignment.objects.filter(platform=OuterRef("platform_id"), cadre=OuterRef("given_by_id"))
    assert not ServiceRecord.objects.exclude(Exists(served)).exists()
    assert ServiceRecord.objects.filter(achievement__isnull=False).exists()
    assert ServiceRecord.objects.filter(issue__isnull=False).exists()


def _as_text(row) -> tuple:
    return tuple("" if value is None else str(value) for value in row)


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
        # What the caught-up sweeps wrote: a second seed sweeps no day twice.
        "notifications": sorted(Notification.objects.values_list("key", flat=True)),
        "events": IssueEvent.objects.count(),
        "achievements": sorted(
            Achievement.objects.values_list("platform__name", "title", "stage", "collected_on", "stage_entered_on",
                                            "updated_at")
        ),
        "achievement events": AchievementEvent.objects.count(),
        # Rows may differ only in a column that is empty in one: sorted as text, empty first.
        "service records": sorted(
            ServiceRecord.objects.values_list("platform__name", "kind", "given_on", "given_by__user__username",
                                              "achievement__title", "issue__title", "updated_at"),
            key=_as_text,
        ),
        "demands": sorted(Demand.objects.values_list("unit__name", "title", "status", "raised_on", "updated_at"),
                          key=_as_text),
        "matches": sorted(Match.objects.values_list("achievement__title", "demand__title", "status", "updated_at"),
                          key=_as_text),
        "sweep runs": sorted(SweepRun.objects.values_list("kind", "day", "runs", "notifications_created")),
        "dispatch reports": sorted(DispatchReport.objects.values_list("period_start", "period_end")),
        "issues": sorted(
            Issue.objects.values_list(
                "platform__name", "title", "issue_class", "status", "recorded_on", "due_date", "handed_to_unit__name",
                "closed_on", "rating", "updated_at",
            )
        ),
        "issue events": IssueEvent.objects.count(),
        "extension requests": ExtensionRequest.objects.count(),
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


# --- the issues ------------------------------------------------------------------------------------

LOGINS = {login["role"]: login["username"] for login in DEMO_LOGINS}


def due_soon_until(today):
    return load_calendar().add_working_days(today, 3)[0]


def test_the_issues_by_class_are_in_the_intended_ranges():
    total = Issue.objects.count()
    assert 120 <= total <= 180
    shares = {k: n / total for k, n in Issue.objects.values_list("issue_class").annotate(n=Count("pk")).order_by()}
    assert 0.25 <= shares[IssueClass.A] <= 0.35
    assert 0.30 <= shares[IssueClass.B] <= 0.40
    assert 0.15 <= shares[IssueClass.C] <= 0.25
    assert 0.10 <= shares[IssueClass.D] <= 0.20
    assert Issue.objects.values("service_area").distinct().count() == len(Issue.ServiceArea.values)


def test_each_issue_is_raised_at_a_contact_by_the_cadre_responsible_then():
    for issue in Issue.objects.select_related("platform", "contact", "recorded_by"):
        assert issue.contact is not None
        assert issue.contact.platform_id == issue.platform_id
        assert issue.recorded_on == issue.contact.date
        assert issue.recorded_by == issue.contact.cadre
        assert services.responsible_cadre(platform=issue.platform, on=issue.recorded_on) == issue.recorded_by


def test_the_issues_are_in_every_state():
    today = timezone.localdate()
    statuses = dict(Issue.objects.values_list("status").annotate(n=Count("pk")).order_by())
    assert set(statuses) == set(Issue.Status.values)
    assert statuses[Issue.Status.RESOLVED] > statuses[Issue.Status.OPEN]
    assert not Issue.objects.filter(issue_class=IssueClass.A).exclude(status=Issue.Status.RESOLVED).exists()
    closed = Issue.objects.clock_stopped().exclude(issue_class=IssueClass.A)
    on_time, late = closed.filter(on_time=True).count(), closed.filter(on_time=False).count()
    assert late > 0 and on_time > late  # mostly on time
    overdue = Issue.objects.overdue(today).count()
    assert 3 <= overdue <= 10  # a handful
    soon = Issue.objects.open().filter(due_date__gte=today, due_date__lte=due_soon_until(today)).count()
    assert 3 <= soon <= 12
    ratings = list(Issue.objects.filter(rating__isnull=False).values_list("rating", flat=True))
    assert 5 <= len(ratings) <= 30
    assert sum(r >= 4 for r in ratings) > len(ratings) / 2 and min(ratings) >= 3  # none reopened it
    assert ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING).exists()
    assert IssueEvent.objects.filter(kind=IssueEvent.Kind.COMMENTED).exists()


def test_handovers_go_where_the_class_says():
    office = Unit.objects.get(is_office=True)
    handed = Issue.objects.exclude(handed_to_unit=None).select_related("recorded_by", "handed_to_unit")
    assert {i.issue_class for i in handed} == {IssueClass.B, IssueClass.C, IssueClass.D}
    for issue in handed:
        cooperating = set(issue.cooperating_units.values_list("pk", flat=True))
        if issue.issue_class == IssueClass.B:
            assert issue.handed_to_unit_id == issue.recorded_by.unit_id and not cooperating
        elif issue.issue_class == IssueClass.C:
            assert cooperating and issue.handed_to_unit_id not in cooperating and not issue.handed_to_unit.is_office
        else:
            assert issue.handed_to_unit == office and not cooperating


def test_the_demo_cadre_has_open_issues_one_overdue_and_one_due_within_3_working_days():
    today = timezone.localdate()
    cadre = Cadre.objects.get(user__username=LOGINS["cadre"])
    mine = Issue.objects.open().with_responsible_cadre().filter(responsible_cadre_id=cadre.pk)
    assert mine.count() >= 2  # the overdue one and the one due soon, as the seed promises; others as drawn
    assert mine.filter(due_date__lt=today).exists()
    assert mine.filter(due_date__gte=today, due_date__lte=due_soon_until(today)).exists()


def test_the_demo_leaders_unit_has_an_open_class_c_issue_to_hand_over():
    leader = get_user_model().objects.get(username=LOGINS["leader"])
    unit = Unit.objects.get(leader=leader)
    waiting = Issue.objects.responsible_unit(unit.pk).filter(
        issue_class=IssueClass.C, status=Issue.Status.OPEN, handed_to_unit=None
    )
    issue = waiting.first()
    assert issue is not None
    assert issue.due_date >= timezone.localdate()
    assert issue_access.can_hand_over_issue(leader, issue)


def test_a_due_date_reaching_an_unloaded_year_is_provisional_when_today_allows_one():
    today = timezone.localdate()
    calendar = load_calendar()
    limit = WORKING_DAYS_BY_CLASS[IssueClass.D]
    possible = any(
        calendar.add_working_days(day, limit)[1]
        for day in Contact.objects.filter(date__lte=today).values_list("date", flat=True).distinct()
    )
    if not possible:
        pytest.skip(f"no seeded contact's 30 working days reach a year the calendar lacks as of {today}")
    assert Issue.objects.open().filter(due_date_provisional=True).exists()


def test_the_seed_ran_the_deadline_sweep_as_beat_would_have_reminders_and_escalations_sent():
    keys = list(Notification.objects.values_list("key", flat=True))
    assert any(key.startswith("reminder:") for key in keys)
    assert any(key.startswith("escalation:1:") for key in keys)
    assert any(key.startswith("escalation:2:") for key in keys)  # one issue is late enough for the office
    assert Issue.objects.open().filter(escalation_level=2).exists()
    # Nothing is left for this morning's sweep to send about what the seed knew of.
    out = io.StringIO()
    call_command("enforce", "--dry-run", "--only", "deadlines", "--at", _last_sweep_moment().isoformat(), stdout=out)
    assert "[escalation:" not in out.getvalue() and "[reminder:" not in out.getvalue()


def _last_sweep_moment() -> datetime.datetime:
    """The latest moment beat's daily sweeps were due by now (today at 09:00, or yesterday's)."""
    now = timezone.localtime()
    moment = now.replace(hour=SWEEP_TIME.hour, minute=SWEEP_TIME.minute, second=0, microsecond=0)
    return moment if moment <= now else moment - datetime.timedelta(days=1)


def test_the_command_prints_the_issues_by_class_and_status(seeded):
    assert "Issues by class and status" in seeded
    rows = {line.split()[0]: line.split()[1:] for line in seeded.splitlines() if line.startswith("  ") and line.split()}
    for klass in IssueClass.values:
        assert int(rows[klass][-1]) == Issue.objects.filter(issue_class=klass).count()
    assert int(rows["all"][-1]) == Issue.objects.count()


def shown(role, page, issue):
    """Whether ``issue`` is on ``page`` as the demo login of ``role`` sees it."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=LOGINS[role]))
    response = client.get(reverse(page))
    assert response.status_code == 200
    return f"/issues/{issue.pk}/" in response.content.decode()


def test_the_homes_show_the_seeded_issues():
    today = timezone.localdate()
    leader_unit = Unit.objects.get(leader__username=LOGINS["leader"])
    to_hand_over = Issue.objects.responsible_unit(leader_unit.pk).filter(status=Issue.Status.OPEN).order_by("due_date")
    assert shown("leader", "unit_home", to_hand_over.first())
    assert shown("bureau", "bureau_home", Issue.objects.overdue(today).order_by("due_date").first())
    first_due = Issue.objects.open().order_by("due_date", "recorded_on", "pk")  # the list's default order
    assert shown("bureau", "issues:list", first_due.first())
    demo_cadre = Cadre.objects.get(user__username=LOGINS["cadre"])
    mine = first_due.with_responsible_cadre().filter(responsible_cadre_id=demo_cadre.pk)
    assert shown("cadre", "issues:list", mine.first())


@pytest.mark.parametrize("role", ["cadre", "leader", "bureau"])
def test_the_demo_inboxes_are_not_empty_after_the_seed(role):
    client = Client()
    client.force_login(get_user_model().objects.get(username=LOGINS[role]))
    response = client.get(reverse("notices:inbox"))
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="notification"') >= 1


def test_the_seed_caught_up_the_recent_working_days_and_the_latest_report(seeded):
    calendar = load_calendar()
    swept = set(SweepRun.objects.filter(kind="deadlines").values_list("day", flat=True))
    assert len(swept) == 10 and all(calendar.is_working_day(day) for day in swept)
    assert swept == set(SweepRun.objects.filter(kind="contact_duties").values_list("day", flat=True))
    assert max(swept) <= timezone.localdate()
    assert DispatchReport.objects.count() == 1
    assert Notification.objects.filter(kind="dispatch_report", recipient__username=LOGINS["bureau"])
    assert "sweeps caught up for 10 working days" in seeded


def test_the_issues_are_drawn_the_same_every_time():
    today = timezone.localdate()
    contacts = sorted(
        Contact.objects.select_related("platform", "cadre__unit"), key=lambda c: (c.date, c.platform.name, c.kind, c.pk)
    )
    demo = Cadre.objects.get(user__username=LOGINS["cadre"])
    unit = Unit.objects.get(leader__username=LOGINS["leader"])

    def draw():
        drawn = _IssueDraw(contacts, load_calendar(), today, random.Random(1))
        drawn.draw(demo_cadre_id=demo.pk, leader_unit_id=unit.pk)
        return [(p.contact.pk, p.issue_class, p.topic.key, p.state, p.rating, p.params) for p in drawn.plans]

    assert draw() == draw()

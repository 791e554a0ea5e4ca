"""The contact duties' sweep (``liaison.duties``), through the ``enforce`` command and the database."""

import datetime
import io
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.utils import timezone

from notices.models import Notification
from tests.issues.conftest import eager_celery, english, on  # noqa: F401 - the fixtures these tests use
from tests.liaison.factories import AssignmentFactory, ContactFactory, UserFactory
from tests.platforms.factories import PlatformFactory

D = datetime.date
ONE_DAY = datetime.timedelta(days=1)

pytestmark = pytest.mark.usefixtures("eager_celery")


def enforce(*args) -> str:
    out = io.StringIO()
    call_command("enforce", *args, stdout=out)
    return out.getvalue()


def what(notification: Notification) -> str:
    """``quarter_contact`` ... and to whom."""
    return f"{notification.key.split(':')[0]}>{notification.recipient.username}"


def sent_by_day(**filters) -> dict[datetime.date, set[str]]:
    days = defaultdict(set)
    for notification in Notification.objects.filter(**filters).select_related("recipient"):
        days[timezone.localdate(notification.created_at)].add(what(notification))
    return dict(days)


# --- contact duties -----------------------------------------------------------------------------------


def walk_contact_duties(on, first, last):
    day = first
    while day <= last:
        for hour in (9, 15):
            on(day, hour)
            enforce("--only", "contact_duties")
        day += ONE_DAY


def test_quarter_duty_reminds_the_cadre_15_days_before_the_end_and_the_leader_at_the_end(
    cadre, unit, platform, on
):
    contacted = AssignmentFactory(cadre=cadre).platform
    ContactFactory(cadre=cadre, platform=contacted, date=D(2026, 4, 10), kind="call")
    only_last_quarter = AssignmentFactory(cadre=cadre).platform
    ContactFactory(cadre=cadre, platform=only_last_quarter, date=D(2026, 3, 20))

    walk_contact_duties(on, D(2026, 6, 10), D(2026, 7, 3))

    sent = sent_by_day(kind__in=["quarter_contact", "quarter_contact_unit"])
    assert sent == {
        D(2026, 6, 15): {f"quarter_contact>{cadre.user.username}"},
        D(2026, 6, 30): {f"quarter_contact_unit>{unit.leader.username}"},
    }
    to_cadre = Notification.objects.filter(kind="quarter_contact")
    assert sorted(to_cadre.values_list("topic", flat=True)) == sorted(
        f"platform:{p.pk}" for p in (platform, only_last_quarter))
    assert set(to_cadre.values_list("key", flat=True)) == {
        f"quarter_contact:platform:{p.pk}:quarter:2026Q2:user:{cadre.user.pk}" for p in (platform, only_last_quarter)
    }
    to_leader = Notification.objects.get(kind="quarter_contact_unit")
    assert platform.name in to_leader.body and only_last_quarter.name in to_leader.body
    assert contacted.name not in to_leader.body


def test_a_missed_quarter_end_still_reaches_the_leader_after_the_holiday(cadre, unit, platform, on):
    # The worker was down on Q3's last day (Wednesday 09-30) and National Day followed: the leader
    # hears on the first working day after it, about Q3, once.
    on(D(2026, 10, 8), 9)
    enforce("--only", "contact_duties")
    enforce("--only", "contact_duties")
    assert sent_by_day(kind="quarter_contact_unit") == {D(2026, 10, 8): {f"quarter_contact_unit>{unit.leader.username}"}}
    assert Notification.objects.get(kind="quarter_contact_unit").key.endswith(f"quarter:2026Q3:user:{unit.leader.pk}")


def test_a_new_assignment_without_first_contact_after_a_week_and_first_visit_at_month_end(cadre, unit, on):
    late = AssignmentFactory(cadre=cadre, start_date=D(2026, 6, 3))  # neither contact nor visit
    called = AssignmentFactory(cadre=cadre, start_date=D(2026, 6, 3))  # a call, no visit
    ContactFactory(cadre=cadre, platform=called.platform, date=D(2026, 6, 8), kind="call")
    visited = AssignmentFactory(cadre=cadre, start_date=D(2026, 6, 3))
    ContactFactory(cadre=cadre, platform=visited.platform, date=D(2026, 6, 5), kind="visit")

    walk_contact_duties(on, D(2026, 6, 3), D(2026, 7, 6))

    first_contact = Notification.objects.filter(kind="first_contact")
    assert [key.split(":")[2] for key in first_contact.values_list("key", flat=True)] == [str(late.pk)]
    assert sent_by_day(kind="first_contact") == {D(2026, 6, 10): {f"first_contact>{cadre.user.username}"}}
    first_visit = Notification.objects.filter(kind="first_visit")
    assert sorted(int(key.split(":")[2]) for key in first_visit.values_list("key", flat=True)) == sorted(
        [late.pk, called.pk])
    assert set(sent_by_day(kind="first_visit")) == {D(2026, 6, 30)}


def test_the_first_visit_is_due_on_the_last_working_day_when_the_month_ends_on_a_weekend(cadre, on):
    # May 2026 ends on a Sunday: the reminder goes on Friday 05-29.
    assignment = AssignmentFactory(cadre=cadre, start_date=D(2026, 5, 20))
    walk_contact_duties(on, D(2026, 5, 20), D(2026, 6, 5))
    assert sent_by_day(key__contains=f":assignment:{assignment.pk}:") == {
        D(2026, 5, 27): {f"first_contact>{cadre.user.username}"},
        D(2026, 5, 29): {f"first_visit>{cadre.user.username}"},
    }


def test_contact_duties_skip_inactive_users_and_platforms(cadre, unit, platform, on):
    cadre.user.is_active = False
    cadre.user.save(update_fields=["is_active"])
    inactive_platform = PlatformFactory(is_active=False)
    AssignmentFactory(cadre__user=UserFactory(), platform=inactive_platform)
    on(D(2026, 6, 15), 9)
    enforce("--only", "contact_duties")
    assert not Notification.objects.filter(kind="quarter_contact").exists()

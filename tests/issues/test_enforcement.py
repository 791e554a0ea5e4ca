"""The sweeps, through ``manage.py enforce`` and the services, with time moved; then the database."""

import datetime
import io
from collections import defaultdict

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from issues import enforcement, services
from issues.models import DispatchReport, Issue, IssueEvent
from notices.models import Notification, SweepRun
from tests.helpers import emailed_keys, race
from tests.issues.conftest import shanghai
from tests.issues.factories import IssueFactory
from tests.liaison.factories import AssignmentFactory

D = datetime.date
ONE_DAY = datetime.timedelta(days=1)

# Tasks enqueued after a commit run in this process (see tests/issues/conftest.py).
pytestmark = pytest.mark.usefixtures("eager_celery")


def enforce(*args) -> str:
    out = io.StringIO()
    call_command("enforce", *args, stdout=out)
    return out.getvalue()


def what(notification: Notification) -> str:
    """``reminder:3`` / ``escalation:2`` / ``quarter_contact`` ... and to whom."""
    parts = notification.key.split(":")
    head = ":".join(parts[:2]) if parts[0] in {"reminder", "escalation"} else parts[0]
    return f"{head}>{notification.recipient.username}"


def sent_by_day(**filters) -> dict[datetime.date, set[str]]:
    days = defaultdict(set)
    for notification in Notification.objects.filter(**filters).select_related("recipient"):
        days[timezone.localdate(notification.created_at)].add(what(notification))
    return dict(days)


@pytest.fixture
def office_staff(office, bureau_user):
    """The office: bureau staff (``bureau1``) and the office unit's leader."""
    return {bureau_user.username, office.leader.username}


# --- the deadline sweep: a class B issue's life ---------------------------------------------------------

WALKS = {
    # The design's worked example: recorded Wednesday 04-29, due Friday 05-15.
    "worked example": (D(2026, 4, 29), D(2026, 5, 15), {
        D(2026, 5, 12): "reminder:3", D(2026, 5, 14): "reminder:1", D(2026, 5, 15): "reminder:0",
        # First overdue working day Monday 05-18; five more working days: 05-19 ... 05-25.
        D(2026, 5, 18): "escalation:1", D(2026, 5, 25): "escalation:2",
    }),
    # Due Thursday 05-07: the 3-day reminder falls before Labour Day (05-01 to 05-05), the 1-day
    # one after it; the office escalation counts the makeup Saturday 05-09.
    "across Labour Day": (D(2026, 4, 20), D(2026, 5, 7), {
        D(2026, 4, 29): "reminder:3", D(2026, 5, 6): "reminder:1", D(2026, 5, 7): "reminder:0",
        D(2026, 5, 8): "escalation:1", D(2026, 5, 14): "escalation:2",
    }),
    # Due Tuesday 10-13: 3 working days before is Friday 10-09 (the makeup Saturday 10-10 counts),
    # across National Day (10-01 to 10-07).
    "across National Day": (D(2026, 9, 22), D(2026, 10, 13), {
        D(2026, 10, 9): "reminder:3", D(2026, 10, 12): "reminder:1", D(2026, 10, 13): "reminder:0",
        D(2026, 10, 14): "escalation:1", D(2026, 10, 21): "escalation:2",
    }),
}


@pytest.mark.parametrize("walk", WALKS.values(), ids=WALKS.keys())
def test_a_class_b_issue_is_reminded_and_escalated_on_the_right_working_days_once(
    walk, make_issue, cadre, unit, office_staff, on
):
    recorded, due, expected = walk
    issue = make_issue("B", recorded)
    assert issue.due_date == due

    levels = {}
    day = recorded
    last = max(expected) + datetime.timedelta(days=4)
    while day <= last:
        for hour in (9, 9, 16):  # the schedule's run, a duplicate, and a manual run later on
            on(day, hour)
            enforce("--only", "deadlines")
        levels[day] = Issue.objects.get(pk=issue.pk).escalation_level
        day += ONE_DAY

    recipients = {"reminder": {cadre.user.username}, "escalation:1": {unit.leader.username},
                  "escalation:2": office_staff}
    want = {
        sent_on: {f"{action}>{who}" for who in recipients.get(action, recipients["reminder"])}
        for sent_on, action in expected.items()
    }
    assert sent_by_day(topic=f"issue:{issue.pk}") == want

    timeline = [(timezone.localdate(e.at), e.kind, e.after.get("reminder", e.after.get("escalation_level")))
                for e in issue.events.filter(kind__in=["reminded", "escalated"]).order_by("at", "id")]
    assert timeline == [
        (sent_on, "reminded" if action.startswith("reminder") else "escalated", int(action[-1]))
        for sent_on, action in sorted(expected.items())
    ]
    leader_day = next(d for d, a in expected.items() if a == "escalation:1")
    office_day = next(d for d, a in expected.items() if a == "escalation:2")
    assert levels[leader_day - ONE_DAY] == 0
    assert levels[leader_day] == 1 and levels[office_day - ONE_DAY] == 1
    assert levels[office_day] == 2 and levels[last] == 2


def test_the_sweep_does_nothing_on_a_day_off_and_runs_on_a_makeup_saturday(make_issue, on):
    make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 2), 9)  # Labour Day holiday
    assert "not a working day" in enforce("--only", "deadlines")
    on(D(2026, 5, 9), 9)  # makeup workday
    enforce("--only", "deadlines")
    assert set(SweepRun.objects.values_list("day", flat=True)) == {D(2026, 5, 9)}


def test_catching_up_sends_only_the_nearest_reminder_and_every_escalation_due(
    make_issue, cadre, unit, office_staff, on
):
    issue = make_issue("B", D(2026, 4, 29))  # due 05-15
    # The worker was down on 05-12: on 05-13, with 2 working days left, the 3-day reminder goes
    # out (saying 2 days), not a 2-day one and not two of them.
    on(D(2026, 5, 13), 9)
    enforce("--only", "deadlines")
    # Down again until the due day: only the due-day reminder, not the missed 1-day one.
    on(D(2026, 5, 15), 9)
    enforce("--only", "deadlines")
    # Down until after the office threshold (05-25): both escalations at once.
    on(D(2026, 5, 27), 9)
    enforce("--only", "deadlines")
    enforce("--only", "deadlines")

    assert sent_by_day(topic=f"issue:{issue.pk}") == {
        D(2026, 5, 13): {f"reminder:3>{cadre.user.username}"},
        D(2026, 5, 15): {f"reminder:0>{cadre.user.username}"},
        D(2026, 5, 27): {f"escalation:1>{unit.leader.username}", *(f"escalation:2>{u}" for u in office_staff)},
    }
    reminder = issue.events.filter(kind="reminded").order_by("at").first()
    assert reminder.after["working_days_left"] == 2 and reminder.after["reminder"] == 3
    escalations = issue.events.filter(kind="escalated").order_by("id")
    assert [(e.before["escalation_level"], e.after["escalation_level"]) for e in escalations] == [(0, 1), (1, 2)]
    assert escalations[1].after["working_days_overdue"] == 8  # 05-18 ... 05-27
    issue.refresh_from_db()
    assert issue.escalation_level == Issue.EscalationLevel.OFFICE


def test_an_extension_past_today_resets_the_escalation_and_the_new_date_gets_its_own_reminders(
    make_issue, cadre, unit, bureau_user, office_staff, on
):
    issue = make_issue("B", D(2026, 4, 29))  # due 05-15
    on(D(2026, 5, 18), 9)
    enforce("--only", "deadlines")
    issue.refresh_from_db()
    assert issue.escalation_level == 1

    extension = services.issue_request_extension(issue=issue, by=cadre.user, reason="需协调场地",
                                                 new_due_date=D(2026, 5, 29))
    services.issue_decide_extension(extension=extension, by=bureau_user, approve=True)
    issue.refresh_from_db()
    assert (issue.due_date, issue.escalation_level) == (D(2026, 5, 29), 0)

    for day in (D(2026, 5, 26), D(2026, 5, 28), D(2026, 5, 29), D(2026, 6, 1)):
        on(day, 9)
        enforce("--only", "deadlines")
    new = {k: v for k, v in sent_by_day(topic=f"issue:{issue.pk}").items() if k > D(2026, 5, 18)}
    assert new == {
        D(2026, 5, 26): {f"reminder:3>{cadre.user.username}"},
        D(2026, 5, 28): {f"reminder:1>{cadre.user.username}"},
        D(2026, 5, 29): {f"reminder:0>{cadre.user.username}"},
        D(2026, 6, 1): {f"escalation:1>{unit.leader.username}"},
    }
    assert Notification.objects.filter(key__contains=":due:2026-05-29:").count() == 4
    issue.refresh_from_db()
    assert issue.escalation_level == 1


def test_a_closed_issue_gets_nothing_and_a_reopened_one_is_escalated_once(make_issue, cadre, unit, on):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 13), 11)
    services.issue_determine_solution(issue=issue, by=cadre.user, solution="协调共享实验室")
    for day in (D(2026, 5, 14), D(2026, 5, 15), D(2026, 5, 18)):
        on(day, 9)
        enforce("--only", "deadlines")
    assert not Notification.objects.filter(topic=f"issue:{issue.pk}").exists()

    on(D(2026, 5, 19), 11)
    services.issue_reopen(issue=issue, by=cadre.user, reason="方案未落实")
    for _ in range(2):
        on(D(2026, 5, 20), 9)
        enforce("--only", "deadlines")
    assert sent_by_day(topic=f"issue:{issue.pk}") == {D(2026, 5, 20): {f"escalation:1>{unit.leader.username}"}}


def test_reminders_follow_the_platform_to_its_new_cadre(make_issue, cadre, colleague, platform, on):
    from liaison.services import assignment_transfer

    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 12), 9)
    enforce("--only", "deadlines")
    on(D(2026, 5, 13), 11)
    assignment_transfer(platform=platform, to_cadre=colleague, reason="岗位调整")
    on(D(2026, 5, 14), 9)
    enforce("--only", "deadlines")
    assert sent_by_day(topic=f"issue:{issue.pk}") == {
        D(2026, 5, 12): {f"reminder:3>{cadre.user.username}"},
        D(2026, 5, 14): {f"reminder:1>{colleague.user.username}"},
    }


def test_a_sweep_that_crashes_before_committing_leaves_nothing_and_the_retry_sends_everything_once(make_issue, on):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 18), 9)

    class WorkerLost(Exception):
        pass

    with pytest.raises(WorkerLost), transaction.atomic():
        enforcement.sweep_deadlines()
        assert Notification.objects.filter(topic=f"issue:{issue.pk}").exists()
        raise WorkerLost
    assert not Notification.objects.exists() and not issue.events.filter(kind="escalated").exists()

    enforcement.sweep_deadlines()
    enforcement.sweep_deadlines()
    assert Notification.objects.filter(topic=f"issue:{issue.pk}").count() == 1
    assert issue.events.filter(kind="escalated").count() == 1


# --- enforce: --dry-run and --at --------------------------------------------------------------------


def counts():
    return (Notification.objects.count(), IssueEvent.objects.count(), SweepRun.objects.count(),
            DispatchReport.objects.count(), list(Issue.objects.order_by("pk").values_list("escalation_level", "updated_at")))


def test_enforce_dry_run_prints_what_is_due_and_writes_and_sends_nothing(make_issue, cadre, unit, bureau_user, on):
    due_today = make_issue("B", D(2026, 4, 29))  # due 05-15
    overdue = make_issue("B", D(2026, 4, 20))  # due 05-07: office escalation due on 05-14
    on(D(2026, 5, 15), 7)
    before = counts()

    output = enforce("--dry-run", "--at", "2026-05-15T09:00")

    assert counts() == before
    assert mail.outbox == []
    assert f"would send Issue due soon (issue_reminder) -> {cadre.name} <{cadre.user.email}>" in output
    assert f"[reminder:0:issue:{due_today.pk}:due:2026-05-15:user:{cadre.user.pk}]" in output
    assert f"issue #{overdue.pk}" in output and "escalation level 0 -> 1" in output and "1 -> 2" in output
    assert f"[escalation:2:issue:{overdue.pk}:due:2026-05-07:user:{bureau_user.pk}]" in output
    # The dispatch report of 05-04 to 05-10 is due too: bureau staff would get it.
    assert f"[dispatch_report:2026-05-04:2026-05-10:user:{bureau_user.pk}]" in output


def test_enforce_at_a_moment_sends_what_was_due_then(make_issue, cadre, unit, bureau_user, on):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 20), 8)

    output = enforce("--at", "2026-05-15", "--only", "deadlines", "--deliver")

    assert f"sent Issue due soon (issue_reminder) -> {cadre.name}" in output
    notification = Notification.objects.get()
    assert notification.key == f"reminder:0:issue:{issue.pk}:due:2026-05-15:user:{cadre.user.pk}"
    assert notification.email_status == "sent"
    assert [m.to for m in mail.outbox] == [[cadre.user.email]]
    assert mail.outbox[0].subject == notification.subject and issue.title in notification.subject
    # Run again as of the same moment: nothing more.
    assert "nothing due" in enforce("--at", "2026-05-15T09:30", "--only", "deadlines")
    assert Notification.objects.count() == 1


def test_enforce_refuses_a_moment_that_is_not_iso(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        enforce("--at", "15/05/2026")


# --- set-based ---------------------------------------------------------------------------------------


def test_the_sweeps_query_count_does_not_grow_with_the_issues(cadre, unit, office_staff, on, django_assert_max_num_queries):
    assignments = [AssignmentFactory(cadre__unit=unit) for _ in range(3)]

    def arrange(n):
        for i in range(n):
            assignment = assignments[i % 3]
            kwargs = {"platform": assignment.platform, "recorded_by": assignment.cadre}
            IssueFactory(original_due_date=D(2026, 5, 15), **kwargs)  # due today: reminder
            IssueFactory(original_due_date=D(2026, 5, 14), **kwargs)  # first overdue day: leader
            IssueFactory(original_due_date=D(2026, 5, 6), escalation_level=1, **kwargs)  # office
            IssueFactory(original_due_date=D(2026, 6, 30), **kwargs)  # nothing yet

    on(D(2026, 5, 15), 9)
    arrange(3)
    with django_assert_max_num_queries(40) as few:
        enforcement.sweep_deadlines()
    arrange(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        enforcement.sweep_deadlines()
    assert Notification.objects.filter(key__startswith="reminder:0").count() == 33
    assert Notification.objects.filter(key__startswith="escalation:2").count() == 33 * 2
    assert Issue.objects.filter(escalation_level=1).count() == 33


# --- exactly once under concurrency (PostgreSQL) ---------------------------------------------------


def arrange_due_issues(cadre, n=10):
    platform = AssignmentFactory(cadre=cadre).platform
    for _ in range(n):
        IssueFactory(platform=platform, recorded_by=cadre, original_due_date=D(2026, 5, 15))  # reminder:0
        IssueFactory(platform=platform, recorded_by=cadre, original_due_date=D(2026, 5, 14))  # leader
        IssueFactory(platform=platform, recorded_by=cadre, original_due_date=D(2026, 5, 6), escalation_level=1)


def assert_no_duplicates():
    keys = list(Notification.objects.values_list("key", flat=True))
    assert len(keys) == len(set(keys))
    events = list(IssueEvent.objects.values_list("issue_id", "kind", "after__reminder", "after__escalation_level"))
    assert len(events) == len(set(events))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_send_each_notification_once(cadre, unit, office, bureau_user, time_machine):
    arrange_due_issues(cadre)
    time_machine.move_to(shanghai(2026, 5, 15, 9), tick=False)

    outcomes = race([enforcement.sweep_deadlines for _ in range(4)])

    assert all(isinstance(o, enforcement.SweepResult) for o in outcomes), outcomes
    assert sorted(len(o.notifications) for o in outcomes) == [0, 0, 0, 10 + 10 + 20]
    assert Notification.objects.count() == 40
    assert IssueEvent.objects.filter(kind="reminded").count() == 10
    assert IssueEvent.objects.filter(kind="escalated").count() == 20
    assert SweepRun.objects.get(kind="deadlines", day=D(2026, 5, 15)).runs == 4
    assert_no_duplicates()
    # Each was e-mailed once, after the commit (a recipient's in one e-mail).
    keys = emailed_keys(mail.outbox)
    assert sorted(keys) == sorted(Notification.objects.values_list("key", flat=True))
    assert len(mail.outbox) < 40
    assert Notification.objects.filter(email_status="sent").count() == 40


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_as_of_two_days_escalate_each_issue_once(cadre, unit, office, bureau_user, time_machine):
    # Different days take different lock rows: the issue rows' locks and the unique keys guard.
    platform = AssignmentFactory(cadre=cadre).platform
    issues = [IssueFactory(platform=platform, recorded_by=cadre, original_due_date=D(2026, 5, 14)) for _ in range(15)]
    time_machine.move_to(shanghai(2026, 5, 19, 9), tick=False)

    outcomes = race([
        lambda: enforcement.sweep_deadlines(now=shanghai(2026, 5, 18, 9)),
        lambda: enforcement.sweep_deadlines(now=shanghai(2026, 5, 19, 9)),
        lambda: enforcement.sweep_deadlines(now=shanghai(2026, 5, 18, 9)),
    ])

    assert all(isinstance(o, enforcement.SweepResult) for o in outcomes), outcomes
    assert Notification.objects.filter(key__startswith="escalation:1").count() == 15
    assert IssueEvent.objects.filter(kind="escalated").count() == 15
    assert set(Issue.objects.filter(pk__in=[i.pk for i in issues]).values_list("escalation_level", flat=True)) == {1}
    assert_no_duplicates()

"""The periodic dispatch report: its week, its figures against the data, its Excel file, and its
delivery to bureau staff once, through the Celery task."""

import datetime
import io

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from issues import reports, tasks
from notices import delivery
from issues.models import DispatchReport, Issue
from notices.models import Notification
from tests.issues.conftest import shanghai
from tests.issues.factories import IssueFactory
from tests.liaison.factories import AssignmentFactory, BureauStaffFactory, CadreFactory, ContactFactory
from tests.platforms.factories import PlatformFactory

D = datetime.date


def shown(msgid: str) -> str:
    """A label as the report renders it: in the portal's default language."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(msgid)


@pytest.mark.parametrize("now, start, end", [
    (shanghai(2026, 5, 18, 8, 29), D(2026, 5, 4), D(2026, 5, 10)),  # Monday, before 08:30
    (shanghai(2026, 5, 18, 8, 30), D(2026, 5, 11), D(2026, 5, 17)),
    (shanghai(2026, 5, 19, 7), D(2026, 5, 11), D(2026, 5, 17)),
    (shanghai(2026, 5, 24, 23, 59), D(2026, 5, 11), D(2026, 5, 17)),  # Sunday
    (shanghai(2026, 5, 18, 0, 30).astimezone(datetime.UTC), D(2026, 5, 4), D(2026, 5, 10)),  # Sunday in UTC
])
def test_the_report_covers_the_latest_week_due(now, start, end):
    assert reports.report_period_due(now) == reports.Period(start, end)


@pytest.mark.parametrize("frequency, now, start, end", [
    ("monthly", shanghai(2026, 6, 1, 8, 29), D(2026, 4, 1), D(2026, 4, 30)),  # the 1st, before 08:30
    ("monthly", shanghai(2026, 6, 1, 8, 30), D(2026, 5, 1), D(2026, 5, 31)),
    ("monthly", shanghai(2026, 6, 30, 23, 59), D(2026, 5, 1), D(2026, 5, 31)),
    ("monthly", shanghai(2026, 1, 1, 9), D(2025, 12, 1), D(2025, 12, 31)),  # across the year
    ("monthly", shanghai(2026, 3, 1, 9), D(2026, 2, 1), D(2026, 2, 28)),
    ("monthly", shanghai(2026, 6, 1, 0, 30).astimezone(datetime.UTC), D(2026, 4, 1), D(2026, 4, 30)),
    # Every other Monday from Monday 2024-01-01: 2026-05-18 is one (124 weeks on), 2026-05-25 is not.
    ("biweekly", shanghai(2026, 5, 18, 8, 29), D(2026, 4, 20), D(2026, 5, 3)),
    ("biweekly", shanghai(2026, 5, 18, 8, 30), D(2026, 5, 4), D(2026, 5, 17)),
    ("biweekly", shanghai(2026, 5, 25, 9), D(2026, 5, 4), D(2026, 5, 17)),
    ("biweekly", shanghai(2026, 5, 31, 23, 59), D(2026, 5, 4), D(2026, 5, 17)),
    ("biweekly", shanghai(2026, 6, 1, 8, 30), D(2026, 5, 18), D(2026, 5, 31)),
    ("biweekly", shanghai(2027, 1, 11, 9), D(2026, 12, 28), D(2027, 1, 10)),  # 2026 has 53 ISO weeks: no matter
    ("weekly", shanghai(2026, 5, 18, 8, 30), D(2026, 5, 11), D(2026, 5, 17)),
])
def test_each_frequency_covers_the_latest_period_due(frequency, now, start, end):
    assert reports.report_period_due(now, frequency) == reports.Period(start, end)


def test_the_frequency_is_the_portal_setting(settings):
    now = shanghai(2026, 6, 3)
    assert reports.report_period_due(now) == reports.Period(D(2026, 5, 25), D(2026, 5, 31))  # weekly by default
    settings.PORTAL = {**settings.PORTAL, "DISPATCH_REPORT_FREQUENCY": "monthly"}
    assert reports.report_period_due(now) == reports.Period(D(2026, 5, 1), D(2026, 5, 31))


def test_an_unknown_frequency_fails_the_system_check(settings):
    call_command("check")  # the default passes
    settings.PORTAL = {**settings.PORTAL, "DISPATCH_REPORT_FREQUENCY": "daily"}

    with pytest.raises(SystemCheckError, match=r"DISPATCH_REPORT_FREQUENCY.*'daily'.*weekly, biweekly, monthly"):
        call_command("check")


def _morning_runs(time_machine, first: datetime.date, days: int) -> list[dict]:
    """Beat's daily 08:30 run of the report's task on each of ``days`` days from ``first``, twice
    each morning (a redelivery): the summaries of the runs."""
    out = []
    for offset in range(days):
        day = first + datetime.timedelta(days=offset)
        time_machine.move_to(shanghai(day.year, day.month, day.day, 8, 30), tick=False)
        out += [tasks.send_dispatch_report.apply().get() for _twice in range(2)]
    return out


def test_weekly_reports_are_made_each_monday_once_however_often_the_task_runs(bureau_user, time_machine):
    runs = _morning_runs(time_machine, D(2026, 5, 18), 15)  # Monday 18 May to Monday 1 June

    assert list(DispatchReport.objects.order_by("period_start").values_list("period_start", "period_end")) == [
        (D(2026, 5, 11), D(2026, 5, 17)), (D(2026, 5, 18), D(2026, 5, 24)), (D(2026, 5, 25), D(2026, 5, 31)),
    ]
    assert [run["day"] for run in runs if run["notifications"]] == ["2026-05-11", "2026-05-18", "2026-05-25"]
    assert Notification.objects.filter(kind="dispatch_report", recipient=bureau_user).count() == 3


def test_monthly_reports_are_made_on_the_first_once_however_often_the_task_runs(bureau_user, settings, time_machine):
    settings.PORTAL = {**settings.PORTAL, "DISPATCH_REPORT_FREQUENCY": "monthly"}

    runs = _morning_runs(time_machine, D(2026, 5, 31), 33)  # Sunday 31 May to Thursday 2 July

    assert list(DispatchReport.objects.order_by("period_start").values_list("period_start", "period_end")) == [
        (D(2026, 4, 1), D(2026, 4, 30)), (D(2026, 5, 1), D(2026, 5, 31)), (D(2026, 6, 1), D(2026, 6, 30)),
    ]
    made = [run for run in runs if run["notifications"]]
    assert [run["day"] for run in made] == ["2026-04-01", "2026-05-01", "2026-06-01"]
    assert Notification.objects.filter(kind="dispatch_report", recipient=bureau_user).count() == 3
    june = DispatchReport.objects.get(period_start=D(2026, 6, 1))
    assert june.figures["period"] == {"start": "2026-06-01", "end": "2026-06-30"}
    assert june.created_at == shanghai(2026, 7, 1, 8, 30)  # on the 1st, not on the Monday after


def test_quarters():
    assert reports.quarter_of(D(2026, 5, 17)) == reports.Quarter(2026, 2, D(2026, 4, 1), D(2026, 6, 30))
    assert reports.quarter_of(D(2026, 12, 31)).label == "2026Q4"
    assert reports.quarter_of(D(2027, 1, 1)).start == D(2027, 1, 1)


def closed(issue_class="B", *, status, closed_on, **kwargs):
    """An issue whose clock stopped on ``closed_on`` (arranged directly, as a factory does)."""
    fields = {"status": status, "closed_on": closed_on, "on_time": closed_on <= kwargs.get("original_due_date", closed_on),
              "closure_kind": "resolved" if status == "resolved" else "solution_determined"}
    if status == "resolved":
        fields["resolved_on"] = closed_on
    if issue_class == "A":
        fields.update(answer="当场答复", original_due_date=None, due_date=None, on_time=True)
    return IssueFactory(issue_class=issue_class, **fields, **kwargs)


@pytest.fixture
def week_of_data(cadre, unit, other_unit):
    """The week 2026-05-11 to 05-17 in Q2, with two units and a platform that has no cadre."""
    other_cadre = CadreFactory(unit=other_unit)
    p1, p2, p3 = (AssignmentFactory(cadre=cadre).platform for _ in range(3))
    p4, p5 = (AssignmentFactory(cadre=other_cadre).platform for _ in range(2))
    p6 = PlatformFactory()  # active, nobody responsible
    AssignmentFactory(cadre=other_cadre, platform=PlatformFactory(is_active=False))  # not counted

    ContactFactory(cadre=cadre, platform=p1, date=D(2026, 4, 10), kind="call")
    ContactFactory(cadre=cadre, platform=p1, date=D(2026, 5, 12))
    ContactFactory(cadre=cadre, platform=p2, date=D(2026, 3, 20))  # last quarter
    ContactFactory(cadre=cadre, platform=p3, date=D(2026, 5, 17))  # the week's last day
    ContactFactory(cadre=other_cadre, platform=p4, date=D(2026, 5, 18))  # after the week
    ContactFactory(cadre=other_cadre, platform=p5, date=D(2026, 4, 1))

    mine = {"recorded_by": cadre}
    # New this week: a B on p1 and an A (resolved on the spot) on p4.
    IssueFactory(platform=p1, recorded_on=D(2026, 5, 12), original_due_date=D(2026, 5, 26), **mine)
    closed("A", platform=p4, recorded_by=other_cadre, recorded_on=D(2026, 5, 11), status="resolved",
           closed_on=D(2026, 5, 11))
    # Resolved this week, recorded before it.
    closed(platform=p2, recorded_on=D(2026, 4, 20), original_due_date=D(2026, 5, 7), status="resolved",
           closed_on=D(2026, 5, 13), **mine)
    # Overdue at the end of the week: long overdue; overdue since this week and closed only after
    # it; and a D on the platform without a cadre, counted for the unit of the cadre who recorded it.
    IssueFactory(platform=p1, recorded_on=D(2026, 4, 20), original_due_date=D(2026, 5, 7), **mine)
    closed(platform=p3, recorded_on=D(2026, 4, 28), original_due_date=D(2026, 5, 13), status="solution_determined",
           closed_on=D(2026, 5, 18), **mine)
    IssueFactory(platform=p6, recorded_by=other_cadre, issue_class="D", recorded_on=D(2026, 4, 1),
                 original_due_date=D(2026, 5, 14))
    # Due on the week's Sunday: its deadline passed at the very end of the week.
    IssueFactory(platform=p2, issue_class="C", recorded_on=D(2026, 4, 20), original_due_date=D(2026, 5, 17), **mine)
    # None of these: recorded before the week and not yet due at its end, or closed in time.
    IssueFactory(platform=p2, issue_class="C", recorded_on=D(2026, 5, 8), original_due_date=D(2026, 5, 18), **mine)
    closed(platform=p2, recorded_on=D(2026, 4, 27), original_due_date=D(2026, 5, 12), status="solution_determined",
           closed_on=D(2026, 5, 12), **mine)
    return {"other_cadre": other_cadre}


def test_the_figures_match_the_data(week_of_data, unit, other_unit):
    figures = reports.report_figures(reports.Period(D(2026, 5, 11), D(2026, 5, 17)))

    assert figures["period"] == {"start": "2026-05-11", "end": "2026-05-17"}
    assert figures["quarter"] == {"label": "2026Q2", "start": "2026-04-01", "end": "2026-06-30", "as_of": "2026-05-17"}
    assert [(r["unit"], r["active_platforms"], r["contacted"]) for r in figures["coverage"]["units"]] == [
        (other_unit.name, 2, 1), (unit.name, 3, 2), (None, 1, 0),
    ]
    assert figures["coverage"]["total"] == {"active_platforms": 6, "contacted": 3, "rate": 0.5}

    issues = figures["issues"]
    assert issues["by_class"] == {
        "A": {"new": 1, "resolved": 1, "overdue": 0, "newly_overdue": 0},
        "B": {"new": 1, "resolved": 1, "overdue": 2, "newly_overdue": 1},
        "C": {"new": 0, "resolved": 0, "overdue": 1, "newly_overdue": 1},
        "D": {"new": 0, "resolved": 0, "overdue": 1, "newly_overdue": 1},
    }
    assert {r["unit"]: (r["new"], r["resolved"], r["overdue"], r["newly_overdue"]) for r in issues["by_unit"]} == {
        unit.name: (1, 1, 3, 2),
        other_unit.name: (1, 1, 1, 1),
    }
    assert issues["total"] == {"new": 2, "resolved": 2, "overdue": 4, "newly_overdue": 3}
    # And the sections other rooms register (achievements: tests/achievements/test_reports.py).
    assert set(figures) == {"period", "quarter", "coverage", "issues", "achievements"}


def test_the_monday_task_stores_the_report_and_sends_it_to_bureau_staff_once(
    week_of_data, unit, other_unit, bureau_user, cadre, time_machine
):
    second_staff = BureauStaffFactory(username="bureau2")
    time_machine.move_to(shanghai(2026, 5, 18, 8, 30), tick=False)

    summary = tasks.send_dispatch_report.apply().get()
    tasks.send_dispatch_report.apply().get()
    tasks.send_dispatch_report.apply(kwargs={"at": "2026-05-20T10:00"}).get()

    report = DispatchReport.objects.get()
    assert summary == {"day": "2026-05-11", "ran": True, "notifications": 2, "escalations": 0, "report": report.pk}
    assert (report.period_start, report.period_end) == (D(2026, 5, 11), D(2026, 5, 17))
    assert report.figures == reports.report_figures(reports.Period(D(2026, 5, 11), D(2026, 5, 17)))
    sent = Notification.objects.filter(kind="dispatch_report")
    assert sorted(sent.values_list("recipient__username", flat=True)) == ["bureau1", "bureau2"]
    assert set(sent.values_list("topic", flat=True)) == {f"report:{report.pk}"}
    assert not Notification.objects.filter(recipient=cadre.user).exists()
    assert "2026Q2" in sent.first().body and "2026-05-11" in sent.first().subject

    workbook = load_workbook(io.BytesIO(bytes(report.xlsx)))
    summary_sheet, coverage, by_class, by_unit = workbook.worksheets[:4]  # then the achievements'
    assert [row[1] for row in summary_sheet.iter_rows(min_row=2, values_only=True)] == [
        "2026-05-11", "2026-05-17", "2026Q2", 6, 3, 2, 2, 4, 3,
    ]
    assert list(coverage.iter_rows(min_row=2, values_only=True)) == [
        (other_unit.name, 2, 1, 0.5), (unit.name, 3, 2, round(2 / 3, 4)), (shown("No responsible cadre"), 1, 0, 0),
        (shown("Total"), 6, 3, 0.5),
    ]
    assert list(by_class.iter_rows(min_row=2, values_only=True)) == [
        ("A", 1, 1, 0, 0), ("B", 1, 1, 2, 1), ("C", 0, 0, 1, 1), ("D", 0, 0, 1, 1), (shown("Total"), 2, 2, 4, 3),
    ]
    assert {row[0]: row[1:] for row in by_unit.iter_rows(min_row=2, values_only=True)} == {
        unit.name: (1, 1, 3, 2), other_unit.name: (1, 1, 1, 1), shown("Total"): (2, 2, 4, 3),
    }

    # The e-mail carries the same workbook.
    assert len(delivery.deliver_pending().sent) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([bureau_user.email, second_staff.email])
    [(filename, content, mimetype)] = mail.outbox[0].attachments
    assert filename == "dispatch-report-2026-05-11-2026-05-17.xlsx"
    assert content == bytes(report.xlsx) and mimetype.endswith("spreadsheetml.sheet")


def test_a_week_with_nothing_still_makes_a_report(bureau_user, time_machine):
    time_machine.move_to(shanghai(2026, 6, 1, 9), tick=False)
    tasks.send_dispatch_report.apply().get()
    report = DispatchReport.objects.get()
    assert report.figures["issues"]["total"] == {"new": 0, "resolved": 0, "overdue": 0, "newly_overdue": 0}
    assert report.figures["coverage"]["total"] == {"active_platforms": 0, "contacted": 0, "rate": None}
    assert len(load_workbook(io.BytesIO(bytes(report.xlsx))).worksheets) == 5  # the last: achievements
    assert Issue.objects.count() == 0


def test_admins_download_the_stored_workbook(bureau_user, admin_user, client, time_machine):
    time_machine.move_to(shanghai(2026, 6, 1, 9), tick=False)
    tasks.send_dispatch_report.apply().get()
    report = DispatchReport.objects.get()
    client.force_login(admin_user)

    listing = client.get(reverse("admin:issues_dispatchreport_changelist"))
    response = client.get(reverse("admin:issues_dispatchreport_xlsx", args=[report.pk]))

    assert listing.status_code == 200 and report.filename in listing.content.decode()
    assert response.status_code == 200 and response.content == bytes(report.xlsx)
    assert response["Content-Disposition"] == f'attachment; filename="{report.filename}"'
    client.force_login(bureau_user)  # not staff: no admin
    assert client.get(reverse("admin:issues_dispatchreport_xlsx", args=[report.pk])).status_code == 302

"""What the dispatch reports' page and API tests share: reports made as beat makes them, and a
week of data to report on."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from issues import enforcement
from issues.models import DispatchReport
from tests.issues.factories import IssueFactory
from tests.liaison.factories import AssignmentFactory, CadreFactory, ContactFactory, UnitFactory

D = datetime.date
SHANGHAI = ZoneInfo("Asia/Shanghai")
#: The Monday morning the first stored report is made, for the week 11-17 May 2026.
MONDAY = datetime.datetime(2026, 5, 18, 8, 30, tzinfo=SHANGHAI)


def monday(week: int) -> datetime.datetime:
    """The Monday morning ``week`` weeks after ``MONDAY``."""
    return MONDAY + datetime.timedelta(weeks=week)


def make_report(time_machine, now: datetime.datetime = MONDAY) -> DispatchReport:
    """The report due at ``now``, made as beat makes it (notifying bureau staff)."""
    time_machine.move_to(now, tick=False)
    result = enforcement.sweep_dispatch_report(now=now)
    return DispatchReport.objects.get(pk=result.report_id)


@pytest.fixture
def office_leader(db):
    """The leader of the office (市委科技办), who sees everything."""
    return UnitFactory(name="市委科技办", is_office=True).leader


@pytest.fixture
def week_of_data(cadre, unit):
    """Two units with platforms, contacts and issues in the week 11-17 May 2026."""
    other = CadreFactory(unit=UnitFactory(name="市发改委"))
    p1, p2 = (AssignmentFactory(cadre=cadre).platform for _ in range(2))
    p3 = AssignmentFactory(cadre=other).platform
    ContactFactory(cadre=cadre, platform=p1, date=D(2026, 5, 12))
    ContactFactory(cadre=other, platform=p3, date=D(2026, 4, 2))
    IssueFactory(platform=p1, recorded_by=cadre, recorded_on=D(2026, 5, 12), original_due_date=D(2026, 5, 26))
    IssueFactory(platform=p2, recorded_by=cadre, recorded_on=D(2026, 4, 20), original_due_date=D(2026, 5, 7))
    IssueFactory(platform=p3, recorded_by=other, issue_class="C", recorded_on=D(2026, 5, 14),
                 original_due_date=D(2026, 6, 20))
    return {"platforms": [p1, p2, p3], "other_cadre": other}

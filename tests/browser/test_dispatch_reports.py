"""The dispatch reports on a phone: bureau staff open the list from the menu, read a report's tables
at 375 px (each wide table scrolls inside its own box, the page does not), and make one for a
month with the period form."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from issues import enforcement
from tests.issues.factories import IssueFactory
from tests.liaison.factories import AssignmentFactory, BureauStaffFactory, CadreFactory, UnitFactory

from .conftest import fits_the_width

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def reported(transactional_db):
    """Bureau staff, a few units with long names, issues, and the report of 11-17 May 2026."""
    BureauStaffFactory(username="bureau1")
    for index in range(4):
        cadre = CadreFactory(unit=UnitFactory(name=f"长沙高新技术产业开发区管理委员会科技创新局{index}"))
        platform = AssignmentFactory(cadre=cadre).platform
        IssueFactory(platform=platform, recorded_by=cadre, recorded_on=datetime.date(2026, 5, 12),
                     original_due_date=datetime.date(2026, 5, 15))
    result = enforcement.sweep_dispatch_report(now=datetime.datetime(2026, 5, 18, 8, 30, tzinfo=SHANGHAI))
    return result.report_id


def test_bureau_staff_read_a_report_and_make_one_for_a_month_on_a_phone(phone, live_server, sign_in, reported):
    sign_in(phone, "bureau1")
    phone.locator(".navbar-toggler").click()
    phone.locator("#nav-reports").click()
    expect(phone.locator("#report-list [data-testid='report']")).to_have_count(1)
    assert fits_the_width(phone)

    phone.locator("#report-list a.fw-semibold").click()
    expect(phone.locator("[data-testid='report-sheet']")).to_have_count(5)
    expect(phone.locator("#download-report")).to_be_visible()
    assert phone.url.endswith(reverse("evaluation:report_detail", args=[reported]))
    assert fits_the_width(phone)

    phone.goto(live_server.url + reverse("evaluation:report_list"))
    phone.fill("#id_start", "2026-05-01")
    phone.fill("#id_end", "2026-05-31")
    phone.locator("#make-report").click()
    expect(phone.locator("#page-title")).to_contain_text("2026-05-01")
    expect(phone.locator("[data-testid='report-sheet']")).to_have_count(5)
    assert fits_the_width(phone)

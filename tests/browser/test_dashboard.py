"""The dashboards in a real browser: every chart drawn by ECharts at 375 px and on a desktop, the
city's districts on the map, no error in the console and nothing loaded from outside the portal."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from evaluation import periods
from issues.models import Issue, IssueEvent
from tests.achievements.factories import AchievementFactory
from tests.issues.factories import IssueFactory
from tests.liaison.factories import AssignmentFactory, BureauStaffFactory, CadreFactory, ContactFactory, UnitFactory
from tests.platforms.factories import PlatformFactory

from .conftest import fits_the_width

pytestmark = pytest.mark.browser

#: The charts of a dashboard (evaluation.charts.dashboard_charts).
CHARTS = ["trend", "coverage", "issues", "funnel", "ratings", "map"]
#: The districts and counties of the vendored geometry (static/vendor/echarts-maps/changsha.js).
DISTRICTS = 9


@pytest.fixture
def scheme(transactional_db):
    """A unit's platforms in two districts and two parks, with this quarter's records of every kind."""
    today = timezone.localdate()
    quarter = periods.quarter(today)
    BureauStaffFactory(username="bureau1")
    unit = UnitFactory(name="岳麓区科技局", leader__username="leader1")
    cadre = CadreFactory(unit=unit)
    platforms = [
        AssignmentFactory(cadre=cadre, start_date=quarter.start - datetime.timedelta(days=200),
                          platform=PlatformFactory(district=district)).platform
        for district in ["岳麓区", "湘江新区", "宁乡市", "浏阳经开区"]
    ]
    ContactFactory(cadre=cadre, platform=platforms[0], date=quarter.start)
    ContactFactory(cadre=cadre, platform=platforms[2], date=today)
    IssueFactory(platform=platforms[1], recorded_by=cadre, recorded_on=today,
                 original_due_date=today + datetime.timedelta(days=14))
    done = IssueFactory(platform=platforms[0], recorded_by=cadre, recorded_on=quarter.start, status=Issue.Status.RESOLVED,
                        closed_on=today, resolved_on=today, closure_kind="resolved", on_time=True)
    IssueEvent.objects.create(issue=done, kind=IssueEvent.Kind.RATED, after={"rating": 4})
    AchievementFactory(platform=platforms[2], collected_by=cadre, collected_on=quarter.start)
    AchievementFactory(platform=platforms[3], collected_by=cadre, collected_on=today)
    return platforms


def watch_console(page) -> list[str]:
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def assert_every_chart_drawn(page):
    for key in CHARTS:
        chart = page.locator(f"#chart-{key}")
        expect(chart).to_have_attribute("data-drawn", "true")
        svg = chart.locator("svg").first
        box = svg.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100, (key, box)
        assert chart.locator("svg path").count() > 0, key
        assert page.locator(f"#chart-{key}-table tbody tr").count() > 0, key


def assert_the_map_drew_the_districts(page):
    chart = page.locator("#chart-map")
    assert chart.locator("svg path").count() >= DISTRICTS
    # 宁乡市 is 宁乡县 in the geometry: the setting's name map puts the platform's county on the map.
    centre = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('chart-map'))"
        ".convertToPixel({seriesIndex: 0}, '宁乡市')"
    )
    assert centre and all(value > 0 for value in centre), centre


def test_the_bureau_dashboard_draws_its_charts_on_a_phone(phone, live_server, sign_in, scheme, requests_made):
    errors = watch_console(phone)
    sign_in(phone, "bureau1")
    expect(phone).to_have_url(live_server.url + reverse("bureau_home"))
    assert_every_chart_drawn(phone)
    assert_the_map_drew_the_districts(phone)
    assert fits_the_width(phone)
    phone.wait_for_load_state("networkidle")
    assert errors == []
    assert any("/static/vendor/echarts/echarts.min.js" in url for url in requests_made)
    assert any("/static/vendor/echarts-maps/changsha.js" in url for url in requests_made)
    assert requests_made.outside() == [], requests_made.outside()


def test_the_bureau_dashboard_on_a_desktop_and_after_a_resize(desktop, live_server, sign_in, scheme, requests_made):
    desktop.set_viewport_size({"width": 1280, "height": 800})
    errors = watch_console(desktop)
    sign_in(desktop, "bureau1")
    assert_every_chart_drawn(desktop)
    assert_the_map_drew_the_districts(desktop)
    # Wide enough for the districts' names on the map.
    expect(desktop.locator("#chart-map svg text", has_text="岳麓区").first).to_be_attached()

    wide = desktop.locator("#chart-trend svg").bounding_box()["width"]
    desktop.set_viewport_size({"width": 375, "height": 800})
    desktop.wait_for_function(
        "w => document.querySelector('#chart-trend svg').getBoundingClientRect().width < w", arg=wide)
    assert fits_the_width(desktop)
    assert errors == []
    assert requests_made.outside() == [], requests_made.outside()


def test_the_unit_dashboard_draws_the_units_charts(phone, live_server, sign_in, scheme, requests_made):
    errors = watch_console(phone)
    sign_in(phone, "leader1")
    expect(phone).to_have_url(live_server.url + reverse("unit_home"))
    expect(phone.locator("h1")).to_have_text("岳麓区科技局")
    assert_every_chart_drawn(phone)
    assert_the_map_drew_the_districts(phone)
    assert fits_the_width(phone)
    assert errors == []
    assert requests_made.outside() == [], requests_made.outside()

"""The dashboards of bureau staff and of a unit leader (evaluation.views, evaluation.dashboard,
evaluation.charts), through HTTP: every chart's numbers on small hand-made data, a leader's scope,
a flat query count, both languages, and no inline script.

Time is frozen on Wednesday 2026-05-06 (Asia/Shanghai). Most tests look at the first half of 2026
(``?start=2026-01-01&end=2026-06-30``): two quarters, six months, the second quarter under way.
"""

import datetime
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from achievements.models import Achievement
from issues.models import Issue, IssueEvent
from tests.achievements.factories import AchievementFactory
from tests.issues.factories import IssueFactory
from tests.liaison.factories import AssignmentFactory, BureauStaffFactory, CadreFactory, ContactFactory, UnitFactory
from tests.platforms.factories import PlatformFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = datetime.date(2026, 5, 6)
HALF_YEAR = {"start": "2026-01-01", "end": "2026-06-30"}


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 5, 6, 10, 0, tzinfo=SHANGHAI), tick=False)
    return TODAY


def client_for(user, language="en") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    return client


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def at(text: str) -> datetime.datetime:
    """An instant in Asia/Shanghai, ``YYYY-MM-DD HH:MM``."""
    return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)


def closed(issue_class="B", *, on, on_time=True, status=Issue.Status.RESOLVED, **kwargs):
    """Issue fields for a closed issue (the clock stopped ``on``)."""
    fields = dict(issue_class=issue_class, status=status, closed_on=day(on), on_time=on_time,
                  closure_kind="resolved" if status == Issue.Status.RESOLVED else "solution_determined",
                  resolved_on=day(on) if status == Issue.Status.RESOLVED else None)
    if issue_class == "A":
        fields.update(due_date=None, original_due_date=None, answer="当场解答")
    return {**fields, **kwargs}


def rated(issue, score, moment, source=None):
    after = {"rating": score, **({"source": source} if source else {})}
    return IssueEvent.objects.create(issue=issue, kind=IssueEvent.Kind.RATED, at=at(moment), after=after)


def achievement(platform, cadre, collected_on, stage="collected", **kwargs):
    fields = dict(platform=platform, collected_by=cadre, collected_on=day(collected_on), stage=stage)
    if stage in ("assessed", "matched", "negotiating", "transformed"):
        fields.update(readiness_level=6, judgement="high", assessed_at=at(collected_on + " 12:00"))
    if stage == "transformed":
        fields.update(transformation_mode="licence", counterpart_enterprise="某科技有限公司",
                      contract_amount=Decimal("50.00"))
    if stage == "dropped":
        fields.update(drop_reason="企业无意向")
    fields.update(kwargs)
    return AchievementFactory(**fields)


def build_scheme(unit_a, unit_b):
    """Two units' platforms with a half year's records (see each line); returns the platforms."""
    a1, b1 = CadreFactory(unit=unit_a), CadreFactory(unit=unit_b)
    start = day("2026-01-05")
    p1 = AssignmentFactory(cadre=a1, start_date=start, platform=PlatformFactory(district="岳麓区")).platform
    p2 = AssignmentFactory(cadre=a1, start_date=start, platform=PlatformFactory(district="湘江新区")).platform
    p3 = AssignmentFactory(cadre=b1, start_date=start, platform=PlatformFactory(district="长沙县")).platform
    # p4 was unit B's until 10 April, unit A's since.
    p4 = PlatformFactory(district="天心区")
    AssignmentFactory(cadre=b1, platform=p4, start_date=start, end_date=day("2026-04-10"))
    AssignmentFactory(cadre=a1, platform=p4, start_date=day("2026-04-10"))
    # Not active: owed nothing, drawn nowhere.
    AssignmentFactory(cadre=a1, start_date=start, platform=PlatformFactory(district="岳麓区", is_active=False))

    for platform, cadre, when in [(p1, a1, "2026-02-10"), (p1, a1, "2026-04-15"), (p1, a1, "2026-04-20"),
                                  (p3, b1, "2026-03-01"), (p4, a1, "2026-04-20"), (p1, a1, "2025-12-20")]:
        ContactFactory(platform=platform, cadre=cadre, date=day(when))

    i1 = IssueFactory(platform=p1, recorded_by=a1, recorded_on=day("2026-01-20"), **closed(on="2026-02-02"))
    IssueFactory(platform=p2, recorded_by=a1, issue_class="C", recorded_on=day("2026-02-10"),
                 original_due_date=day("2026-03-03"))  # open and overdue
    IssueFactory(platform=p3, recorded_by=b1, issue_class="D", recorded_on=day("2026-04-02"),
                 original_due_date=day("2026-05-20"), status=Issue.Status.HANDED_OVER, handed_to_unit=unit_b)
    i4 = IssueFactory(platform=p1, recorded_by=a1, recorded_on=day("2026-04-15"), **closed("A", on="2026-04-15"))
    IssueFactory(platform=p4, recorded_by=b1, recorded_on=day("2026-03-10"), original_due_date=day("2026-03-24"),
                 **closed(on="2026-04-01", on_time=False, status=Issue.Status.SOLUTION_DETERMINED))
    i6 = IssueFactory(platform=p1, recorded_by=a1, recorded_on=day("2025-12-01"), original_due_date=day("2025-12-15"),
                      **closed(on="2025-12-05"))

    rated(i1, 5, "2026-02-05 09:00")
    rated(i6, 2, "2026-04-10 15:00", source="platform")  # a low rating reopens: only the timeline keeps it
    rated(i4, 4, "2026-06-30 23:30")
    rated(i4, 1, "2026-07-01 00:10")  # the day after the period, in Shanghai
    rated(i6, 3, "2025-12-31 23:59")

    achievement(p1, a1, "2026-01-10", "transformed", transformed_on=day("2026-03-15"))
    achievement(p2, a1, "2026-02-01", "dropped", dropped_from="matched")
    achievement(p3, b1, "2026-04-01", "assessed")
    achievement(p1, a1, "2026-05-01")
    achievement(p4, b1, "2025-11-01", "transformed", transformed_on=day("2026-04-20"))
    return p1, p2, p3, p4


@pytest.fixture
def units(db):
    return UnitFactory(name="岳麓区科技局"), UnitFactory(name="长沙县科技局")


@pytest.fixture
def scheme(units):
    return build_scheme(*units)


@pytest.fixture
def bureau(db):
    return BureauStaffFactory(username="bureau1")


def charts_of(response) -> dict:
    assert response.status_code == 200
    return {chart.key: chart for chart in response.context["charts"]}


def table(chart) -> dict:
    """A chart's table: row header -> its cells; the totals row under "<foot>"."""
    rows = {header: cells for header, cells in chart.table.rows}
    if chart.table.foot:
        rows["<foot>"] = chart.table.foot[1]
    return rows


# --- the figures --------------------------------------------------------------------------------------


def test_the_bureau_dashboard_counts_every_chart_right(scheme, units, bureau):
    charts = charts_of(client_for(bureau).get(reverse("bureau_home"), HALF_YEAR))

    assert table(charts["trend"]) == {
        # Contacts, opened, closed, transformed, closed in time.
        "2026-01": ["0", "1", "0", "0", "—"],
        "2026-02": ["1", "1", "1", "0", "100%"],
        "2026-03": ["1", "1", "0", "1", "—"],
        "2026-04": ["3", "2", "2", "1", "50%"],
        "2026-05": ["0", "0", "0", "0", "—"],
        "2026-06": ["0", "0", "0", "0", "—"],
        "<foot>": ["5", "5", "3", "2", "67%"],
    }
    trend = charts["trend"].spec
    assert trend["categories"][0] == "2026-01" and trend["bars"][0]["data"] == [0, 1, 1, 3, 0, 0]
    assert trend["line"]["data"] == [None, 100.0, None, 50.0, None, None]

    # Q1 as on 31 March: A owed p1, p2 (p1 contacted); B owed p3, p4 (p3 contacted).
    # Q2 as today: A owes p1, p2, p4 (p1, p4 contacted); B owes p3 (not yet).
    unit_a, unit_b = units
    assert charts["coverage"].table.columns == ["Unit", "2026Q1", "2026Q2"]
    assert table(charts["coverage"]) == {
        unit_a.name: ["50% (1/2)", "67% (2/3)"],
        unit_b.name: ["50% (1/2)", "0% (0/1)"],
        "<foot>": ["50% (2/4)", "50% (2/4)"],
    }
    # Units in the portal's order: 长沙县 (changsha) before 岳麓区 (yuelu).
    assert charts["coverage"].spec["y"] == [unit_b.name, unit_a.name]
    assert charts["coverage"].spec["data"] == [[0, 0, 50.0], [1, 0, 0.0], [0, 1, 50.0], [1, 1, 66.7]]

    assert charts["issues"].table.columns == [
        "Class", "Open", "Handed over (in progress)", "Solution determined", "Resolved", "Total"]
    assert table(charts["issues"]) == {
        "A": ["0", "0", "0", "1", "1"],
        "B": ["0", "0", "1", "1", "2"],
        "C": ["1", "0", "0", "0", "1"],
        "D": ["0", "1", "0", "0", "1"],
        "<foot>": ["1", "1", "1", "2", "5"],
    }

    # Collected in the period: one transformed, one dropped once matched, one assessed, one collected.
    assert table(charts["funnel"]) == {
        "Collected": ["4", "100%"],
        "Assessed": ["3", "75%"],
        "Matched": ["2", "50%"],
        "In negotiation": ["1", "25%"],
        "Transformed": ["1", "25%"],
        "Dropped": ["1", "25%"],
    }
    assert [d["value"] for d in charts["funnel"].spec["data"]] == [4, 3, 2, 1, 1]

    assert table(charts["ratings"]) == {
        "1": ["0", "0", "0"],
        "2": ["1", "0", "1"],
        "3": ["0", "0", "0"],
        "4": ["0", "1", "1"],
        "5": ["0", "1", "1"],
        "<foot>": ["2.0", "4.5", "3.7"],
    }
    assert charts["ratings"].summary == "Mean 3.7 of 3 ratings; 1 low (1 or 2)"

    assert table(charts["map"]) == {
        # Drawn in, platforms, open issues, overdue, achievements collected, transformed.
        "天心区": ["天心区", "1", "0", "0", "0", "1"],
        "长沙县": ["长沙县", "1", "1", "0", "1", "0"],
        "岳麓区": ["岳麓区", "1", "0", "0", "2", "1"],
        "湘江新区": ["岳麓区", "1", "1", "1", "1", "0"],
        "<foot>": ["", "4", "2", "1", "4", "2"],
    }
    # The parks are listed after their host district; the map draws districts only.
    assert list(table(charts["map"]))[2:4] == ["岳麓区", "湘江新区"]
    drawn = {d["name"]: d["value"] for d in charts["map"].spec["data"]}
    assert drawn == {"天心区": 1, "长沙县": 1, "岳麓区": 2}
    assert charts["map"].spec["map"] == "长沙" and charts["map"].spec["name_map"] == {"宁乡县": "宁乡市"}


def test_with_more_units_than_fit_the_coverage_shows_the_least_covered(scheme, units, bureau, monkeypatch):
    """A province's 1,900 units make no heat map: the units lowest in the latest quarter, with
    the totals still of every unit and a sentence saying so."""
    monkeypatch.setattr("evaluation.charts.COVERAGE_UNITS", 1)
    coverage = charts_of(client_for(bureau).get(reverse("bureau_home"), HALF_YEAR))["coverage"]
    unit_a, unit_b = units
    assert table(coverage) == {unit_b.name: ["50% (1/2)", "0% (0/1)"], "<foot>": ["50% (2/4)", "50% (2/4)"]}
    assert coverage.spec["y"] == [unit_b.name]
    assert "2" in coverage.summary and "2026Q2" in coverage.summary


def test_the_period_decides_what_counts(scheme, bureau):
    charts = charts_of(client_for(bureau).get(reverse("bureau_home"), {"period": "last_quarter"}))
    assert list(table(charts["trend"])) == ["2026-01", "2026-02", "2026-03", "<foot>"]
    assert table(charts["funnel"])["Collected"] == ["2", "100%"]
    assert charts["coverage"].table.columns == ["Unit", "2026Q1"]
    assert table(charts["ratings"])["<foot>"] == ["—", "5.0", "5.0"]
    # Each chart says what it shows.
    page = client_for(bureau).get(reverse("bureau_home"), {"period": "last_quarter"}).content.decode()
    assert page.count("2026-01-01 to 2026-03-31") >= len(charts)


def test_quarters_yet_to_begin_are_left_out_of_the_coverage(scheme, bureau):
    charts = charts_of(client_for(bureau).get(reverse("bureau_home"), {"period": "this_year"}))
    assert charts["coverage"].table.columns == ["Unit", "2026Q1", "2026Q2"]
    assert len(table(charts["trend"])) == 12 + 1


def test_parks_are_drawn_in_the_district_the_setting_names(scheme, bureau, settings):
    settings.PORTAL = {**settings.PORTAL, "MAP_DISTRICT_OF_AREA": {"湘江新区": "望城区"}, "MAP_NAME": "某市"}
    chart = charts_of(client_for(bureau).get(reverse("bureau_home"), HALF_YEAR))["map"]
    assert table(chart)["湘江新区"][0] == "望城区"
    assert {d["name"] for d in chart.spec["data"]} == {"天心区", "长沙县", "岳麓区", "望城区"}
    assert chart.spec["map"] == "某市"


# --- scope --------------------------------------------------------------------------------------------


def test_a_unit_leader_sees_only_the_units_platforms(scheme, units):
    unit_a, unit_b = units
    p1, p2, _p3, p4 = scheme
    response = client_for(unit_a.leader).get(reverse("unit_home"), HALF_YEAR)
    charts = charts_of(response)

    # p3 is unit B's; p4 is unit A's now, so its records count for A, from before the move too.
    assert [cells[0] for month, cells in table(charts["trend"]).items()] == ["0", "1", "0", "3", "0", "0", "4"]
    assert charts["coverage"].table.columns == ["Platform", "2026Q1", "2026Q2"]
    assert table(charts["coverage"]) == {
        p1.name: ["contacted", "contacted"],
        p2.name: ["not contacted", "not contacted"],
        p4.name: ["—", "contacted"],  # unit B's at the first quarter's end
        "<foot>": ["50% (1/2)", "67% (2/3)"],
    }
    assert table(charts["issues"])["<foot>"] == ["1", "0", "1", "2", "4"]
    assert table(charts["funnel"])["Collected"] == ["3", "100%"]
    assert set(table(charts["map"])) == {"天心区", "岳麓区", "湘江新区", "<foot>"}
    page = response.content.decode()
    assert unit_b.name not in page and "长沙县" not in page
    assert response.context["shown_units"] == [unit_a]
    assert 'name="unit"' not in page  # one unit: nothing to choose


def test_a_leader_of_two_units_sees_them_together_or_one_chosen(scheme, units):
    unit_a, unit_b = units
    unit_b.leader = unit_a.leader
    unit_b.save()
    client = client_for(unit_a.leader)

    together = charts_of(client.get(reverse("unit_home"), HALF_YEAR))
    assert table(together["issues"])["<foot>"][-1] == "5"
    assert set(table(together["map"])) == {"天心区", "长沙县", "岳麓区", "湘江新区", "<foot>"}

    response = client.get(reverse("unit_home"), {**HALF_YEAR, "unit": unit_b.pk})
    assert 'name="unit"' in response.content.decode()
    only_b = charts_of(response)
    assert table(only_b["issues"])["<foot>"][-1] == "1"
    assert set(table(only_b["map"])) == {"长沙县", "<foot>"}
    assert response.context["shown_units"] == [unit_b]


def test_a_unit_not_led_cannot_be_chosen(scheme, units):
    unit_a, unit_b = units
    third = UnitFactory(leader=unit_a.leader)
    response = client_for(unit_a.leader).get(reverse("unit_home"), {**HALF_YEAR, "unit": unit_b.pk})
    assert response.status_code == 200
    assert response.context["form"].errors["unit"]
    assert {u.pk for u in response.context["shown_units"]} == {unit_a.pk, third.pk}
    assert unit_b.name not in response.content.decode()


def test_the_dashboards_are_for_their_roles(scheme, units, bureau):
    unit_a, _unit_b = units
    cadre = CadreFactory(unit=unit_a)
    assert client_for(cadre.user).get(reverse("bureau_home")).status_code == 403
    assert client_for(cadre.user).get(reverse("unit_home")).status_code == 403
    assert client_for(unit_a.leader).get(reverse("bureau_home")).status_code == 403
    assert client_for(bureau).get(reverse("unit_home")).status_code == 403
    assert Client().get(reverse("bureau_home"))["Location"].startswith(reverse("login"))


# --- the page -----------------------------------------------------------------------------------------


def test_the_page_in_english_and_in_chinese(scheme, bureau):
    english = client_for(bureau).get(reverse("bureau_home"), HALF_YEAR)
    page = english.content.decode()
    assert '<html lang="en">' in page
    for words in ["Month by month", "Contact coverage", "Issues by class and state", "Achievement funnel",
                  "Ratings of resolved issues", "Across the city", "Handed over (in progress)", "In negotiation"]:
        assert words in page

    chinese = client_for(bureau, "zh-hans").get(reverse("bureau_home"), HALF_YEAR)
    page = chinese.content.decode()
    assert '<html lang="zh-hans">' in page
    charts = charts_of(chinese)
    # The tables' words come from the catalogue: the issue states and the stages, in Chinese.
    assert "Handed over (in progress)" not in page and "In negotiation" not in page
    assert charts["issues"].table.columns[2] != "Handed over (in progress)"
    assert charts["funnel"].table.rows[3][0] != "In negotiation"


def test_every_chart_has_its_spec_as_json_and_its_numbers_as_a_table(scheme, bureau):
    response = client_for(bureau).get(reverse("bureau_home"), HALF_YEAR)
    page = response.content.decode()
    for chart in response.context["charts"]:
        assert f'id="{chart.element_id}" role="img" aria-label="' in page
        assert f'data-spec="{chart.spec_id}"' in page
        assert f'<script id="{chart.spec_id}" type="application/json">' in page
        assert f'id="{chart.element_id}-table"' in page
    # No inline script (a content security policy is coming): code only from files, data as JSON.
    for tag in re.findall(r"<script\b[^>]*>", page):
        assert 'src="' in tag or 'type="application/json"' in tag, tag
    for asset in ["vendor/echarts/echarts.min.js", "vendor/echarts-maps/changsha.js", "js/charts.js"]:
        assert f'src="{settings.STATIC_URL}{asset}"' in page or f'src="/{settings.STATIC_URL}{asset}"' in page


def test_a_chart_with_nothing_to_show_says_so(bureau):
    response = client_for(bureau).get(reverse("bureau_home"))
    assert response.status_code == 200
    charts = charts_of(response)
    assert not any(charts[key].has_data for key in ("coverage", "issues", "funnel", "ratings", "map"))
    assert response.content.decode().count("Nothing to show for this period.") == 5


def test_a_bad_period_is_answered_with_a_message_and_the_default_period(scheme, bureau):
    response = client_for(bureau).get(reverse("bureau_home"), {"start": "2026-06-30", "end": "2026-01-01"})
    assert response.status_code == 200
    assert "The last day comes before the first day." in response.content.decode()
    assert response.context["period"].start == datetime.date(2026, 4, 1)


# --- queries ------------------------------------------------------------------------------------------


def _queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


@pytest.mark.parametrize("who", ["bureau", "leader"])
def test_the_query_count_does_not_grow_with_the_data(units, bureau, who):
    unit_a, unit_b = units
    user, url = (bureau, reverse("bureau_home")) if who == "bureau" else (unit_a.leader, reverse("unit_home"))
    client = client_for(user)
    build_scheme(unit_a, unit_b)
    long_period = {"start": "2024-01-01", "end": "2026-06-30"}
    small, long_small = _queries(client, url, HALF_YEAR), _queries(client, url, long_period)
    for _ in range(2):
        build_scheme(unit_a, unit_b)
    build_scheme(UnitFactory(), UnitFactory())
    assert Issue.objects.count() == 4 * 6 and Achievement.objects.count() == 4 * 5
    assert _queries(client, url, HALF_YEAR) == small
    # A longer period asks as many whatever the data (the headline's quarterly duty asks once per
    # quarter of the period; the coverage chart once whatever the quarters).
    assert _queries(client, url, long_period) == long_small

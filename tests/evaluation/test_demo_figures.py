"""On the demo data (``manage.py seed_demo``): every figure of every cadre and unit equals the
number of records its drill-down link shows, and the dispatch report and the evaluation agree.

One test, since the demo takes a while to seed."""

import datetime
import io
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import call_command
from django.utils import timezone

from evaluation import attribution, periods
from evaluation.figures import scoreboard, totals
from evaluation.scoreboard_views import BOARD_PAGE_SIZE
from evaluation.tables import drill_records
from issues.reports import Period as ReportPeriod
from issues.reports import report_figures

pytestmark = pytest.mark.dated


def _listed(key, period, today, **who):
    records = drill_records(key, period, today, **who)
    if attribution.MEASURES[key].amount_field:
        return sum((r.contract_amount or Decimal("0") for r in records[:]), Decimal("0"))
    return records.count()


def _links(html):
    return [(url.replace("&amp;", "&"), figure, value)
            for url, figure, value in re.findall(r'href="(/evaluation/records/[^"]+)" data-figure="([^"]+)" '
                                                  r'data-value="([^"]+)"', html)]


def _report_and_evaluation_agree(today):
    """The dispatch report of the last whole week and the evaluation of the same days say the
    same: issues collected, achievements collected and transformed with their amount, and the
    quarter's coverage up to the week's end (every active platform has a cadre in the demo)."""
    week_end = today - datetime.timedelta(days=today.weekday() + 1)
    week = periods.Period(week_end - datetime.timedelta(days=6), week_end)
    report = report_figures(ReportPeriod(week.start, week.end))
    evaluation = scoreboard(week, today=today, with_previous=False).total.counts
    assert report["issues"]["total"]["new"] == evaluation["issues_collected"]
    assert report["achievements"]["new"] == evaluation["achievements_collected"]
    assert report["achievements"]["transformed"] == evaluation["achievements_transformed"]
    assert Decimal(report["achievements"]["amount"]) == evaluation["transformed_amount"]
    quarter_so_far = periods.Period(periods.quarter(week.end).start, week.end)
    duty = scoreboard(quarter_so_far, today=today, with_previous=False).total.counts
    coverage = report["coverage"]["total"]
    assert (coverage["active_platforms"], coverage["contacted"]) == (duty["duty_due"], duty["duty_met"])
    assert duty["duty_due"] > 0  # not an agreement on nothing: every active platform is owed a contact


@pytest.mark.django_db
def test_every_figure_of_every_cadre_and_unit_equals_its_records(client, bureau_user):
    call_command("seed_demo", stdout=io.StringIO())
    today = timezone.localdate()
    period = periods.quarter(today)
    board = scoreboard(period, today=today)
    assert board.total.counts["contacts"] > 0 and board.total.counts["issues_closed"] > 0
    for row in board.cadres:
        for key, value in row.counts.items():
            assert _listed(key, period, today, cadre=row.id) == value, (row.name, key)
    for row in board.units:
        for key, value in row.counts.items():
            assert _listed(key, period, today, unit=row.id) == value, (row.name, key)

    # The pages link each number to exactly those lists: follow every link of the units' page.
    client.force_login(bureau_user)
    query = f"start={period.start}&end={period.end}"
    links = _links(client.get(f"/evaluation/units/?{query}").content.decode())
    assert len(links) >= len(board.units) * 10
    for url, figure, value in links:
        page = client.get(url).content.decode()
        if figure == "transformed_amount":
            assert Decimal(re.search(r'data-amount="([^"]+)"', page).group(1)) == Decimal(value), url
        else:
            assert re.search(r'data-count="(\d+)"', page).group(1) == value, (figure, url)
    # ... and every link of the cadres' page names its cadre, figure and period, with the figure.
    by_id = {row.id: row for row in board.cadres}
    pages = -(-len(board.cadres) // BOARD_PAGE_SIZE)
    links = [link for number in range(1, pages + 1)
             for link in _links(client.get(f"/evaluation/cadres/?{query}&page={number}").content.decode())]
    assert len(links) >= len(board.cadres) * 10
    for url, figure, value in links:
        parsed = urlparse(url)
        params = parse_qs(parsed.query)
        assert parsed.path == f"/evaluation/records/{figure}/"
        assert (params["start"], params["end"]) == ([period.start.isoformat()], [period.end.isoformat()])
        assert str(by_id[int(params["cadre"][0])].counts[figure]) == value

    # The totals counted without crediting anyone (bureau staff's headline) are the board's.
    for counted in (period, period.previous()):
        whole, credited = totals(counted, today=today), scoreboard(counted, today=today, with_previous=False).total
        assert (whole.counts, whole.derived, whole.ratings_total) == (
            credited.counts, credited.derived, credited.ratings_total), counted

    _report_and_evaluation_agree(today)

"""On the demo data (``manage.py seed_demo``): every figure of every cadre and unit equals the
number of records its drill-down link shows, and the dispatch report and the evaluation agree."""

import io
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import call_command
from django.utils import timezone

from evaluation import attribution, periods
from evaluation.figures import scoreboard
from evaluation.tables import drill_records

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
    links = _links(client.get(f"/evaluation/cadres/?{query}").content.decode())
    assert len(links) >= len(board.cadres) * 10
    for url, figure, value in links:
        parsed = urlparse(url)
        params = parse_qs(parsed.query)
        assert parsed.path == f"/evaluation/records/{figure}/"
        assert (params["start"], params["end"]) == ([period.start.isoformat()], [period.end.isoformat()])
        assert str(by_id[int(params["cadre"][0])].counts[figure]) == value

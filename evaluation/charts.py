"""The dashboards' charts: each selector's numbers (``evaluation.dashboard``) as a chart spec that
``static/js/charts.js`` draws with ECharts, and as a table with the same numbers, for reading,
printing and screen readers. Labels are translated here; the spec carries data, not code.

A spec is plain JSON (the page passes it with ``json_script``): ``kind`` says how charts.js draws
it (``trend``, ``heatmap``, ``stacked``, ``funnel``, ``map``), the rest is data and labels.
"""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from achievements.models import STAGE_ORDER, Stage
from config.portal import portal_setting
from issues.models import Issue
from liaison.unit_order import unit_sort_key

from . import dashboard, kept, periods
from .periods import Period

NOTHING = "—"


@dataclass
class Table:
    caption: str
    #: The header row; the first is the header of the rows' own header cells.
    columns: list[str]
    #: Each row: its header cell and its cells, as shown.
    rows: list[tuple[str, list[str]]]
    #: A totals row, like the others (empty: none).
    foot: tuple[str, list[str]] | None = None
    #: The columns from this one on hold numbers (aligned right); the ones before it, words.
    numeric_from: int = 1


@dataclass
class Chart:
    #: Unique on the page: names the chart's container and its spec's script element.
    key: str
    title: str
    #: What the chart shows and over which days, under its title.
    period_note: str
    spec: dict
    table: Table
    #: A figure worth saying beside the chart (the mean rating, the achievements dropped).
    summary: str = ""
    #: Whether there is anything to draw (else the page says so and shows no chart).
    has_data: bool = True
    wide: bool = False

    @property
    def element_id(self) -> str:
        return f"chart-{self.key}"

    @property
    def spec_id(self) -> str:
        return f"chart-{self.key}-spec"

    @property
    def label(self) -> str:
        """The chart's accessible name: what it shows; its numbers are in the table after it."""
        return _("Chart: %(title)s, %(period)s. The same numbers are in the table that follows.") % {
            "title": self.title, "period": self.period_note}


def _days(period: Period) -> str:
    return _("%(start)s to %(end)s") % {"start": period.start.isoformat(), "end": period.end.isoformat()}


def _percent(share: float | None) -> str:
    return NOTHING if share is None else f"{share * 100:.0f}%"


def _percent_value(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def _quarter_label(quarter: Period) -> str:
    whole = periods.quarter(quarter.start)
    if (whole.start, whole.end) == (quarter.start, quarter.end):
        return whole.label
    return f"{whole.label} ({quarter.start:%m-%d}–{quarter.end:%m-%d})"


# --- the monthly trend ------------------------------------------------------------------------------


def trend_chart(period: Period, months: list[dashboard.MonthFigures]) -> Chart:
    measures = [
        (_("Contacts"), lambda m: m.contacts),
        (_("Issues opened"), lambda m: m.opened),
        (_("Issues closed"), lambda m: m.closed),
        (_("Achievements transformed"), lambda m: m.transformed),
    ]
    in_time = _("Closed in time (%)")
    labels = [f"{m.month.start:%Y-%m}" for m in months]
    spec = {
        "kind": "trend",
        "categories": labels,
        "bars": [{"name": name, "data": [value(m) for m in months]} for name, value in measures],
        "line": {"name": in_time, "data": [_percent_value(m.on_time_share) for m in months]},
    }
    closed = sum(m.closed for m in months)
    on_time = sum(m.closed_on_time for m in months)
    table = Table(
        caption=_("Monthly trend, %(days)s") % {"days": _days(period)},
        columns=[_("Month"), *(name for name, _value in measures), in_time],
        rows=[(label, [*(str(value(m)) for _name, value in measures), _percent(m.on_time_share)])
              for label, m in zip(labels, months)],
        foot=(_("Total"), [*(str(sum(value(m) for m in months)) for _name, value in measures),
                           _percent(on_time / closed if closed else None)]),
    )
    return Chart(
        key="trend", title=_("Month by month"),
        period_note=_("%(days)s, by month; in time: of the issues closed in the month") % {"days": _days(period)},
        spec=spec, table=table, wide=True,
    )


# --- coverage ---------------------------------------------------------------------------------------


#: Units drawn on the coverage heat map and listed under it: a city's all fit; of more, those with
#: the lowest share in the latest quarter (each unit's share is on the units' scoreboard).
COVERAGE_UNITS = 20


def _least_covered(rows: list) -> list:
    def latest_share(row):
        share = row.cells[-1].share
        return (share is None, share or 0.0)

    return sorted(rows, key=latest_share)[:COVERAGE_UNITS]


def coverage_chart(period: Period, coverage: dashboard.Coverage) -> Chart:
    quarters = [_quarter_label(q) for q in coverage.quarters]
    rows = coverage.rows
    summary = ""
    if coverage.by_unit and len(rows) > COVERAGE_UNITS:
        summary = _("The %(shown)s units with the lowest share in %(quarter)s, of %(total)s; every unit's share "
                    "is on the units' scoreboard.") % {"shown": COVERAGE_UNITS, "quarter": quarters[-1],
                                                      "total": len(rows)}
        rows = _least_covered(rows)
    data = [
        [x, y, _percent_value(cell.share)]
        for y, row in enumerate(rows)
        for x, cell in enumerate(row.cells)
    ]
    spec = {
        "kind": "heatmap",
        "x": quarters,
        # Drawn from the bottom up: the first row goes on top.
        "y": [row.name for row in rows],
        "data": data,
        "value_name": _("Contacted (%)"),
    }
    header = _("Unit") if coverage.by_unit else _("Platform")

    def cell_text(cell: dashboard.CoverageCell) -> str:
        if not cell.owed:
            return NOTHING
        if coverage.by_unit:
            return f"{_percent(cell.share)} ({cell.contacted}/{cell.owed})"
        return _("contacted") if cell.contacted else _("not contacted")

    table = Table(
        caption=_("Contact coverage by quarter, %(days)s") % {"days": _days(period)},
        columns=[header, *quarters],
        rows=[(row.name, [cell_text(cell) for cell in row.cells]) for row in rows],
        foot=(_("All"), [f"{_percent(c.share)} ({c.contacted}/{c.owed})" if c.owed else NOTHING
                         for c in coverage.totals]) if rows else None,
    )
    if coverage.by_unit:
        note = _("%(days)s: the share of each unit's platforms contacted in each quarter (a platform "
                 "counts for the unit of its cadre on the quarter's last day, or today)")
    else:
        note = _("%(days)s: whether each platform was contacted in each quarter (while its cadre, on the "
                 "quarter's last day or today, was the unit's)")
    return Chart(
        key="coverage", title=_("Contact coverage"),
        period_note=note % {"days": _days(period)},
        spec=spec, table=table, has_data=bool(rows), summary=summary,
    )


# --- issues by class and state ------------------------------------------------------------------------


def issues_chart(period: Period, states: dashboard.IssueStates) -> Chart:
    status_labels = dict(Issue.Status.choices)
    spec = {
        "kind": "stacked",
        "categories": [_("Class %(class)s") % {"class": c} for c in dashboard.CLASSES],
        "series": [{"name": str(status_labels[s]), "data": [states.count(c, s) for c in dashboard.CLASSES]}
                   for s in dashboard.STATUSES],
    }
    table = Table(
        caption=_("Issues recorded %(days)s, by class and state today") % {"days": _days(period)},
        columns=[_("Class"), *(str(status_labels[s]) for s in dashboard.STATUSES), _("Total")],
        rows=[(c, [*(str(states.count(c, s)) for s in dashboard.STATUSES), str(states.of_class(c))])
              for c in dashboard.CLASSES],
        foot=(_("Total"), [*(str(states.in_status(s)) for s in dashboard.STATUSES), str(states.total)]),
    )
    return Chart(
        key="issues", title=_("Issues by class and state"),
        period_note=_("Issues recorded %(days)s, in the state they are in today") % {"days": _days(period)},
        spec=spec, table=table, has_data=states.total > 0,
    )


# --- the achievement funnel ---------------------------------------------------------------------------


def funnel_chart(period: Period, funnel: dashboard.Funnel) -> Chart:
    stage_labels = dict(Stage.choices)
    spec = {
        "kind": "funnel",
        "data": [{"name": str(stage_labels[s]), "value": funnel.reached[s]} for s in STAGE_ORDER],
        "value_name": _("Number of achievements"),
    }
    collected = funnel.collected

    def share(n: int) -> str:
        return _percent(n / collected if collected else None)

    table = Table(
        caption=_("Achievements collected %(days)s, by the furthest stage reached") % {"days": _days(period)},
        columns=[_("Stage reached"), _("Number of achievements"), _("Of those collected")],
        rows=[(str(stage_labels[s]), [str(funnel.reached[s]), share(funnel.reached[s])]) for s in STAGE_ORDER]
        + [(str(stage_labels[Stage.DROPPED]), [str(funnel.dropped), share(funnel.dropped)])],
    )
    return Chart(
        key="funnel", title=_("Achievement funnel"),
        period_note=_("Achievements collected %(days)s: how many reached at least each stage") % {"days": _days(period)},
        spec=spec, table=table, has_data=collected > 0,
        summary=_("Dropped: %(count)d") % {"count": funnel.dropped},
    )


# --- ratings ------------------------------------------------------------------------------------------


def ratings_chart(period: Period, ratings: dashboard.Ratings) -> Chart:
    sources = [(dashboard.RATING_FROM_PLATFORM, _("From the platform")),
               (dashboard.RATING_BY_CADRE, _("Entered by the cadre for the platform"))]
    spec = {
        "kind": "stacked",
        "categories": [str(score) for score in dashboard.RATINGS],
        "series": [{"name": label, "data": [ratings.count(score, source) for score in dashboard.RATINGS]}
                   for source, label in sources],
    }

    def mean(source=None) -> str:
        value = ratings.mean(source)
        return NOTHING if value is None else f"{value:.1f}"

    table = Table(
        caption=_("Ratings given %(days)s") % {"days": _days(period)},
        columns=[_("Rating"), *(label for _source, label in sources), _("Total")],
        rows=[(str(score), [*(str(ratings.count(score, source)) for source, _label in sources),
                            str(ratings.count(score))]) for score in dashboard.RATINGS],
        foot=(_("Mean"), [*(mean(source) for source, _label in sources), mean()]),
    )
    summary = _("Mean %(mean)s of %(count)d ratings; %(low)d low (1 or 2)") % {
        "mean": mean(), "count": ratings.total(), "low": ratings.low()}
    return Chart(
        key="ratings", title=_("Ratings of resolved issues"),
        period_note=_("Ratings given %(days)s, 1 (poor) to 5 (very good)") % {"days": _days(period)},
        spec=spec, table=table, has_data=ratings.total() > 0, summary=summary,
    )


# --- the map ------------------------------------------------------------------------------------------


def district_of(area: str) -> str:
    """The district an area is drawn in: a park's host district, else the area itself."""
    return portal_setting("MAP_DISTRICT_OF_AREA").get(area, area)


def _area_order(area: str) -> tuple:
    is_park = district_of(area) != area
    return (unit_sort_key(name=district_of(area), kind="district", is_office=False), is_park,
            unit_sort_key(name=area, kind="park" if is_park else "district", is_office=False))


def map_chart(period: Period, areas: list[dashboard.AreaFigures], *, today: datetime.date) -> Chart:
    measures = [
        (_("Active platforms"), lambda a: a.platforms),
        (_("Open issues"), lambda a: a.open_issues),
        (_("Overdue issues"), lambda a: a.overdue_issues),
        (_("Achievements collected"), lambda a: a.achievements_collected),
        (_("Achievements transformed"), lambda a: a.achievements_transformed),
    ]
    areas = sorted(areas, key=lambda a: _area_order(a.area))
    districts: dict[str, list[int]] = {}
    for area in areas:
        sums = districts.setdefault(district_of(area.area), [0] * len(measures))
        for index, (_name, value) in enumerate(measures):
            sums[index] += value(area)
    spec = {
        "kind": "map",
        "map": portal_setting("MAP_NAME"),
        "name_map": portal_setting("MAP_NAME_MAP"),
        "value_name": measures[0][0],
        "data": [
            {"name": district, "value": sums[0],
             "details": [[name, sums[index]] for index, (name, _value) in enumerate(measures)]}
            for district, sums in districts.items()
        ],
        "max": max((sums[0] for sums in districts.values()), default=0),
    }
    table = Table(
        caption=_("Districts, counties and parks: platforms and issues on %(today)s, achievements %(days)s")
        % {"today": today.isoformat(), "days": _days(period)},
        columns=[_("District, county or park"), _("Drawn in"), *(name for name, _value in measures)],
        rows=[(area.area, [district_of(area.area), *(str(value(area)) for _name, value in measures)])
              for area in areas],
        numeric_from=2,
        foot=(_("Total"), ["", *(str(sum(value(a) for a in areas)) for _name, value in measures)]) if areas else None,
    )
    return Chart(
        key="map", title=_("Across the city"),
        period_note=_("Active platforms, open and overdue issues on %(today)s; achievements collected and "
                      "transformed %(days)s; a park is drawn in its host district")
        % {"today": today.isoformat(), "days": _days(period)},
        spec=spec, table=table, has_data=bool(areas), wide=True,
    )


# --- a dashboard ------------------------------------------------------------------------------------


def kept_dashboard_charts(period: Period, scope: dashboard.Scope, *, today: datetime.date,
                          recount: bool = False) -> tuple[list[Chart], float | None]:
    """``dashboard_charts``, counted once and kept until the records change (``evaluation.kept``):
    the charts and, when they are served although records changed since, when they were counted."""
    units = None if scope.unit_ids is None else tuple(sorted(scope.unit_ids))
    return kept.keep("charts", (period.start, period.end, today, units),
                     lambda: dashboard_charts(period, scope, today=today), recount=recount)


def dashboard_charts(period: Period, scope: dashboard.Scope, *, today: datetime.date) -> list[Chart]:
    """Every chart of a dashboard, in the order the page shows them."""
    return [
        trend_chart(period, dashboard.monthly_trend(period, scope)),
        coverage_chart(period, dashboard.coverage(period, scope, today=today)),
        issues_chart(period, dashboard.issues_by_class_and_state(period, scope)),
        funnel_chart(period, dashboard.achievement_funnel(period, scope)),
        ratings_chart(period, dashboard.ratings(period, scope)),
        map_chart(period, dashboard.areas(period, scope, today=today), today=today),
    ]

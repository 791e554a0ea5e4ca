"""The scoreboards and a cadre's or unit's figures as the pages, exports and API show them: which
figures, in which order, and the drill-down link behind each number.

Every number on a page is a link to exactly the records it counts (``records_url``): the list of
those records, for that cadre or unit and that period (``drill_records``).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import attribution
from .figures import SHARE_LABELS, Row
from .periods import Period


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    #: "count" (a link to its records), "amount" (a sum, linked to what it sums), "share" (two
    #: links: the part and the whole), "mean" (of ratings, linked to the ratings), "median" (linked
    #: to the closed issues it is the median of).
    kind: str = "count"
    #: For a share: the part and the whole; for a mean or median: the measure linked to.
    measures: tuple = ()


#: The scoreboards' columns (a cadre's or unit's page shows every figure, in ``SECTIONS``).
COLUMNS = [
    Column("contacts", _("Contacts")),
    Column("visits", _("Visits")),
    Column("duty_share", _("Quarterly duty met"), "share", ("duty_met", "duty_due")),
    Column("issues_collected", _("Issues collected")),
    Column("issues_closed", _("Issues closed")),
    Column("in_time_share", _("Closed in time"), "share", ("issues_closed_in_time", "issues_closed")),
    Column("median_days_to_close", _("Median working days to close"), "median", ("issues_closed",)),
    Column("issues_open", _("Open now")),
    Column("issues_overdue", _("Overdue now")),
    Column("ratings_mean", _("Mean rating"), "mean", ("ratings",)),
    Column("achievements_collected", _("Achievements collected")),
    Column("achievements_transformed", _("Achievements transformed")),
    Column("transformed_amount", _("Amount (10,000 yuan)"), "amount"),
    Column("services", _("Services given")),
]


def _measure_columns(*keys) -> list[Column]:
    return [Column(key, attribution.MEASURES[key].label,
                   "amount" if attribution.MEASURES[key].amount_field else "count") for key in keys]


#: A cadre's or unit's page: every figure, by section.
SECTIONS = [
    (_("Contact and visits"), [
        *_measure_columns("contacts", "visits", "duty_due", "duty_met"),
        Column("duty_share", SHARE_LABELS["duty_share"], "share", ("duty_met", "duty_due")),
        *_measure_columns("first_contacts_due", "first_contacts_on_time"),
        Column("first_contact_share", SHARE_LABELS["first_contact_share"], "share",
               ("first_contacts_on_time", "first_contacts_due")),
        *_measure_columns("first_visits_due", "first_visits_on_time"),
        Column("first_visit_share", SHARE_LABELS["first_visit_share"], "share",
               ("first_visits_on_time", "first_visits_due")),
    ]),
    (_("Issues"), [
        *_measure_columns("issues_collected", "issues_collected_a", "issues_collected_b", "issues_collected_c",
                          "issues_collected_d", "issues_closed", "issues_closed_in_time"),
        Column("in_time_share", SHARE_LABELS["in_time_share"], "share", ("issues_closed_in_time", "issues_closed")),
        Column("median_days_to_close", _("Median working days to close"), "median", ("issues_closed",)),
        *_measure_columns("issues_open", "issues_overdue"),
    ]),
    (_("Ratings by the platforms"), [
        *_measure_columns("ratings"),
        Column("ratings_mean", _("Mean rating"), "mean", ("ratings",)),
        *_measure_columns("ratings_low", "ratings_from_platform", "ratings_on_behalf"),
        Column("platform_rating_share", SHARE_LABELS["platform_rating_share"], "share",
               ("ratings_from_platform", "ratings")),
    ]),
    (_("Needs raised by the platforms"), [
        *_measure_columns("needs", "needs_from_platform", "needs_on_behalf"),
        Column("platform_need_share", SHARE_LABELS["platform_need_share"], "share", ("needs_from_platform", "needs")),
    ]),
    (_("Achievement transformation"), _measure_columns(
        "achievements_collected", "achievements_assessed", "achievements_matched", "achievements_transformed",
        "transformed_amount")),
    (_("Services given"), _measure_columns(
        "services", *[key for key in attribution.MEASURES if key.startswith("services_")])),
]


@dataclass(frozen=True)
class Link:
    text: str
    url: str
    #: The measure and the number the link's list must show (the drill-down test reads them).
    figure: str
    value: object


@dataclass
class Cell:
    column: Column
    links: list[Link] = field(default_factory=list)
    #: What the cell says besides its links (a share's percentage, a mean, a median).
    text: str = ""

    def __str__(self) -> str:
        """The cell as HTML: its numbers, each a link (with the figure and value it stands for)
        to the records it counts. Built here rather than by a template include per cell: a
        scoreboard has over a thousand."""
        anchors = [format_html('<a href="{}" data-figure="{}" data-value="{}">{}</a>', link.url, link.figure,
                               link.value, link.text) for link in self.links]
        if self.column.kind == "share":
            return format_html('<span class="text-nowrap">{}/{}</span> <span class="small text-body-secondary">{}'
                               '</span>', anchors[0], anchors[1], self.text)
        if self.column.kind in ("mean", "median"):
            link = self.links[0]
            return format_html('<a href="{}" data-figure="{}" data-value="{}">{}</a>', link.url, link.figure,
                               link.value, self.text)
        return anchors[0]

    __html__ = __str__


def records_url(key: str, period: Period, *, cadre: int | None = None, unit=None) -> str:
    """The records of ``key`` for a cadre, a unit (or several: a list), or everyone."""
    query = period.as_query()
    if cadre is not None:
        query["cadre"] = cadre
    if unit is not None:
        query["unit"] = unit
    return f"{reverse('evaluation:records', args=[key])}?{urlencode(query, doseq=True)}"


def format_number(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:g}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def format_share(value) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def cells(row: Row, columns: list[Column], period: Period, *, cadre: int | None = None,
          unit: int | None = None) -> list[Cell]:
    """``row``'s figures as cells, each number linked to its records for ``cadre`` or ``unit``
    (neither: every unit's, for the total row)."""

    def link(key):
        value = row.counts[key]
        return Link(format_number(value), records_url(key, period, cadre=cadre, unit=unit), key, value)

    out = []
    for column in columns:
        if column.kind in ("count", "amount"):
            out.append(Cell(column, [link(column.key)]))
        elif column.kind == "share":
            part, whole = column.measures
            out.append(Cell(column, [link(part), link(whole)], format_share(row.derived[column.key])))
        else:
            value = row.derived[column.key]
            out.append(Cell(column, [link(column.measures[0])], format_number(value)))
    return out


# --- the drill-down ---------------------------------------------------------------------------------


class ChainedRecords:
    """A measure's parts, filtered, as one sequence a ``Paginator`` can page through: counted
    part by part, sliced across parts. Each record carries ``part_label`` (its quarter)."""

    def __init__(self, parts: list[attribution.Part]):
        self.parts = parts
        self._counts = None

    def count(self) -> int:
        if self._counts is None:
            self._counts = [part.queryset.count() for part in self.parts]
        return sum(self._counts)

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index:index + 1][0]
        self.count()
        start, stop = index.start or 0, index.stop if index.stop is not None else self.count()
        out, offset = [], 0
        for part, size in zip(self.parts, self._counts, strict=True):
            lo, hi = max(start - offset, 0), min(stop - offset, size)
            if lo < hi:
                for record in part.queryset[lo:hi]:
                    record.part_label = part.label
                    out.append(record)
            offset += size
        return out


def drill_records(key: str, period: Period, today: datetime.date, *, cadre: int | None = None,
                  unit=None) -> ChainedRecords:
    """The records ``key`` counts for ``cadre`` (or ``unit``: an id or a list of ids; or everyone)
    in ``period``."""
    measure = attribution.MEASURES[key]
    parts = []
    for part in measure.records(period, today):
        queryset: QuerySet = part.queryset
        if cadre is not None:
            queryset = queryset.filter(credited_cadre=cadre)
        if isinstance(unit, (list, tuple, set, frozenset)):
            queryset = queryset.filter(credited_unit__in=unit)
        elif unit is not None:
            queryset = queryset.filter(credited_unit=unit)
        parts.append(attribution.Part(part.label, _with_related(queryset, measure.model)))
    return ChainedRecords(parts)


#: How a drill-down list reads each kind of record: what it joins, and its order.
_LISTING = {
    "Contact": (("platform", "cadre__user"), ("-date", "-pk")),
    "Assignment": (("platform", "cadre__user"), ("platform__name", "pk")),
    "Issue": (("platform", "recorded_by__user"), ("-recorded_on", "-pk")),
    "IssueEvent": (("issue__platform", "actor"), ("-at", "-pk")),
    "Achievement": (("platform", "collected_by__user"), ("-collected_on", "-pk")),
    "Match": (("achievement", "demand__unit"), ("-confirmed_on", "-pk")),
    "ServiceRecord": (("platform", "given_by__user"), ("-given_on", "-pk")),
    "PlatformNeed": (("platform", "issue"), ("-received_on", "-received_at", "-pk")),
}


def _with_related(queryset: QuerySet, model) -> QuerySet:
    related, order = _LISTING[model.__name__]
    return queryset.select_related(*related).order_by(*order)


def record_kind(key: str) -> str:
    """Which row template the drill-down list uses for ``key``'s records."""
    return attribution.MEASURES[key].model.__name__.lower()


# --- the dashboards' headline figures ----------------------------------------------------------------

#: The headline figures of a dashboard (the scoreboards' columns), each with its change against the
#: period before.
HEADLINE_KEYS = ["contacts", "visits", "duty_share", "issues_collected", "issues_closed", "in_time_share",
                 "issues_overdue", "ratings_mean", "achievements_collected", "achievements_transformed",
                 "transformed_amount", "services"]
HEADLINE = [next(column for column in COLUMNS if column.key == key) for key in HEADLINE_KEYS]


@dataclass
class Headline:
    cell: Cell
    #: The change against the period before, as shown ("+3", "−5%"), and its sign.
    change: str
    direction: int


def headline(row: Row, previous: Row | None, period: Period, *, units=()) -> list[Headline]:
    """``row``'s headline figures, each linked to its records (every unit's, or ``units``')."""
    out = []
    for cell in cells(row, HEADLINE, period, unit=list(units) or None):
        key = cell.column.key
        now = row.value(key)
        before = previous.value(key) if previous is not None else None
        if now is None or before is None:
            out.append(Headline(cell, "", 0))
            continue
        delta = now - before
        if cell.column.kind == "share":
            text = f"{delta * 100:+.0f}%"
        elif isinstance(delta, float):
            text = f"{delta:+.2f}"
        else:
            text = f"{delta:+,}"
        out.append(Headline(cell, text.replace("-", "−"), (delta > 0) - (delta < 0)))
    return out

"""The evaluation's figures per cadre and per unit for a period, the score beside them, and the
rank and change against the period before.

Every figure is counted in the database, grouped by the credited cadre (``attribution``): one
query per measure (and per quarter for the quarterly duty), whatever the number of cadres, units
or records. A unit's figures are its cadres' summed; its shares, mean and median are recomputed
from the sums, never averaged.
"""

import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _

from issues.calendar import load_calendar
from liaison.models import Cadre, Unit

from . import attribution
from .periods import Period
from .scoring import Weights, current_weights, score_rows

#: Figures that are a share of two counts: (key, part, whole).
SHARES = [
    ("duty_share", "duty_met", "duty_due"),
    ("first_contact_share", "first_contacts_on_time", "first_contacts_due"),
    ("first_visit_share", "first_visits_on_time", "first_visits_due"),
    ("in_time_share", "issues_closed_in_time", "issues_closed"),
    ("platform_rating_share", "ratings_from_platform", "ratings"),
]

SHARE_LABELS = {
    "duty_share": _("Quarterly contact duty met"),
    "first_contact_share": _("First contacts on time"),
    "first_visit_share": _("First visits on time"),
    "in_time_share": _("Closed in time"),
    "platform_rating_share": _("Ratings from the platform itself"),
}


@dataclass
class Row:
    """One cadre's or one unit's figures for the period."""

    #: The cadre's or unit's id.
    id: int
    name: str
    unit_id: int | None
    unit_name: str
    is_active: bool = True
    counts: dict = field(default_factory=dict)
    #: Shares (0-1, or None when the whole is 0), the ratings' mean, the median working days to close.
    derived: dict = field(default_factory=dict)
    #: The working days each closed issue took, for the median (a unit's are its cadres' together).
    days_to_close: list = field(default_factory=list)
    ratings_total: int = 0
    score: float = 0.0
    rank: int = 0
    previous_score: float | None = None
    previous_rank: int | None = None

    @property
    def score_change(self) -> float | None:
        return None if self.previous_score is None else round(self.score - self.previous_score, 1)

    @property
    def rank_change(self) -> int | None:
        """Places gained since the period before (positive is better)."""
        return None if self.previous_rank is None else self.previous_rank - self.rank

    def value(self, key: str):
        if key in self.counts:
            return self.counts[key]
        return self.derived.get(key)


@dataclass
class Scoreboard:
    period: Period
    today: datetime.date
    weights: Weights
    cadres: list[Row]
    units: list[Row]
    total: Row
    #: The period before's board (without its own before), for the changes.
    previous: "Scoreboard | None" = None


def _count_base(base: str, measures: list, period: Period, today: datetime.date, counts: dict) -> None:
    """Every measure of ``base`` per credited cadre, in one grouped query per part of the base."""
    aggregates = {}
    for measure in measures:
        condition = measure.condition_on(today)
        aggregates[measure.key] = (Sum(measure.amount_field, filter=condition) if measure.amount_field
                                   else Count("pk", filter=condition))
    if base == "ratings":
        aggregates["ratings_total"] = Sum("rating")
    for part in attribution.BASES[base](period, today):
        for row in part.queryset.order_by().values("credited_cadre").annotate(**aggregates):
            mine = counts[row["credited_cadre"]]
            for key in aggregates:
                mine[key] = mine.get(key, 0) + (row[key] or 0)


def _cadre_counts(period: Period, today: datetime.date) -> tuple[dict, dict, dict]:
    """Each measure's value per credited cadre; the ratings' sum per cadre; the working days each
    issue closed in the period took, per cadre."""
    counts: dict[int, dict] = defaultdict(dict)
    by_base = defaultdict(list)
    for measure in attribution.MEASURES.values():
        by_base[measure.base].append(measure)
    for base, measures in by_base.items():
        _count_base(base, measures, period, today, counts)
    ratings_total = {cadre_id: values.pop("ratings_total", 0) for cadre_id, values in counts.items()}
    calendar = load_calendar()
    days: dict[int, list[int]] = defaultdict(list)
    closed = attribution.closed_issues(period).exclude(issue_class="A")
    for cadre_id, started, closed_on in closed.values_list("credited_cadre", "clock_started_on", "closed_on"):
        days[cadre_id].append(calendar.working_days_between(started, closed_on))
    return counts, ratings_total, days


def _derive(row: Row) -> None:
    for key, part, whole in SHARES:
        total = row.counts.get(whole, 0)
        row.derived[key] = round(row.counts.get(part, 0) / total, 4) if total else None
    ratings = row.counts.get("ratings", 0)
    row.derived["ratings_mean"] = round(row.ratings_total / ratings, 2) if ratings else None
    row.derived["median_days_to_close"] = statistics.median(row.days_to_close) if row.days_to_close else None


def _zero_counts() -> dict:
    return {key: (Decimal("0") if m.amount_field else 0) for key, m in attribution.MEASURES.items()}


def _rows(period: Period, today: datetime.date) -> tuple[list[Row], list[Row], Row]:
    counts, ratings_total, days = _cadre_counts(period, today)
    cadres = Cadre.objects.select_related("user", "unit").order_by("unit__sort_key", "user__last_name",
                                                                    "user__first_name", "pk")
    cadre_rows = []
    for cadre in cadres:
        if not cadre.is_active and cadre.pk not in counts:
            continue
        row = Row(id=cadre.pk, name=cadre.name, unit_id=cadre.unit_id, unit_name=cadre.unit.name,
                  is_active=cadre.is_active, counts=_zero_counts() | counts.get(cadre.pk, {}),
                  days_to_close=days.get(cadre.pk, []), ratings_total=ratings_total.get(cadre.pk, 0))
        _derive(row)
        cadre_rows.append(row)
    units: dict[int, Row] = {}
    for unit in Unit.objects.filter(cadres__isnull=False).distinct().order_by("sort_key", "pk"):
        units[unit.pk] = Row(id=unit.pk, name=unit.name, unit_id=unit.pk, unit_name=unit.name,
                             counts=_zero_counts())
    total = Row(id=0, name=str(_("All units")), unit_id=None, unit_name="", counts=_zero_counts())
    for row in cadre_rows:
        for target in (units[row.unit_id], total):
            for key, value in row.counts.items():
                target.counts[key] += value
            target.days_to_close += row.days_to_close
            target.ratings_total += row.ratings_total
    for row in [*units.values(), total]:
        _derive(row)
    return cadre_rows, list(units.values()), total


def scoreboard(period: Period, *, today: datetime.date, weights: Weights | None = None,
               with_previous: bool = True) -> Scoreboard:
    """Every cadre's and unit's figures, score and rank for ``period`` as of ``today``, with the
    change against the period before. Scores and ranks are over all cadres (all units): a scoped
    page shows its rows of the same board."""
    weights = weights or current_weights()
    cadres, units, total = _rows(period, today)
    score_rows(cadres, weights)
    score_rows(units, weights)
    previous = None
    if with_previous:
        previous = scoreboard(period.previous(), today=today, weights=weights, with_previous=False)
        for now_rows, before_rows in ((cadres, previous.cadres), (units, previous.units)):
            before = {row.id: row for row in before_rows}
            for row in now_rows:
                if row.id in before:
                    row.previous_score, row.previous_rank = before[row.id].score, before[row.id].rank
    return Scoreboard(period=period, today=today, weights=weights, cadres=cadres, units=units, total=total,
                      previous=previous)


def combined(rows: list[Row], *, name: str) -> Row:
    """Several units' (or cadres') figures as one row: summed, the shares recomputed."""
    out = Row(id=0, name=name, unit_id=None, unit_name="", counts=_zero_counts())
    for row in rows:
        for key, value in row.counts.items():
            out.counts[key] += value
        out.days_to_close += row.days_to_close
        out.ratings_total += row.ratings_total
    _derive(out)
    return out

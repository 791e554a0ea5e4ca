"""The dashboards' numbers: read-only selectors for a period and a scope, each counted in the
database in a fixed number of queries, whatever the number of records (one per selector unless
its docstring says otherwise).

A scope is everything (bureau staff) or the platforms of some units (a unit leader): a platform
belongs to a unit while its current cadre (the active assignment) is one of the unit's, as
``liaison.access`` decides who may see it. Issues, contacts, achievements and ratings follow their
platform.

What each figure counts:

- the monthly trend: contacts by their date; issues opened by ``recorded_on``; issues closed by
  ``closed_on`` (the clock stopped: resolved or a solution determined, class A included, as the
  evaluation's figures count them) and how many of those ``on_time``; achievements transformed by
  ``transformed_on``;
- coverage: for each quarter the period touches (clipped to it, and only once it has begun), the
  active platforms owed a contact by the cadre responsible on the quarter's last day (or today,
  if sooner), and how many of them were contacted in the quarter, by anyone;
- issues recorded in the period, by class and by the state they are in now;
- the achievement funnel: achievements collected in the period, how many reached at least each
  stage (a dropped one reached the stage it was dropped from; one transformed straight from
  matched counts as past the negotiation), and how many were dropped;
- ratings given in the period, from the issues' timelines (a rating of 1 or 2 reopens its issue,
  which then no longer carries it), apart by source: the platform itself or the cadre on its
  behalf;
- per area (a platform's district or park): active platforms, open and overdue issues today,
  achievements collected and transformed in the period.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth

from achievements.models import STAGE_ORDER, Achievement, Stage
from issues.models import Issue, IssueClass
from liaison.models import Assignment, Contact
from platforms.models import Platform

from .attribution import LOW_RATING, RATING_BY_CADRE, RATING_FROM_PLATFORM, rating_events
from .periods import Period

RATINGS = (1, 2, 3, 4, 5)
#: The issue classes and states, in the order the charts show them.
CLASSES = list(IssueClass.values)
STATUSES = list(Issue.Status.values)


@dataclass(frozen=True)
class Scope:
    """Everything (``unit_ids`` None), or the platforms whose current cadre is in ``unit_ids``."""

    unit_ids: frozenset[int] | None = None

    @property
    def is_everything(self) -> bool:
        return self.unit_ids is None

    def filter(self, queryset: QuerySet, platform: str = "pk") -> QuerySet:
        """``queryset`` narrowed to the scope's platforms; ``platform`` leads to the platform's id."""
        if self.unit_ids is None:
            return queryset
        active = Assignment.objects.active().filter(platform_id=OuterRef(platform), cadre__unit_id__in=self.unit_ids)
        return queryset.filter(Exists(active))


EVERYTHING = Scope()


def _within(field_name: str, period: Period) -> Q:
    return Q(**{f"{field_name}__gte": period.start, f"{field_name}__lte": period.end})


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --- the monthly trend ------------------------------------------------------------------------------


@dataclass
class MonthFigures:
    month: Period
    contacts: int = 0
    opened: int = 0
    closed: int = 0
    closed_on_time: int = 0
    transformed: int = 0

    @property
    def on_time_share(self) -> float | None:
        """Of the issues closed in the month, the share closed within their limit (None: none closed)."""
        return _share(self.closed_on_time, self.closed)


def _by_month(queryset: QuerySet, date_field: str, period: Period, **counts) -> dict[datetime.date, dict]:
    rows = (
        queryset.filter(_within(date_field, period))
        .order_by()
        .annotate(month=TruncMonth(date_field))
        .values("month")
        .annotate(**counts)
    )
    return {_as_date(row.pop("month")): row for row in rows}


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def monthly_trend(period: Period, scope: Scope = EVERYTHING) -> list[MonthFigures]:
    """One row per calendar month the period touches (clipped to it). Four queries."""
    contacts = _by_month(scope.filter(Contact.objects.all(), "platform_id"), "date", period, n=Count("pk"))
    issues = scope.filter(Issue.objects.all(), "platform_id")
    opened = _by_month(issues, "recorded_on", period, n=Count("pk"))
    closed = _by_month(issues, "closed_on", period, n=Count("pk"), on_time=Count("pk", filter=Q(on_time=True)))
    transformed = _by_month(scope.filter(Achievement.objects.all(), "platform_id"), "transformed_on", period,
                            n=Count("pk"))
    rows = []
    for month in period.months():
        first = month.start.replace(day=1)
        done = closed.get(first, {})
        rows.append(MonthFigures(
            month=month,
            contacts=contacts.get(first, {}).get("n", 0),
            opened=opened.get(first, {}).get("n", 0),
            closed=done.get("n", 0),
            closed_on_time=done.get("on_time", 0),
            transformed=transformed.get(first, {}).get("n", 0),
        ))
    return rows


# --- coverage ---------------------------------------------------------------------------------------


@dataclass
class CoverageCell:
    #: Active platforms owed a contact in the quarter (0: none of the row's).
    owed: int
    contacted: int

    @property
    def share(self) -> float | None:
        return _share(self.contacted, self.owed)


@dataclass
class CoverageRow:
    #: A unit's or a platform's id and name.
    key: int
    name: str
    cells: list[CoverageCell]


@dataclass
class Coverage:
    #: The quarters the period touches that have begun, each clipped to the period.
    quarters: list[Period]
    rows: list[CoverageRow]
    #: Whether the rows are units (else platforms).
    by_unit: bool
    totals: list[CoverageCell] = field(default_factory=list)


def coverage(period: Period, scope: Scope = EVERYTHING, *, today: datetime.date, by_unit: bool | None = None) -> Coverage:
    """The contact coverage per quarter, one row per unit (``by_unit``; the default for everything)
    or per platform (the default for some units). One query, whatever the number of quarters.

    A platform counts for the unit whose cadre was responsible for it on the quarter's last day
    (or today, if sooner); with a scope of units, only those units' platforms count.
    """
    by_unit = scope.is_everything if by_unit is None else by_unit
    quarters = [q for q in period.quarters() if q.start <= today]
    if not quarters:
        return Coverage(quarters=[], rows=[], by_unit=by_unit)
    counts = {}
    for index, quarter in enumerate(quarters):
        covering = Q(pk__in=Assignment.objects.covering(min(quarter.end, today)).values("pk"))
        contacted = Exists(Contact.objects.filter(platform_id=OuterRef("platform_id"), date__gte=quarter.start,
                                                  date__lte=quarter.end))
        counts[f"owed_{index}"] = Count("pk", filter=covering)
        counts[f"contacted_{index}"] = Count("pk", filter=covering & Q(contacted))
    assignments = Assignment.objects.filter(platform__is_active=True)
    if not scope.is_everything:
        assignments = assignments.filter(cadre__unit_id__in=scope.unit_ids)
    key, name, order = ("cadre__unit_id", "cadre__unit__name", "cadre__unit__sort_key") if by_unit else (
        "platform_id", "platform__name", "platform__name")
    rows = []
    for row in assignments.order_by().values(*dict.fromkeys((key, name, order))).annotate(**counts):
        cells = [CoverageCell(owed=row[f"owed_{i}"], contacted=row[f"contacted_{i}"]) for i in range(len(quarters))]
        if any(cell.owed for cell in cells):
            rows.append((row[order], CoverageRow(key=row[key], name=row[name], cells=cells)))
    rows = [row for _order, row in sorted(rows, key=lambda pair: (pair[0], pair[1].key))]
    totals = [
        CoverageCell(owed=sum(r.cells[i].owed for r in rows), contacted=sum(r.cells[i].contacted for r in rows))
        for i in range(len(quarters))
    ]
    return Coverage(quarters=quarters, rows=rows, by_unit=by_unit, totals=totals)


# --- issues by class and state ------------------------------------------------------------------------


@dataclass
class IssueStates:
    #: (class, status) -> how many, for the issues recorded in the period.
    counts: dict[tuple[str, str], int]

    def count(self, issue_class: str, status: str) -> int:
        return self.counts.get((issue_class, status), 0)

    def of_class(self, issue_class: str) -> int:
        return sum(n for (klass, _status), n in self.counts.items() if klass == issue_class)

    def in_status(self, status: str) -> int:
        return sum(n for (_klass, state), n in self.counts.items() if state == status)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def issues_by_class_and_state(period: Period, scope: Scope = EVERYTHING) -> IssueStates:
    """The issues recorded in the period, by class and by the state they are in now."""
    rows = (
        scope.filter(Issue.objects.filter(_within("recorded_on", period)), "platform_id")
        .order_by()
        .values("issue_class", "status")
        .annotate(n=Count("pk"))
    )
    return IssueStates(counts={(row["issue_class"], row["status"]): row["n"] for row in rows})



# --- the achievement funnel ---------------------------------------------------------------------------


@dataclass
class Funnel:
    #: Stage (in ``STAGE_ORDER``) -> how many of the period's achievements reached at least it.
    reached: dict[str, int]
    dropped: int

    @property
    def collected(self) -> int:
        return self.reached[Stage.COLLECTED]


def achievement_funnel(period: Period, scope: Scope = EVERYTHING) -> Funnel:
    """The achievements collected in the period: how many reached at least each stage, how many dropped."""
    counts = {}
    for index, stage in enumerate(STAGE_ORDER):
        onwards = STAGE_ORDER[index:]
        counts[stage.value] = Count("pk", filter=Q(stage__in=onwards) | Q(stage=Stage.DROPPED, dropped_from__in=onwards))
    counts["dropped"] = Count("pk", filter=Q(stage=Stage.DROPPED))
    figures = scope.filter(Achievement.objects.filter(_within("collected_on", period)), "platform_id").aggregate(
        **counts)
    dropped = figures.pop("dropped")
    return Funnel(reached={stage: figures[stage.value] for stage in STAGE_ORDER}, dropped=dropped)


# --- ratings ------------------------------------------------------------------------------------------


@dataclass
class Ratings:
    #: (score, source) -> how many ratings; source is RATING_FROM_PLATFORM or RATING_BY_CADRE.
    counts: dict[tuple[int, str], int]

    def count(self, score: int, source: str | None = None) -> int:
        return sum(n for (s, src), n in self.counts.items() if s == score and source in (None, src))

    def total(self, source: str | None = None) -> int:
        return sum(self.count(score, source) for score in RATINGS)

    def mean(self, source: str | None = None) -> float | None:
        total = self.total(source)
        return sum(score * self.count(score, source) for score in RATINGS) / total if total else None

    def low(self, source: str | None = None) -> int:
        return sum(self.count(score, source) for score in RATINGS if score <= LOW_RATING)


def ratings(period: Period, scope: Scope = EVERYTHING) -> Ratings:
    """The ratings given in the period (``rated`` entries of the issues' timelines: the
    evaluation's ``rating_events``), by score and source."""
    rows = (
        scope.filter(rating_events(period), "issue__platform_id")
        .order_by()
        .values("rating", "rating_source")
        .annotate(n=Count("pk"))
    )
    counts: dict[tuple[int, str], int] = {}
    for row in rows:
        if row["rating"] in RATINGS:
            source = RATING_FROM_PLATFORM if row["rating_source"] == RATING_FROM_PLATFORM else RATING_BY_CADRE
            counts[(row["rating"], source)] = counts.get((row["rating"], source), 0) + row["n"]
    return Ratings(counts=counts)


# --- the map ------------------------------------------------------------------------------------------


@dataclass
class AreaFigures:
    #: A platform's district or park, as its ``district`` field names it.
    area: str
    platforms: int = 0
    open_issues: int = 0
    overdue_issues: int = 0
    achievements_collected: int = 0
    achievements_transformed: int = 0


def areas(period: Period, scope: Scope = EVERYTHING, *, today: datetime.date) -> list[AreaFigures]:
    """Figures per area, by the area's name. Three queries."""
    figures: dict[str, AreaFigures] = {}

    def area(name: str) -> AreaFigures:
        return figures.setdefault(name, AreaFigures(area=name))

    platforms = scope.filter(Platform.objects.filter(is_active=True)).order_by().values("district").annotate(
        n=Count("pk"))
    for row in platforms:
        area(row["district"]).platforms = row["n"]
    issues = (
        scope.filter(Issue.objects.open(), "platform_id")
        .order_by()
        .values("platform__district")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
    )
    for row in issues:
        figures_of = area(row["platform__district"])
        figures_of.open_issues, figures_of.overdue_issues = row["open"], row["overdue"]
    collected, transformed = _within("collected_on", period), _within("transformed_on", period)
    achievements = (
        scope.filter(Achievement.objects.filter(collected | transformed), "platform_id")
        .order_by()
        .values("platform__district")
        .annotate(collected=Count("pk", filter=collected), transformed=Count("pk", filter=transformed))
    )
    for row in achievements:
        figures_of = area(row["platform__district"])
        figures_of.achievements_collected, figures_of.achievements_transformed = row["collected"], row["transformed"]
    return sorted(figures.values(), key=lambda a: a.area)

"""Reads for the cadre's, the unit leader's and bureau staff's pages.

Every list here is built in a fixed number of queries, whatever the number of rows: the figures
per row (last contact, open issues, nearest due date, quarter coverage) are annotated in the
database, never fetched row by row.

The contact duties (the design's "Contact and visits"), as dates:

- a new assignment's **first contact** is due ``PORTAL["FIRST_CONTACT_DAYS"]`` days after the
  assignment starts (``first_contact_due``);
- its **first visit** (a contact of the on-site kind) is due by the end of the month it started in,
  or of the next month when it started fewer than ``PORTAL["FIRST_VISIT_MIN_DAYS"]`` days before
  its month's end (``first_visit_due``, from ``liaison.duties``);
- every platform is contacted at least once per **calendar quarter**, by the quarter's last day
  (``quarter_bounds``).
"""

import calendar as _calendar
import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from issues.access import issues_visible_to
from issues.calendar import load_calendar
from issues.models import Issue
from issues.selectors import issue_list, with_deadline_status
from platforms.models import Platform

from .access import (
    assignments_visible_to,
    cadres_handed_over_by,
    cadres_visible_to,
    contacts_visible_to,
    in_any_of,
    roles_of,
)
from .duties import first_visit_due
from .models import Assignment, Cadre, Contact, Unit

# --- the contact duties' dates ---------------------------------------------------------------------


def quarter_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the calendar quarter ``day`` falls in."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    last_month = first_month + 2
    return (
        datetime.date(day.year, first_month, 1),
        datetime.date(day.year, last_month, _calendar.monthrange(day.year, last_month)[1]),
    )


def first_contact_due(start_date: datetime.date) -> datetime.date:
    """The last day for the first contact of an assignment that started on ``start_date``."""
    return start_date + datetime.timedelta(days=settings.PORTAL["FIRST_CONTACT_DAYS"])




class Duty:
    FIRST_CONTACT = "first_contact"
    FIRST_VISIT = "first_visit"
    QUARTER_CONTACT = "quarter_contact"
    NEXT_QUARTER_CONTACT = "next_quarter_contact"

    LABELS = {
        FIRST_CONTACT: _("First contact"),
        FIRST_VISIT: _("First visit on site"),
        QUARTER_CONTACT: _("This quarter's contact"),
        NEXT_QUARTER_CONTACT: _("Next quarter's contact"),
    }


@dataclass(frozen=True)
class DutyDue:
    kind: str
    due: datetime.date
    overdue: bool

    @property
    def label(self) -> str:
        return Duty.LABELS[self.kind]


def next_duty(
    *,
    start_date: datetime.date,
    first_contact_date: datetime.date | None,
    first_visit_date: datetime.date | None,
    contacted_this_quarter: bool,
    today: datetime.date,
) -> DutyDue:
    """The earliest contact duty still to do for an assignment (overdue ones first of all).

    ``first_contact_date`` and ``first_visit_date`` are the first contact and first visit on or
    after ``start_date``. With everything done, the next duty is the next quarter's contact.
    """
    outstanding = []
    if first_contact_date is None:
        outstanding.append((first_contact_due(start_date), Duty.FIRST_CONTACT))
    if first_visit_date is None:
        outstanding.append((first_visit_due(start_date), Duty.FIRST_VISIT))
    quarter_end = quarter_bounds(today)[1]
    if not contacted_this_quarter:
        outstanding.append((quarter_end, Duty.QUARTER_CONTACT))
    if not outstanding:
        next_end = quarter_bounds(quarter_end + datetime.timedelta(days=1))[1]
        return DutyDue(kind=Duty.NEXT_QUARTER_CONTACT, due=next_end, overdue=False)
    due, kind = min(outstanding)
    return DutyDue(kind=kind, due=due, overdue=due < today)


# --- a cadre's platform count ----------------------------------------------------------------------


def incomplete_cadres() -> Q:
    """Cadres still needing platforms: active and serving fewer than the minimum.

    For a queryset annotated with ``active_platform_count``; ``cadre_is_incomplete`` is the same
    rule for one cadre.
    """
    return Q(is_active=True, active_platform_count__lt=settings.PORTAL["MIN_PLATFORMS_PER_CADRE"])


def cadre_is_incomplete(*, is_active: bool, active_platform_count: int) -> bool:
    return is_active and active_platform_count < settings.PORTAL["MIN_PLATFORMS_PER_CADRE"]


# --- annotations shared by the pages -----------------------------------------------------------


def _contacts_of(platform_field: str) -> QuerySet:
    return Contact.objects.filter(platform_id=OuterRef(platform_field)).order_by()


def open_issues_of(platform_field: str) -> QuerySet:
    """The open issues of the outer query's platform (``platform_field``), for a subquery: what "open
    issues of a platform" means, written once (the lists and the figures below use it)."""
    return Issue.objects.open().filter(platform_id=OuterRef(platform_field)).order_by()


def with_contact_figures(queryset: QuerySet, *, today: datetime.date, platform_field: str = "platform_id") -> QuerySet:
    """Annotate assignments (or anything with a platform) with the platform's contact figures:
    ``last_contact_date`` and ``contacted_this_quarter``."""
    contacts = _contacts_of(platform_field)
    quarter_start, quarter_end = quarter_bounds(today)
    return queryset.annotate(
        last_contact_date=Subquery(contacts.order_by("-date").values("date")[:1]),
        contacted_this_quarter=Exists(contacts.filter(date__gte=quarter_start, date__lte=quarter_end)),
    )


def with_issue_figures(queryset: QuerySet, *, platform_field: str = "platform_id") -> QuerySet:
    """Annotate with the platform's ``open_issue_count`` and ``nearest_due_date`` (open issues)."""
    open_issues = open_issues_of(platform_field)
    counted = open_issues.values("platform_id").annotate(n=Count("pk")).values("n")
    return queryset.annotate(
        open_issue_count=Coalesce(Subquery(counted, output_field=IntegerField()), Value(0)),
        nearest_due_date=Subquery(
            open_issues.filter(due_date__isnull=False).order_by("due_date").values("due_date")[:1]
        ),
    )


# --- the cadre's platforms -------------------------------------------------------------------------


def my_platforms(*, user, today: datetime.date | None = None) -> list[Assignment]:
    """The signed-in cadre's active assignments, each with its platform and its figures:
    ``last_contact_date``, ``contacted_this_quarter``, ``open_issue_count``, ``nearest_due_date``,
    ``nearest_due_overdue`` and ``next_duty`` (a :class:`DutyDue`). One query."""
    today = today or timezone.localdate()
    cadre = roles_of(user).cadre
    if cadre is None:
        return []
    queryset = _with_first_contacts(
        assignments_visible_to(user, Assignment.objects.active().filter(cadre=cadre))
    ).select_related("platform").order_by("platform__name")
    rows = list(with_issue_figures(with_contact_figures(queryset, today=today)))
    for row in rows:
        _attach_duty(row, today)
    return rows


def _with_first_contacts(assignments: QuerySet) -> QuerySet:
    """Annotate assignments with ``first_contact_date`` and ``first_visit_date`` since they began."""
    since_start = Contact.objects.filter(
        platform_id=OuterRef("platform_id"), date__gte=OuterRef("start_date")
    ).order_by("date")
    return assignments.annotate(
        first_contact_date=Subquery(since_start.values("date")[:1]),
        first_visit_date=Subquery(since_start.filter(kind=Contact.Kind.VISIT).values("date")[:1]),
    )


def _attach_duty(assignment: Assignment, today: datetime.date) -> None:
    assignment.next_duty = next_duty(
        start_date=assignment.start_date,
        first_contact_date=assignment.first_contact_date,
        first_visit_date=assignment.first_visit_date,
        contacted_this_quarter=assignment.contacted_this_quarter,
        today=today,
    )
    assignment.nearest_due_overdue = assignment.nearest_due_date is not None and assignment.nearest_due_date < today


# --- one platform ----------------------------------------------------------------------------------


@dataclass
class TimelineEntry:
    """A contact (with the issues raised in it) or an issue recorded outside any contact."""

    date: datetime.date
    contact: Contact | None = None
    issue: Issue | None = None

    @property
    def sort_key(self):
        # Newest first; on one day, a contact before the issues recorded on their own.
        item = self.contact or self.issue
        return (self.date, 1 if self.contact else 0, item.created_at, item.pk)


@dataclass
class Timeline:
    entries: list[TimelineEntry] = field(default_factory=list)
    #: Whether older entries were left out (see ``limit``).
    truncated: bool = False


def platform_current_assignment(platform: Platform, *, today: datetime.date | None = None) -> Assignment | None:
    """The platform's active assignment with its cadre and figures (see ``my_platforms``)."""
    today = today or timezone.localdate()
    queryset = with_issue_figures(
        with_contact_figures(
            _with_first_contacts(Assignment.objects.active().filter(platform=platform)), today=today
        )
    ).select_related("cadre__user", "cadre__unit")
    assignment = queryset.first()
    if assignment is not None:
        _attach_duty(assignment, today)
    return assignment


def platform_timeline(*, user, platform: Platform, limit: int | None = 50, today: datetime.date | None = None) -> Timeline:
    """The platform's contacts and issues that ``user`` may see, newest first, in one list.

    Issues raised at a contact are listed inside that contact's entry; issues recorded on their
    own are entries of their own. Each issue carries ``working_days_left`` and ``is_overdue``.
    At most ``limit`` entries (``None``: all). A fixed number of queries.
    """
    visible_issues = (
        issues_visible_to(user, Issue.objects.filter(platform=platform))
        .select_related("handed_to_unit", "recorded_by__user")
        .order_by("recorded_on", "pk")
    )
    contacts = (
        contacts_visible_to(user, Contact.objects.filter(platform=platform))
        .select_related("cadre__user")
        .prefetch_related(Prefetch("issues", queryset=visible_issues, to_attr="visible_issues"))
        .order_by("-date", "-created_at", "-pk")
    )
    standalone = visible_issues.filter(contact__isnull=True).order_by("-recorded_on", "-created_at", "-pk")
    if limit is not None:
        contacts, standalone = contacts[: limit + 1], standalone[: limit + 1]
    contacts, standalone = list(contacts), list(standalone)

    calendar = load_calendar()
    today = today or timezone.localdate()
    with_deadline_status([i for c in contacts for i in c.visible_issues] + standalone, today=today, calendar=calendar)

    entries = [TimelineEntry(date=c.date, contact=c) for c in contacts]
    entries += [TimelineEntry(date=i.recorded_on, issue=i) for i in standalone]
    entries.sort(key=lambda e: e.sort_key, reverse=True)
    truncated = limit is not None and len(entries) > limit
    return Timeline(entries=entries[:limit] if limit is not None else entries, truncated=truncated)


def contact_issues(*, user, contact: Contact) -> list[Issue]:
    """The issues raised at ``contact`` that ``user`` may see, with their deadline status."""
    issues = issues_visible_to(user, Issue.objects.filter(contact=contact)).select_related("handed_to_unit")
    return with_deadline_status(issues.order_by("pk"))


# --- the unit leader's home ------------------------------------------------------------------------


@dataclass
class CadreCoverage:
    cadre: Cadre
    assignments: list[Assignment] = field(default_factory=list)

    @property
    def covered(self) -> int:
        return sum(1 for a in self.assignments if a.contacted_this_quarter)

    @property
    def total(self) -> int:
        return len(self.assignments)


@dataclass
class UnitOverview:
    units: list[Unit]
    quarter: tuple[datetime.date, datetime.date]
    cadres: list[CadreCoverage]
    #: Open issues of the units' platforms, due soonest first, with their deadline status.
    issues: list[Issue]
    open_count: int
    overdue_count: int
    #: Open issues other units handed over to these units to solve (as lead or cooperating unit).
    handed_to_units: list[Issue]

    @property
    def platforms_total(self) -> int:
        return sum(c.total for c in self.cadres)

    @property
    def platforms_covered(self) -> int:
        return sum(c.covered for c in self.cadres)


#: Lists on the dashboards stop here; the issue list has the rest.
DASHBOARD_ROWS = 100


def unit_overview(*, user, today: datetime.date | None = None) -> UnitOverview:
    """The unit leader's units: each cadre's platforms contacted this quarter or not, and the
    units' open and overdue issues. A fixed number of queries."""
    today = today or timezone.localdate()
    unit_ids = roles_of(user).led_unit_ids
    units = list(Unit.objects.filter(pk__in=unit_ids))
    cadres = list(
        cadres_visible_to(user, Cadre.objects.filter(unit_id__in=unit_ids, is_active=True))
        .select_related("user", "unit")
        .order_by("unit__sort_key", "user__last_name", "user__first_name", "pk")
    )
    assignments = with_issue_figures(
        with_contact_figures(
            assignments_visible_to(user, Assignment.objects.active().filter(cadre__in=[c.pk for c in cadres])),
            today=today,
        )
    ).select_related("platform").order_by("platform__name")
    coverage = {c.pk: CadreCoverage(cadre=c) for c in cadres}
    for assignment in assignments:
        coverage[assignment.cadre_id].assignments.append(assignment)

    unit_issues = issue_list(user=user).open().filter(responsible_unit_id__in=unit_ids)
    counts = unit_issues.order_by().aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today))
    )
    calendar = load_calendar()
    issues = with_deadline_status(
        unit_issues.order_by("due_date", "pk")[:DASHBOARD_ROWS], today=today, calendar=calendar
    )
    handed_or_cooperating = [
        Issue.objects.filter(handed_to_unit_id__in=unit_ids).values("pk"),
        Issue.cooperating_units.through.objects.filter(unit_id__in=unit_ids).values("issue_id"),
    ]
    handed = (
        in_any_of(issue_list(user=user).open(), handed_or_cooperating)
        .exclude(responsible_unit_id__in=unit_ids)
        .order_by("due_date", "pk")
    )
    return UnitOverview(
        units=units,
        quarter=quarter_bounds(today),
        cadres=list(coverage.values()),
        issues=issues,
        open_count=counts["open"],
        overdue_count=counts["overdue"],
        handed_to_units=with_deadline_status(handed[:DASHBOARD_ROWS], today=today, calendar=calendar),
    )


# --- bureau staff's home ---------------------------------------------------------------------------


@dataclass
class UnitDeadlineRow:
    unit: Unit | None
    open: int
    overdue: int
    due_soon: int


@dataclass
class DeadlineOverview:
    today: datetime.date
    #: Issues due on or before this day (and not yet overdue) are "due soon".
    due_soon_until: datetime.date
    overdue: list[Issue]
    due_soon: list[Issue]
    open_count: int
    overdue_count: int
    due_soon_count: int
    #: The units with the most overdue (then due soon, then open) issues, at most ``UNIT_ROWS``.
    by_unit: list[UnitDeadlineRow]
    platforms_total: int
    platforms_covered: int
    quarter: tuple[datetime.date, datetime.date]
    #: How many units have open issues (``by_unit`` shows the first ``UNIT_ROWS``).
    units_with_open: int = 0


#: Units listed on the deadline overview: the city's all fit; a province's shows those most behind.
UNIT_ROWS = 20
#: Overdue and due-soon issues listed on the deadline overview (all units'): the most urgent, each
#: list with its count and a link to the issue list, which pages through the rest.
OVERVIEW_ISSUES = 20


def due_soon_until(today: datetime.date, calendar=None) -> datetime.date:
    """The last day that counts as "due soon": as far ahead as the first reminder goes."""
    calendar = calendar or load_calendar()
    days = max(settings.PORTAL["REMINDER_WORKING_DAYS_BEFORE"])
    return calendar.add_working_days(today, days)[0]


def deadline_overview(*, user, today: datetime.date | None = None) -> DeadlineOverview:
    """Overdue and due-soon issues across all units the user may see, with counts per unit and
    this quarter's contact coverage. A fixed number of queries."""
    today = today or timezone.localdate()
    calendar = load_calendar()
    until = due_soon_until(today, calendar)
    open_issues = issue_list(user=user).open()
    overdue_q = Q(due_date__lt=today)
    soon_q = Q(due_date__gte=today, due_date__lte=until)
    counts = open_issues.order_by().aggregate(
        open=Count("pk"), overdue=Count("pk", filter=overdue_q), due_soon=Count("pk", filter=soon_q)
    )
    per_unit = list(
        open_issues.order_by()
        .values("responsible_unit_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=overdue_q), due_soon=Count("pk", filter=soon_q))
    )
    sort_keys = dict(Unit.objects.filter(pk__in=[row["responsible_unit_id"] for row in per_unit])
                     .values_list("pk", "sort_key"))
    per_unit.sort(key=lambda r: (-r["overdue"], -r["due_soon"], -r["open"], sort_keys.get(r["responsible_unit_id"], "")))
    shown = per_unit[:UNIT_ROWS]
    units = Unit.objects.in_bulk([row["responsible_unit_id"] for row in shown if row["responsible_unit_id"]])
    by_unit = [
        UnitDeadlineRow(unit=units.get(row["responsible_unit_id"]), open=row["open"], overdue=row["overdue"],
                        due_soon=row["due_soon"])
        for row in shown
    ]
    quarter_start, quarter_end = quarter_bounds(today)
    covered = Contact.objects.filter(platform_id=OuterRef("platform_id"), date__gte=quarter_start, date__lte=quarter_end)
    coverage = assignments_visible_to(user, Assignment.objects.active()).aggregate(
        total=Count("pk"), covered=Count("pk", filter=Exists(covered))
    )
    return DeadlineOverview(
        today=today,
        due_soon_until=until,
        overdue=with_deadline_status(
            open_issues.filter(overdue_q).order_by("due_date", "pk")[:OVERVIEW_ISSUES], today=today, calendar=calendar
        ),
        due_soon=with_deadline_status(
            open_issues.filter(soon_q).order_by("due_date", "pk")[:OVERVIEW_ISSUES], today=today, calendar=calendar
        ),
        open_count=counts["open"],
        overdue_count=counts["overdue"],
        due_soon_count=counts["due_soon"],
        by_unit=by_unit,
        platforms_total=coverage["total"],
        platforms_covered=coverage["covered"],
        quarter=(quarter_start, quarter_end),
        units_with_open=len(per_unit),
    )


# --- a cadre leaves: the hand-over page ------------------------------------------------------------


@dataclass
class SuccessorOption:
    """A cadre who may take over a leaving cadre's platforms, with their load now."""

    cadre: Cadre
    #: Platforms they serve now.
    serving: int
    #: Open issues of the platforms they serve now.
    open_issues: int
    #: Of the leaving cadre's unit.
    same_unit: bool

    @property
    def has_room(self) -> bool:
        return self.serving < settings.PORTAL["MAX_PLATFORMS_PER_CADRE"]


@dataclass
class SuccessorLoad:
    """A chosen successor's load now and after the hand-over."""

    option: SuccessorOption
    receiving: list = field(default_factory=list)
    receiving_issues: int = 0

    @property
    def cadre(self) -> Cadre:
        return self.option.cadre

    @property
    def serving_after(self) -> int:
        return self.option.serving + len(self.receiving)

    @property
    def open_issues_after(self) -> int:
        return self.option.open_issues + self.receiving_issues


@dataclass
class HandOverPage:
    cadre: Cadre
    #: The leaving cadre's active assignments, by platform name, each with ``open_issue_count``.
    assignments: list[Assignment]
    #: Who may succeed, colleagues of the same unit with room first (``hand_over_candidates``).
    candidates: list[SuccessorOption]
    #: A successor suggested for each platform (platform id -> cadre id), spread by room.
    suggested: dict[int, int]

    def option(self, cadre_id: int) -> SuccessorOption | None:
        return next((o for o in self.candidates if o.cadre.pk == cadre_id), None)

    def loads(self, chosen: dict[int, int]) -> list[SuccessorLoad]:
        """Each successor in ``chosen`` (platform id -> cadre id), with what they receive."""
        issues = {a.platform_id: a.open_issue_count for a in self.assignments}
        names = {a.platform_id: a.platform for a in self.assignments}
        loads: dict[int, SuccessorLoad] = {}
        for platform_id, cadre_id in chosen.items():
            option = self.option(cadre_id)
            if option is None or platform_id not in names:
                continue
            load = loads.setdefault(cadre_id, SuccessorLoad(option=option))
            load.receiving.append(names[platform_id])
            load.receiving_issues += issues[platform_id]
        return sorted(loads.values(), key=lambda load: (load.cadre.unit.sort_key, load.cadre.name))


def hand_over_candidates(*, user, cadre: Cadre) -> list[SuccessorOption]:
    """The active cadres ``user`` may choose as successors of ``cadre`` (``cadres_handed_over_by``:
    an admin any, a leader their units'), with their load: colleagues of ``cadre``'s unit with room
    first, then others with room, then those at the maximum. One query."""
    open_issues = (
        Issue.objects.open()
        .filter(platform__assignments__cadre=OuterRef("pk"), platform__assignments__end_date__isnull=True)
        .order_by().values("platform__assignments__cadre").annotate(n=Count("pk", distinct=True)).values("n")
    )
    serving = (
        Assignment.objects.active().filter(cadre=OuterRef("pk"))
        .order_by().values("cadre").annotate(n=Count("pk")).values("n")
    )
    queryset = (
        cadres_handed_over_by(user, Cadre.objects.filter(is_active=True, user__is_active=True))
        .exclude(pk=cadre.pk)
        .select_related("user", "unit")
        .annotate(
            serving_now=Coalesce(Subquery(serving, output_field=IntegerField()), Value(0)),
            open_issues_now=Coalesce(Subquery(open_issues, output_field=IntegerField()), Value(0)),
        )
    )
    options = [
        SuccessorOption(cadre=c, serving=c.serving_now, open_issues=c.open_issues_now,
                        same_unit=c.unit_id == cadre.unit_id)
        for c in queryset
    ]
    options.sort(key=lambda o: (not o.has_room, not o.same_unit, o.cadre.unit.sort_key, o.serving, o.cadre.name,
                                o.cadre.pk))
    return options


def suggest_successors(assignments: list[Assignment], candidates: list[SuccessorOption]) -> dict[int, int]:
    """A successor for each platform: the least loaded colleague of the same unit with room, else
    the least loaded cadre with room, counting what this suggestion already gave them."""
    most = settings.PORTAL["MAX_PLATFORMS_PER_CADRE"]
    given: dict[int, int] = {}
    suggested = {}
    for assignment in assignments:
        with_room = [o for o in candidates if o.serving + given.get(o.cadre.pk, 0) < most]
        if not with_room:
            continue
        best = min(with_room, key=lambda o: (not o.same_unit, o.serving + given.get(o.cadre.pk, 0)))
        suggested[assignment.platform_id] = best.cadre.pk
        given[best.cadre.pk] = given.get(best.cadre.pk, 0) + 1
    return suggested


def hand_over_page(*, user, cadre: Cadre) -> HandOverPage:
    """What the hand-over page shows for ``cadre`` leaving: their platforms with their open issues,
    and who may take them. A fixed number of queries, whatever the number of platforms or cadres."""
    assignments = list(
        with_issue_figures(Assignment.objects.active().filter(cadre=cadre))
        .select_related("platform").order_by("platform__name", "pk")
    )
    candidates = hand_over_candidates(user=user, cadre=cadre)
    return HandOverPage(cadre=cadre, assignments=assignments, candidates=candidates,
                        suggested=suggest_successors(assignments, candidates))

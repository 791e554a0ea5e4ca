"""Reads about issues and the calendar that are more than a one-line filter.

Lists: build the queryset with ``issue_list`` (scoped to the user, related rows joined, the
responsible cadre annotated), then ``with_deadline_status`` to attach the working days left to
each row from one calendar: the query count does not grow with the rows.
"""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.models import Assignment

from .access import issues_visible_to, responsible_cadre
from .calendar import calendar_years, compute_deadline, load_calendar
from .models import ExtensionRequest, Issue, IssueClass, IssueEvent
from .workdays import FIRST_DATE, LAST_DATE, WorkdayCalendar, YearStatus, deadline_end, is_past_deadline

__all__ = [
    "calendar_year_statuses",
    "deadline_end",
    "extensions_pending",
    "is_overdue",
    "issue_for_page",
    "issue_list",
    "issue_timeline",
    "issues_open",
    "issues_overdue",
    "projected_due_date",
    "responsible_cadre",
    "with_deadline_status",
    "with_responsible_cadre",
    "working_days_left",
]


def issues_open(queryset: QuerySet | None = None) -> QuerySet:
    """Issues whose clock is running (open or handed over)."""
    return (Issue.objects.all() if queryset is None else queryset).open()


def issues_overdue(*, today: datetime.date | None = None, queryset: QuerySet | None = None) -> QuerySet:
    """Open issues whose due date ended before ``today`` (default: today in Asia/Shanghai)."""
    today = today or timezone.localdate()
    return (Issue.objects.all() if queryset is None else queryset).overdue(today)


def issue_list(*, user, queryset: QuerySet | None = None) -> QuerySet:
    """The issues ``user`` may see, ready for a list: related rows joined, and annotated with
    ``responsible_cadre_id``, ``responsible_unit_id`` and ``responsible_cadre_name`` (the
    platform's current cadre, empty when it has none)."""
    active = Assignment.objects.active().filter(platform=OuterRef("platform_id"))
    name = Concat(F("cadre__user__last_name"), F("cadre__user__first_name"))
    return (
        issues_visible_to(user, queryset)
        .with_responsible_cadre()
        .annotate(responsible_cadre_name=Coalesce(Subquery(active.annotate(n=name).values("n")[:1]), Value("")))
        .select_related("platform", "recorded_by__user", "recorded_by__unit", "handed_to_unit")
    )


def issue_for_page(*, user) -> QuerySet:
    """The issues ``user`` may see, to read one for its page: related rows joined; then
    ``with_responsible_cadre`` gives the one issue read what ``issue_list`` annotates, from the
    one query the page's access checks make anyway (``responsible_cadre``)."""
    return issues_visible_to(user).select_related(
        "platform", "recorded_by__user", "recorded_by__unit", "handed_to_unit", "contact"
    )


def with_responsible_cadre(issue: Issue) -> Issue:
    """Set ``responsible_cadre_id``, ``responsible_unit_id`` and ``responsible_cadre_name`` on one
    issue as ``issue_list`` annotates them (the platform's current cadre; empty when it has none)."""
    cadre = responsible_cadre(issue)
    issue.responsible_cadre_id = cadre.pk if cadre else None
    issue.responsible_unit_id = cadre.unit_id if cadre else None
    issue.responsible_cadre_name = f"{cadre.user.last_name}{cadre.user.first_name}" if cadre else ""
    return issue


def issue_timeline(issue: Issue) -> QuerySet:
    """The issue's timeline, oldest first, with who acted."""
    return IssueEvent.objects.filter(issue=issue).select_related("actor").order_by("at", "id")


def extensions_pending(queryset: QuerySet | None = None) -> QuerySet:
    """Extension requests waiting for bureau staff, oldest first."""
    queryset = ExtensionRequest.objects.all() if queryset is None else queryset
    return (
        queryset.filter(status=ExtensionRequest.Status.PENDING)
        .select_related("issue__platform", "requested_by")
        .order_by("requested_at", "id")
    )


# --- deadlines -----------------------------------------------------------------------------------


def projected_due_date(
    issue_class: str, recorded_on: datetime.date, *, calendar: WorkdayCalendar | None = None
) -> tuple[datetime.date | None, bool]:
    """The due date an issue of ``issue_class`` recorded on ``recorded_on`` would get, and whether
    it is provisional; ``(None, False)`` for class A. For the form preview and the API.

    ``recorded_on`` must lie between ``FIRST_DATE`` and ``LAST_DATE``: a count from a later day
    would run past the last date there is."""
    if issue_class not in IssueClass.values:
        raise ValidationError({"issue_class": _("Choose the class: A, B, C or D.")})
    if not FIRST_DATE <= recorded_on <= LAST_DATE:
        raise ValidationError({"recorded_on": _("Enter a date between 1900 and 9998.")})
    deadline = compute_deadline(
        calendar=calendar or load_calendar(), issue_class=issue_class, counted_from=recorded_on
    )
    return deadline.due_date, deadline.provisional


def working_days_left(
    issue: Issue, *, today: datetime.date | None = None, calendar: WorkdayCalendar | None = None
) -> int | None:
    """Working days from ``today`` to the due date: 0 on the due day, negative once overdue.

    An overdue issue reads at least -1 even on a weekend, when no working day has yet passed
    since the due date. ``None`` when the clock is not running (closed, or class A).
    """
    if not issue.is_open or issue.due_date is None:
        return None
    today = today or timezone.localdate()
    calendar = calendar or load_calendar()
    left = calendar.working_days_between(today, issue.due_date)
    if today > issue.due_date:
        left = min(left, -1)
    return left


def is_overdue(issue: Issue, *, now: datetime.datetime | None = None) -> bool:
    """Whether the issue's clock is running and its due date has ended (Asia/Shanghai)."""
    if not issue.is_open or issue.due_date is None:
        return False
    return is_past_deadline(issue.due_date, now or timezone.now())


def with_deadline_status(
    issues: Iterable[Issue], *, today: datetime.date | None = None, calendar: WorkdayCalendar | None = None
) -> list[Issue]:
    """Attach ``working_days_left`` and ``is_overdue`` to each issue, from one calendar (read when
    an issue's clock is running and none is given), no other queries."""
    today = today or timezone.localdate()
    rows = list(issues)
    if calendar is None and any(issue.is_open and issue.due_date is not None for issue in rows):
        calendar = load_calendar()  # only a running clock is counted: closed issues need none
    for issue in rows:
        issue.working_days_left = working_days_left(issue, today=today, calendar=calendar)
        issue.is_overdue = issue.is_open and issue.due_date is not None and today > issue.due_date
    return rows


# --- the calendar ----------------------------------------------------------------------------------


def calendar_year_statuses(*, today: datetime.date | None = None) -> list[YearStatus]:
    """Each year worth listing (the package's, the admin's, this year and the next) with its source."""
    return calendar_years(today=today or timezone.localdate())

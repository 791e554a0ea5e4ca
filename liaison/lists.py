"""Reads for the staff's lists of platforms, cadres, units and contacts, and the assignment board.

Each list is one scoped queryset (``liaison.access``: bureau staff and admins see everything, a
unit leader their units'), annotated in the database with the figures its rows show, so that a
page is a fixed number of queries whatever the number of rows. The FilterSets of
``liaison.filters`` filter these querysets; ``sort_rows`` orders them by a whitelisted key.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Page, Paginator
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from platforms.models import Platform

from .access import (
    cadres_handed_over_by,
    cadres_visible_to,
    contacts_visible_to,
    platforms_visible_to,
    roles_of,
    units_overseen_by,
)
from .models import Assignment, Cadre, Contact, Unit, user_full_name

from .selectors import open_issues_of, quarter_bounds, with_contact_figures, with_issue_figures


def _count(queryset: QuerySet, group: str) -> Coalesce:
    """The number of rows of ``queryset`` (already tied to the outer row), as a subquery; 0 for none."""
    counted = queryset.order_by().values(group).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _active_assignments_of_platform() -> QuerySet:
    return Assignment.objects.active().filter(platform_id=OuterRef("pk"))


# --- platforms -------------------------------------------------------------------------------------


def platform_rows(*, user, today: datetime.date) -> QuerySet:
    """The platforms ``user`` may see, each with its responsible cadre (``current_assignments``,
    prefetched; ``cadre_name`` and ``unit_sort_key`` to sort by), ``last_contact_date``,
    ``contacted_this_quarter``, ``open_issue_count`` and ``nearest_due_date``."""
    active = _active_assignments_of_platform()
    queryset = platforms_visible_to(user).annotate(
        has_cadre=Exists(active),
        cadre_name=Subquery(active.annotate(full=user_full_name("cadre__user")).values("full")[:1]),
        unit_sort_key=Subquery(active.values("cadre__unit__sort_key")[:1]),
    )
    queryset = with_issue_figures(with_contact_figures(queryset, today=today, platform_field="pk"), platform_field="pk")
    return queryset.prefetch_related(
        Prefetch(
            "assignments",
            queryset=Assignment.objects.active().select_related("cadre__user", "cadre__unit"),
            to_attr="current_assignments",
        )
    )


def search_platforms(queryset: QuerySet, text: str) -> QuerySet:
    """Platforms whose name, host institution or responsible cadre's full name contains ``text``."""
    by_cadre = _active_assignments_of_platform().alias(full=user_full_name("cadre__user")).filter(
        Q(full__icontains=text) | Q(cadre__user__username__icontains=text)
    )
    return queryset.filter(Q(name__icontains=text) | Q(host_institution__icontains=text) | Exists(by_cadre))


# --- cadres ----------------------------------------------------------------------------------------


def with_active_platform_count(queryset: QuerySet) -> QuerySet:
    """Cadres with ``active_platform_count``: the platforms they serve now (what
    ``selectors.incomplete_cadres`` reads)."""
    return queryset.annotate(
        active_platform_count=_count(Assignment.objects.active().filter(cadre_id=OuterRef("pk")), "cadre_id")
    )


def _issues_of_served_platforms(issues: QuerySet) -> Coalesce:
    """Summed over the platforms a cadre serves now: the count of ``issues`` (tied to each
    platform by ``OuterRef("platform_id")``). Responsibility follows the platform: a cadre
    answers for the open issues of the platforms they serve today, whoever recorded them."""
    per_assignment = (
        Assignment.objects.active()
        .filter(cadre_id=OuterRef("pk"))
        .order_by()
        .annotate(n=_count(issues, "platform_id"))
        .values("cadre_id")
        .annotate(total=Sum("n"))
        .values("total")
    )
    return Coalesce(Subquery(per_assignment, output_field=IntegerField()), Value(0))


def cadre_rows(*, user, today: datetime.date) -> QuerySet:
    """The cadres ``user`` may see, with ``full_name``, ``active_platform_count``,
    ``contacts_this_quarter``, ``open_issue_count`` and ``overdue_issue_count``."""
    quarter_start, quarter_end = quarter_bounds(today)
    open_issues = open_issues_of("platform_id")
    contacts = Contact.objects.filter(cadre_id=OuterRef("pk"), date__gte=quarter_start, date__lte=quarter_end)
    queryset = with_active_platform_count(cadres_visible_to(user)).annotate(
        full_name=user_full_name("user"),
        contacts_this_quarter=_count(contacts, "cadre_id"),
        open_issue_count=_issues_of_served_platforms(open_issues),
        overdue_issue_count=_issues_of_served_platforms(open_issues.filter(due_date__lt=today)),
    )
    return queryset.select_related("user", "unit")


def search_cadres(queryset: QuerySet, text: str) -> QuerySet:
    """Cadres whose full name (王小明), username, job title or unit contains ``text``."""
    return queryset.alias(searched_name=user_full_name("user")).filter(
        Q(searched_name__icontains=text)
        | Q(user__username__icontains=text)
        | Q(title__icontains=text)
        | Q(unit__name__icontains=text)
    )


# --- units -----------------------------------------------------------------------------------------


def unit_rows(*, user, today: datetime.date) -> QuerySet:
    """The units in the user's scope with ``leader_name``, ``cadre_count`` (active cadres),
    ``platform_count`` (platforms their cadres serve now) and ``covered_count`` (of those, the ones
    contacted this quarter)."""
    quarter_start, quarter_end = quarter_bounds(today)
    assignments = Assignment.objects.active().filter(cadre__unit_id=OuterRef("pk"))
    contacted = Contact.objects.filter(
        platform_id=OuterRef("platform_id"), date__gte=quarter_start, date__lte=quarter_end
    )
    return (
        units_overseen_by(user)
        .annotate(
            leader_name=user_full_name("leader"),
            cadre_count=_count(Cadre.objects.filter(unit_id=OuterRef("pk"), is_active=True), "unit_id"),
            platform_count=_count(assignments, "cadre__unit_id"),
            covered_count=_count(assignments.filter(Exists(contacted)), "cadre__unit_id"),
        )
        .select_related("leader")
    )


def search_units(queryset: QuerySet, text: str) -> QuerySet:
    """Units whose name or leader's full name contains ``text``."""
    return queryset.filter(Q(name__icontains=text) | Q(leader_name__icontains=text))


# --- contacts --------------------------------------------------------------------------------------


def contact_rows(*, user) -> QuerySet:
    """The contacts ``user`` may see, with their platform and cadre."""
    return contacts_visible_to(user).select_related("platform", "cadre__user", "cadre__unit")


def search_contacts(queryset: QuerySet, text: str) -> QuerySet:
    """Contacts whose platform, cadre (full name), people met or summary contains ``text``."""
    return queryset.alias(searched_name=user_full_name("cadre__user")).filter(
        Q(platform__name__icontains=text)
        | Q(searched_name__icontains=text)
        | Q(people_met__icontains=text)
        | Q(summary__icontains=text)
    )


# --- sorting ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sort:
    """A column a person may sort a list by: its ``key`` in ``?sort=`` (``-key`` for the reverse)
    and the fields it orders by, ascending."""

    key: str
    label: str
    fields: tuple[str, ...]


def _sorts(*sorts: Sort) -> dict[str, Sort]:
    return {sort.key: sort for sort in sorts}


PLATFORM_SORTS = _sorts(
    Sort("name", _("Name"), ("name",)),
    Sort("level", _("Level"), ("level", "name")),
    Sort("district", _("District or park"), ("district", "name")),
    Sort("cadre", _("Responsible cadre"), ("cadre_name", "name")),
    Sort("unit", _("Unit"), ("unit_sort_key", "name")),
    Sort("last_contact", _("Last contact"), ("last_contact_date", "name")),
    Sort("open_issues", _("Open issues"), ("open_issue_count", "name")),
)
CADRE_SORTS = _sorts(
    Sort("name", _("Full name"), ("full_name", "user__username")),
    Sort("unit", _("Unit"), ("unit__sort_key", "full_name")),
    Sort("platforms", _("Platforms served"), ("active_platform_count", "full_name")),
    Sort("contacts", _("Contacts this quarter"), ("contacts_this_quarter", "full_name")),
    Sort("open_issues", _("Open issues"), ("open_issue_count", "full_name")),
    Sort("overdue_issues", _("Overdue issues"), ("overdue_issue_count", "full_name")),
)
UNIT_SORTS = _sorts(
    Sort("name", _("Name"), ("sort_key", "name")),
    Sort("kind", _("Kind"), ("kind", "sort_key")),
    Sort("cadres", _("Cadres"), ("cadre_count", "sort_key")),
    Sort("platforms", _("Platforms"), ("platform_count", "sort_key")),
    Sort("covered", _("Covered this quarter"), ("covered_count", "sort_key")),
)
CONTACT_SORTS = _sorts(
    Sort("date", _("Date"), ("date", "created_at")),
    Sort("platform", _("Platform"), ("platform__name", "date")),
    Sort("cadre", _("Cadre"), ("cadre__user__last_name", "cadre__user__first_name", "date")),
    Sort("kind", _("Kind"), ("kind", "date")),
)


def sort_rows(queryset: QuerySet, *, sort: str, sorts: dict[str, Sort], default: str) -> tuple[QuerySet, str]:
    """``queryset`` ordered by ``sort`` (a key of ``sorts``, ``-`` first for the reverse; an
    unknown key gives ``default``), the primary key last so that pages never overlap. Returns the
    queryset and the sort applied. Empty values go last either way."""
    key = sort.removeprefix("-")
    if key not in sorts:
        sort, key = default, default.removeprefix("-")
    descending = sort.startswith("-")
    order = []
    for name in sorts[key].fields:
        # NULLS LAST only where a value may be empty: on a column that is never empty it is no
        # order an index can give, and the whole list would be sorted for one page.
        nulls_last = True if _may_be_empty(queryset.model, name) else None
        order.append(F(name).desc(nulls_last=nulls_last) if descending else F(name).asc(nulls_last=nulls_last))
    return queryset.order_by(*order, "-pk" if descending else "pk"), sort


def _may_be_empty(model, path: str) -> bool:
    """Whether ``path`` (a field, through relations) may be NULL on a row of ``model``; an
    annotation's may."""
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return True
        if field.null:
            return True
        model = field.related_model
        if model is None:
            return False
    return False


# --- the assignment board --------------------------------------------------------------------------


@dataclass
class BoardUnit:
    unit: Unit
    #: Active cadres, and the platforms they serve now.
    cadre_count: int
    platform_count: int
    #: Active cadres serving fewer than the minimum, and those at the maximum (with
    #: ``active_platform_count``, and ``can_hand_over``: whether the user may hand their platforms over).
    below_minimum: list[Cadre] = field(default_factory=list)
    at_maximum: list[Cadre] = field(default_factory=list)

    @property
    def room(self) -> int:
        """Platforms the unit's active cadres could still take before each is at the maximum."""
        return max(0, self.cadre_count * settings.PORTAL["MAX_PLATFORMS_PER_CADRE"] - self.platform_count)

    @property
    def needs_attention(self) -> bool:
        return bool(self.below_minimum)


@dataclass
class AssignmentBoard:
    units: list[BoardUnit]
    #: The page of units shown (``units``' page of the user's units).
    page: Page
    #: Active platforms without a responsible cadre (at most ``BOARD_PLATFORM_ROWS``), and how many in all.
    unassigned: list[Platform]
    unassigned_count: int
    minimum: int
    maximum: int


#: The board lists this many platforms without a cadre; the platform list has the rest.
BOARD_PLATFORM_ROWS = 50
#: Units per page of the board.
BOARD_UNIT_ROWS = 50


def _has_cadres_below(minimum: int, unit_ids: list[int] | None) -> Expression:
    """Whether a unit (of ``unit_ids``, or any) has an active cadre serving fewer than ``minimum``
    platforms. Every unit of the board is ordered by it: one set of units, read once (the cadres
    outside those that serve enough, counted in one pass over the active assignments), not a count
    per cadre of every unit (28 ms to 12 ms at national scale, with the index assignment_active_cadre)."""
    if minimum <= 0:
        return Value(False)
    cadres, assignments = Cadre.objects.filter(is_active=True), Assignment.objects.active()
    if unit_ids is not None:
        cadres, assignments = cadres.filter(unit_id__in=unit_ids), assignments.filter(cadre__unit_id__in=unit_ids)
    # COUNT(*), not of the ids: the cadres are counted from the index alone (assignment_active_cadre).
    serving_enough = assignments.order_by().values("cadre_id").annotate(n=Count("*")).filter(n__gte=minimum)
    below = cadres.exclude(pk__in=serving_enough.values("cadre_id")).values("unit_id")
    return ExpressionWrapper(Q(pk__in=below), output_field=BooleanField())


def assignment_board(*, user, page_number=None) -> AssignmentBoard:
    """Per unit in the user's scope, those with cadres below the minimum first, a page of
    ``BOARD_UNIT_ROWS``: its cadres below the minimum and at the maximum, and its room; and the
    active platforms the user may see without a cadre. Seven queries."""
    minimum = settings.PORTAL["MIN_PLATFORMS_PER_CADRE"]
    maximum = settings.PORTAL["MAX_PLATFORMS_PER_CADRE"]
    roles = roles_of(user)
    units = units_overseen_by(user).annotate(
        cadre_count=_count(Cadre.objects.filter(unit_id=OuterRef("pk"), is_active=True), "unit_id"),
        platform_count=_count(
            Assignment.objects.active().filter(cadre__unit_id=OuterRef("pk"), cadre__is_active=True), "cadre__unit_id"
        ),
        needs_attention=_has_cadres_below(minimum, None if roles.sees_everything else roles.led_unit_ids),
    ).order_by("-needs_attention", "sort_key", "name", "pk")
    # The units needing attention first, a page at a time: a province's 1,900 units are no board.
    page = Paginator(units, BOARD_UNIT_ROWS).get_page(page_number)
    rows = {
        unit.pk: BoardUnit(unit=unit, cadre_count=unit.cadre_count, platform_count=unit.platform_count)
        for unit in page
    }
    in_scope = cadres_visible_to(user, Cadre.objects.filter(unit_id__in=list(rows), is_active=True))
    cadres = list(
        with_active_platform_count(in_scope)
        .filter(Q(active_platform_count__lt=minimum) | Q(active_platform_count__gte=maximum))
        .select_related("user")
        .order_by("active_platform_count", "user__last_name", "user__first_name", "pk")
    )
    handed_over_by_user = set(
        cadres_handed_over_by(user, Cadre.objects.filter(pk__in=[c.pk for c in cadres])).values_list("pk", flat=True)
    )
    for cadre in cadres:
        cadre.can_hand_over = cadre.pk in handed_over_by_user
        row = rows[cadre.unit_id]
        (row.below_minimum if cadre.active_platform_count < minimum else row.at_maximum).append(cadre)

    unassigned = (
        platforms_visible_to(user)
        .filter(is_active=True)
        # NOT IN a hashed list of the served platforms: NOT EXISTS made PostgreSQL walk the names'
        # index, probing each platform's assignment, to find the few (or none) without one.
        .exclude(pk__in=Assignment.objects.active().values("platform_id"))
        .order_by("name", "pk")
    )
    # One scan for both the count and the first rows (their ids, then the rows): a count and a
    # page were two scans of every platform and every assignment at national scale.
    unassigned_ids = list(unassigned.values_list("pk", flat=True))
    first = Platform.objects.in_bulk(unassigned_ids[:BOARD_PLATFORM_ROWS])
    return AssignmentBoard(
        units=list(rows.values()),
        page=page,
        unassigned=[first[pk] for pk in unassigned_ids[:BOARD_PLATFORM_ROWS]],
        unassigned_count=len(unassigned_ids),
        minimum=minimum,
        maximum=maximum,
    )

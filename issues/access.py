"""Who may see an issue and who may act on it: the predicates every service, page and API view uses.

Roles come from ``liaison.access.roles_of``. Responsibility follows the platform (first-inquiry
responsibility): the cadre who may act on an issue is the platform's *current* cadre, whoever
recorded it. The steward roles for most actions are that cadre, the leader of that cadre's unit,
and bureau staff (admins too, who hold every permission in the admin site).
"""

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from liaison.access import in_any_of, roles_of, served_now_by, serves_platform_on
from liaison.models import Assignment, Cadre
from platforms.models import Platform

from .models import Issue, PlatformNeed, Supervision


def issues_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """Issues the user may see.

    Bureau staff and admins: all. A cadre: the issues of the platforms they serve now, and those
    they recorded themselves. A unit leader: the issues of their units' cadres' platforms, and
    those handed over to their units (as lead or cooperating unit) for them to solve.
    """
    queryset = Issue.objects.all() if queryset is None else queryset
    roles = roles_of(user)
    if roles.sees_everything:
        return queryset
    keys = []
    if roles.is_cadre or roles.is_unit_leader:
        keys.append(Issue.objects.filter(served_now_by(roles)).values("pk"))
    if roles.is_cadre:
        keys.append(Issue.objects.filter(recorded_by=roles.cadre).values("pk"))
    if roles.is_unit_leader:
        units = roles.led_unit_ids
        keys.append(Issue.objects.filter(handed_to_unit_id__in=units).values("pk"))
        keys.append(Issue.cooperating_units.through.objects.filter(unit_id__in=units).values("issue_id"))
    return in_any_of(queryset, keys)


def responsible_cadre(issue: Issue) -> Cadre | None:
    """The platform's current responsible cadre, with their user and unit (one query, cached on
    the issue object)."""
    if not hasattr(issue, "_responsible_cadre"):
        assignment = (
            Assignment.objects.active().filter(platform_id=issue.platform_id)
            .select_related("cadre__user", "cadre__unit").first()
        )
        issue._responsible_cadre = assignment.cadre if assignment else None
    return issue._responsible_cadre


def forget_responsible_cadre(issue: Issue) -> None:
    issue.__dict__.pop("_responsible_cadre", None)


def _is_responsible_cadre(user, issue: Issue) -> bool:
    cadre = roles_of(user).cadre
    current = responsible_cadre(issue)
    return cadre is not None and current is not None and current.pk == cadre.pk


def _leads_responsible_unit(user, issue: Issue) -> bool:
    current = responsible_cadre(issue)
    return current is not None and current.unit_id in roles_of(user).led_unit_ids


def _is_steward(user, issue: Issue) -> bool:
    return roles_of(user).supervises or _is_responsible_cadre(user, issue) or _leads_responsible_unit(user, issue)


# --- predicates, one per action ------------------------------------------------------------------


def can_view_issue(user, issue: Issue) -> bool:
    if getattr(issue, "_visible_to_user_id", None) == user.pk:
        return True
    return issues_visible_to(user).filter(pk=issue.pk).exists()


def seen_through_visibility(issue: Issue, user) -> Issue:
    """Mark ``issue`` as read through ``issues_visible_to(user)`` in this request: ``can_view_issue``
    need not ask the database again about the object it was just given."""
    issue._visible_to_user_id = user.pk
    return issue


def can_create_issue(user, *, platform: Platform, on: datetime.date) -> bool:
    """Only the cadre responsible for the platform on the recorded date records its issues."""
    return serves_platform_on(user, platform=platform, on=on)


def can_reclassify_issue(user, issue: Issue) -> bool:
    return _is_steward(user, issue)


def can_hand_over_issue(user, issue: Issue) -> bool:
    return _is_steward(user, issue)


def can_comment_on_issue(user, issue: Issue) -> bool:
    return can_view_issue(user, issue)


def can_request_extension(user, issue: Issue) -> bool:
    """The responsible cadre asks; bureau staff decide."""
    return _is_responsible_cadre(user, issue)


def can_decide_extension(user, issue: Issue | None = None) -> bool:
    """Bureau staff only: the design gives the approval of extensions to them alone."""
    return roles_of(user).is_bureau_staff


def _leads_handling_unit(user, issue: Issue) -> bool:
    return issue.handed_to_unit_id is not None and issue.handed_to_unit_id in roles_of(user).led_unit_ids


def can_determine_solution(user, issue: Issue) -> bool:
    """The stewards, and the leader of the unit the issue was handed over to (it does the work)."""
    return _is_steward(user, issue) or _leads_handling_unit(user, issue)


def can_resolve_issue(user, issue: Issue) -> bool:
    return _is_steward(user, issue) or _leads_handling_unit(user, issue)


def can_reopen_issue(user, issue: Issue) -> bool:
    return _is_steward(user, issue)


def can_rate_issue(user, issue: Issue) -> bool:
    """The platform rates; its responsible cadre enters the rating on its behalf."""
    return _is_responsible_cadre(user, issue)


def can_manage_calendar(user) -> bool:
    return roles_of(user).is_admin


# --- supervision (督办) ------------------------------------------------------------------------------


def supervisions_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """Supervisions the user may see in the supervision list and the API.

    Bureau staff, admins and the office's leader: all. A unit leader: those of their units (the
    unit responsible when it was opened, or the unit of the platform's cadre now). A cadre: those
    of their own issues (the platforms they serve now, and the issues they recorded).
    """
    queryset = Supervision.objects.all() if queryset is None else queryset
    roles = roles_of(user)
    if roles.sees_everything:
        return queryset
    active = Assignment.objects.active().filter(platform=OuterRef("issue__platform_id"))
    condition = Q(pk__in=[])
    if roles.is_unit_leader:
        condition |= Q(unit_id__in=roles.led_unit_ids) | Exists(active.filter(cadre__unit_id__in=roles.led_unit_ids))
    if roles.is_cadre:
        condition |= Exists(active.filter(cadre=roles.cadre)) | Q(issue__recorded_by=roles.cadre)
    return queryset.filter(condition)


def live_supervision(issue: Issue) -> Supervision | None:
    """The issue's open or replied supervision (one query, cached on the issue object)."""
    if not hasattr(issue, "_live_supervision"):
        live = Supervision.objects.live().filter(issue_id=issue.pk).select_related("unit", "opened_by", "replied_by").first()
        if live is not None:
            live.issue = issue  # the same object: its responsible cadre is read once
        issue._live_supervision = live
    return issue._live_supervision


def remember_live_supervision(issue: Issue, supervisions: list[Supervision]) -> None:
    """``live_supervision`` from the issue's supervisions already read (its page lists them all):
    the one that is live, without a second query."""
    live = next((s for s in supervisions if s.is_live), None)
    if live is not None:
        live.issue = issue
    issue._live_supervision = live


def can_supervise(user, issue: Issue | None = None) -> bool:
    """Open, close and renew a supervision: bureau staff and admins (the office chases late work)."""
    return roles_of(user).supervises


def can_reply_to_supervision(user, supervision: Supervision) -> bool:
    """The leader of the responsible unit (as at opening, or the unit of the platform's cadre now),
    the platform's responsible cadre now, and bureau staff (writing down a reply given on paper)."""
    if supervision is None:
        return False
    roles = roles_of(user)
    if roles.supervises or supervision.unit_id in roles.led_unit_ids:
        return True
    issue = supervision.issue
    return _is_responsible_cadre(user, issue) or _leads_responsible_unit(user, issue)


def can_reply_on_issue(user, issue: Issue) -> bool:
    """Whether ``user`` may reply to the issue's supervision (the issue page's gate). With none live,
    the issue's stewards pass, so that a page left open answers "reload" rather than 403."""
    live = live_supervision(issue)
    if live is None:
        return _is_steward(user, issue)
    return can_reply_to_supervision(user, live)


# --- needs a platform raised (issues.needs) --------------------------------------------------------


def needs_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """Needs the user may see and classify.

    Bureau staff and admins: all. A cadre: those of the platforms they serve now. A unit leader:
    those of their units' cadres' platforms (an unclassified need is escalated to them).
    """
    queryset = PlatformNeed.objects.all() if queryset is None else queryset
    roles = roles_of(user)
    if roles.supervises:
        return queryset
    # Not platforms_visible_to: the office's leader sees every platform but classifies only the
    # needs of the units they lead.
    return queryset.filter(served_now_by(roles))


def can_classify_need(user, need: PlatformNeed) -> bool:
    """The platform's responsible cadre now, their unit's leader, bureau staff and admins."""
    return needs_visible_to(user).filter(pk=need.pk).exists()


def can_enter_need(user, *, platform: Platform, on: datetime.date) -> bool:
    """Only the platform's responsible cadre enters a need on its behalf."""
    return serves_platform_on(user, platform=platform, on=on)

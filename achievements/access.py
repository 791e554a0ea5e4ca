"""Who may see an achievement and who may act on it: the predicates every service, page and API
view uses.

Roles come from ``liaison.access.roles_of``. The stewards of an achievement are the platform's
responsible cadre now, the cadre who collected it (credited with it for good), the leader of the
responsible cadre's unit, bureau staff and admins.
"""

import datetime

from django.db.models import QuerySet

from liaison.access import in_any_of, roles_of, served_now_by, serves_platform_on
from liaison.models import Assignment, Unit
from platforms.models import Platform

from .models import Achievement, Demand, Match, ServiceRecord


def achievements_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """Achievements the user may see.

    Bureau staff, admins and the office's leader: all. A cadre: those of the platforms they serve
    now, and those they collected. A unit leader: those of their units' cadres' platforms, those
    their units' cadres collected, and those landing in their units.
    """
    queryset = Achievement.objects.all() if queryset is None else queryset
    roles = roles_of(user)
    if roles.sees_everything:
        return queryset
    keys = []
    if roles.is_cadre or roles.is_unit_leader:
        keys.append(Achievement.objects.filter(served_now_by(roles)).values("pk"))
    if roles.is_cadre:
        keys.append(Achievement.objects.filter(collected_by=roles.cadre).values("pk"))
    if roles.is_unit_leader:
        units = roles.led_unit_ids
        keys.append(Achievement.objects.filter(collected_by__unit_id__in=units).values("pk"))
        keys.append(Achievement.objects.filter(landing_unit_id__in=units).values("pk"))
    return in_any_of(queryset, keys)


def achievements_stewarded_by(user, queryset: QuerySet | None = None) -> QuerySet:
    """The achievements ``user`` is a steward of (``can_change_achievement``), as one query: for a
    list, where asking achievement by achievement would cost a query each."""
    queryset = Achievement.objects.all() if queryset is None else queryset
    roles = roles_of(user)
    if roles.supervises:
        return queryset
    keys = [Achievement.objects.filter(served_now_by(roles)).values("pk")]
    if roles.cadre is not None:
        keys.append(Achievement.objects.filter(collected_by=roles.cadre).values("pk"))
    return in_any_of(queryset, keys)


def can_view_achievement(user, achievement: Achievement) -> bool:
    return achievements_visible_to(user).filter(pk=achievement.pk).exists()


def can_collect_achievement(user, *, platform: Platform, on: datetime.date) -> bool:
    """Only the cadre responsible for the platform on the day collects its achievements."""
    return serves_platform_on(user, platform=platform, on=on)


def can_change_achievement(user, achievement: Achievement) -> bool:
    """Update, assess, advance, transform, drop and step back: the stewards."""
    if roles_of(user).supervises:
        return True
    return achievements_stewarded_by(user).filter(pk=achievement.pk).exists()


def can_comment_on_achievement(user, achievement: Achievement) -> bool:
    return can_view_achievement(user, achievement)


def can_export_achievements(user) -> bool:
    """The Excel export is for bureau staff and unit leaders."""
    roles = roles_of(user)
    return roles.sees_everything or roles.is_unit_leader


# --- demands and matches -------------------------------------------------------------------------

#: The kinds of unit that raise technology demands: places, not city departments.
DEMAND_UNIT_KINDS = (Unit.Kind.DISTRICT, Unit.Kind.PARK)


def demand_unit_ids(user) -> frozenset[int]:
    """The districts, counties and parks ``user`` raises demands for: the unit they serve as a
    cadre and the units they lead (any such unit for bureau staff and admins: see ``can_raise_demand_for``)."""
    roles = roles_of(user)
    ids = set(roles.led_unit_ids)
    if roles.cadre is not None:
        ids.add(roles.cadre.unit_id)
    return frozenset(ids)


def demand_units_for(user) -> QuerySet:
    """The units ``user`` may raise a demand for, in the units' order."""
    units = Unit.objects.filter(kind__in=DEMAND_UNIT_KINDS)
    if roles_of(user).supervises:
        return units
    return units.filter(pk__in=demand_unit_ids(user))


def demands_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """Demands are published to the whole scheme so that any cadre may find one for an achievement:
    everyone with a role in the portal sees them all; a user with none sees none."""
    queryset = Demand.objects.all() if queryset is None else queryset
    return queryset if roles_of(user).primary is not None else queryset.none()


def can_raise_demand(user) -> bool:
    return roles_of(user).supervises or demand_units_for(user).exists()


def can_change_demand(user, demand: Demand) -> bool:
    """Edit, close and reopen: the demand unit's cadres and leader, bureau staff and admins."""
    roles = roles_of(user)
    return roles.supervises or demand.unit_id in demand_unit_ids(user)


def can_confirm_match(user, *, achievement: Achievement, demand: Demand) -> bool:
    """A steward of the achievement, or the demand's unit."""
    return can_change_achievement(user, achievement) or can_change_demand(user, demand)


def can_change_match(user, match: Match) -> bool:
    return can_confirm_match(user, achievement=match.achievement, demand=match.demand)


def matches_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """Matches of the achievements the user may see, and of their units' demands."""
    queryset = Match.objects.all() if queryset is None else queryset
    roles = roles_of(user)
    if roles.sees_everything:
        return queryset
    if roles.primary is None:
        return queryset.none()
    return in_any_of(queryset, [
        Match.objects.filter(achievement_id__in=achievements_visible_to(user).values("pk")).values("pk"),
        Match.objects.filter(demand__unit_id__in=demand_unit_ids(user)).values("pk"),
    ])


# --- service records ---------------------------------------------------------------------------------


def service_records_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """Service records the user may see, as achievements: bureau staff, admins and the office's
    leader all; a cadre those of the platforms they serve now and those credited to them; a unit
    leader those of their units' cadres' platforms and those credited to their units' cadres."""
    queryset = ServiceRecord.objects.all() if queryset is None else queryset
    roles = roles_of(user)
    if roles.sees_everything:
        return queryset
    keys = []
    if roles.is_cadre or roles.is_unit_leader:
        keys.append(ServiceRecord.objects.filter(served_now_by(roles)).values("pk"))
    if roles.is_cadre:
        keys.append(ServiceRecord.objects.filter(given_by=roles.cadre).values("pk"))
    if roles.is_unit_leader:
        keys.append(ServiceRecord.objects.filter(given_by__unit_id__in=roles.led_unit_ids).values("pk"))
    return in_any_of(queryset, keys)


def can_record_service(user, *, platform: Platform, on: datetime.date) -> bool:
    """The cadre responsible for the platform on the day, bureau staff and admins record its services
    (unit leaders read them)."""
    return roles_of(user).supervises or serves_platform_on(user, platform=platform, on=on)


def can_change_service_record(user, record: ServiceRecord) -> bool:
    """Correct or delete: the cadre credited with it, the platform's responsible cadre now, bureau
    staff and admins."""
    roles = roles_of(user)
    if roles.supervises:
        return True
    if roles.cadre is None:
        return False
    if roles.cadre.pk == record.given_by_id:
        return True
    return Assignment.objects.active().filter(platform_id=record.platform_id, cadre=roles.cadre).exists()


def can_export_service_records(user) -> bool:
    """The Excel export is for bureau staff and unit leaders, as the achievements'."""
    return can_export_achievements(user)

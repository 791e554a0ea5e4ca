"""Who sees which figures: bureau staff (and admins, and the office's leader) every cadre and unit;
a unit leader their units and those units' cadres; a cadre their own figures only."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from issues.models import DispatchReport

from liaison.access import roles_of


@dataclass(frozen=True)
class Scope:
    everything: bool
    unit_ids: frozenset
    cadre_id: int | None
    #: The unit of the user's own cadre role, if any.
    cadre_unit_id: int | None = None

    def sees_cadre(self, cadre_id: int, unit_id: int | None) -> bool:
        return self.everything or unit_id in self.unit_ids or cadre_id == self.cadre_id

    def sees_unit(self, unit_id: int) -> bool:
        return self.everything or unit_id in self.unit_ids

    def cadre_unit_ids(self, all_unit_ids) -> list[int]:
        """The units among ``all_unit_ids`` whose cadres' rows the user may see some of: the units
        they see, and their own cadre's."""
        return [unit_id for unit_id in all_unit_ids if self.sees_unit(unit_id) or unit_id == self.cadre_unit_id]

    @property
    def sees_units(self) -> bool:
        """Whether the unit scoreboard has anything for this user."""
        return self.everything or bool(self.unit_ids)


def evaluation_scope(user) -> Scope:
    """The user's scope; ``PermissionDenied`` for a user with no role in the scheme."""
    roles = roles_of(user)
    if roles.sees_everything:
        return Scope(everything=True, unit_ids=frozenset(), cadre_id=None)
    if not (roles.is_unit_leader or roles.is_cadre):
        raise PermissionDenied
    return Scope(everything=False, unit_ids=frozenset(roles.led_unit_ids),
                 cadre_id=roles.cadre.pk if roles.cadre else None,
                 cadre_unit_id=roles.cadre.unit_id if roles.cadre else None)


def can_set_weights(user) -> bool:
    return roles_of(user).supervises


# --- dispatch reports


def sees_reports(user) -> bool:
    """A dispatch report covers every unit: bureau staff, admins and the office's leader see the
    reports (``Roles.sees_everything``); unit leaders and cadres do not."""
    return roles_of(user).sees_everything


def reports_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """The stored dispatch reports ``user`` may open: all of them, or none."""
    queryset = DispatchReport.objects.all() if queryset is None else queryset
    return queryset if sees_reports(user) else queryset.none()

"""Who may see what: the few shared access checks every page and API view uses.

Roles (a user may hold several):
- admin: a superuser; manages units, cadres, platforms, assignments and the calendar.
- bureau staff: a member of the ``bureau_staff`` group; sees everything and supervises.
- unit leader: the leader of one or more units; sees those units' cadres, platforms and issues.
- cadre: a user with an active cadre profile; sees their own platforms, contacts and issues.

The role facts are read once per request and cached on the user object.
"""

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.query import ModelIterable
from django.http import Http404
from django.utils import timezone

from platforms.models import Platform

from .models import BUREAU_STAFF_GROUP, Assignment, Cadre, Contact, Unit


@dataclass(frozen=True)
class Roles:
    is_admin: bool
    is_bureau_staff: bool
    cadre: Cadre | None
    led_unit_ids: frozenset[int]
    #: Leads the office (市委科技办), which is over all units and receives every office escalation.
    leads_office: bool = False

    @property
    def sees_everything(self) -> bool:
        # The office's leader is told of any unit's overdue issue, so must be able to open it.
        return self.is_admin or self.is_bureau_staff or self.leads_office

    @property
    def supervises(self) -> bool:
        """Bureau staff and admins: may act on any unit's records (the office's leader only sees them)."""
        return self.is_admin or self.is_bureau_staff

    @property
    def is_unit_leader(self) -> bool:
        return bool(self.led_unit_ids)

    @property
    def is_cadre(self) -> bool:
        return self.cadre is not None

    @property
    def primary(self) -> str | None:
        """The role whose home page the user lands on after signing in."""
        if self.is_admin:
            return "admin"
        if self.is_bureau_staff:
            return "bureau"
        if self.is_unit_leader:
            return "leader"
        if self.is_cadre:
            return "cadre"
        return None


NO_ROLES = Roles(is_admin=False, is_bureau_staff=False, cadre=None, led_unit_ids=frozenset())


def roles_of(user) -> Roles:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_ROLES
    cached = getattr(user, "_portal_roles", None)
    if cached is not None:
        return cached
    roles = _read_roles(user)
    user._portal_roles = roles
    return roles


def _read_roles(user) -> Roles:
    """The user's roles from the database: one query for a cadre who leads no unit (the cadre
    with whether the user is bureau staff and leads a unit), a second for a leader's units; three,
    as before, for a user who is no cadre."""
    member = get_user_model().groups.through.objects.filter(user_id=OuterRef("user_id"), group__name=BUREAU_STAFF_GROUP)
    found = list(
        Cadre.objects.select_related("unit", "user").filter(user=user, is_active=True)
        .annotate(in_bureau_group=Exists(member), leads_a_unit=Exists(Unit.objects.filter(leader=OuterRef("user_id"))))
        .order_by()[:1]
    )
    cadre = found[0] if found else None
    if cadre is not None:
        is_bureau_staff, leads = cadre.__dict__.pop("in_bureau_group"), cadre.__dict__.pop("leads_a_unit")
    else:
        is_bureau_staff, leads = user.groups.filter(name=BUREAU_STAFF_GROUP).exists(), True
    led = dict(Unit.objects.filter(leader=user).values_list("id", "is_office")) if leads else {}
    return Roles(
        is_admin=user.is_superuser,
        is_bureau_staff=is_bureau_staff,
        cadre=cadre,
        led_unit_ids=frozenset(led),
        leads_office=any(led.values()),
    )


def forget_roles(user) -> None:
    """Drop the cached roles, after a change to the user's cadre profile or units."""
    user.__dict__.pop("_portal_roles", None)


# --- scoped querysets ---------------------------------------------------------------------------


def platforms_served_now(roles: Roles) -> QuerySet:
    """The ids of the platforms served now by the user's own cadre role or by a cadre of a unit they
    lead (a query to use as a subquery): the rule every record of a platform (the platform itself,
    its issues, needs and achievements) is seen by, short of seeing all."""
    condition = Q(pk__in=[])
    if roles.is_unit_leader:
        condition |= Q(cadre__unit_id__in=roles.led_unit_ids)
    if roles.is_cadre:
        condition |= Q(cadre=roles.cadre)
    return Assignment.objects.active().filter(condition).values("platform_id")


def served_now_by(roles: Roles, platform_field: str = "platform_id") -> Q:
    """Whether the row's platform (``platform_field``) is served now by the user's roles
    (``platforms_served_now``): the few platforms' keys first, then the field's index
    (``config.lookups``)."""
    return Q(**{f"{platform_field}__in_array": platforms_served_now(roles)})


def in_any_of(queryset: QuerySet, keys: list[QuerySet]) -> QuerySet:
    """The rows of ``queryset`` whose key is in any of ``keys`` (querysets of one column of keys),
    as one ``IN (… UNION …)``.

    Why not an OR of the conditions: PostgreSQL cannot serve "served now, or recorded by me, or
    handed to my unit" from the conditions' indexes when they are OR-ed across tables, so it reads
    every row of the table to test each (150,000 issues to find 15 at national scale). Each part of
    the union is read from its own index, and the few keys found are looked up by primary key
    (``config.lookups``; bench/README.md, "Every page at national scale")."""
    if not keys:
        return queryset.none()
    union = keys[0].order_by()
    if len(keys) > 1:
        union = union.union(*(key.order_by() for key in keys[1:]))
    return queryset.filter(pk__in_array=union)


def platforms_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """Platforms the user may see: all for bureau staff; a leader's units'; a cadre's own."""
    queryset = Platform.objects.all() if queryset is None else queryset
    roles = roles_of(user)
    if roles.sees_everything:
        return queryset
    return queryset.filter(served_now_by(roles, "pk"))


def cadres_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Cadre.objects.all() if queryset is None else queryset
    roles = roles_of(user)
    if roles.sees_everything:
        return queryset
    condition = Q(pk__in=[])
    if roles.is_unit_leader:
        condition |= Q(unit_id__in=roles.led_unit_ids)
    if roles.is_cadre:
        condition |= Q(pk=roles.cadre.pk)
    return queryset.filter(condition)


def may_hand_over_cadres(user) -> bool:
    """Admins hand over any cadre who leaves; a unit leader those of the units they lead."""
    roles = roles_of(user)
    return roles.is_admin or roles.is_unit_leader


def cadres_handed_over_by(user, queryset: QuerySet | None = None) -> QuerySet:
    """The cadres whose leaving ``user`` may hand over (``may_hand_over_cadres``): all for an admin,
    a leader's units' cadres for a unit leader (not other units', though bureau staff's sight is wider)."""
    queryset = Cadre.objects.all() if queryset is None else queryset
    roles = roles_of(user)
    if roles.is_admin:
        return queryset
    return queryset.filter(unit_id__in=roles.led_unit_ids)


def _scoped_by_cadre(user, queryset: QuerySet) -> QuerySet:
    """Rows with a ``cadre``: a cadre's own; a leader's units' cadres'; everything for the bureau."""
    roles = roles_of(user)
    if roles.sees_everything:
        return queryset
    # The cadres' keys first, then the rows' cadre index (not an OR across the join to the cadre's unit).
    return queryset.filter(cadre_id__in_array=cadres_visible_to(user).values("pk"))


def assignments_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    return _scoped_by_cadre(user, Assignment.objects.all() if queryset is None else queryset)


def contacts_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """Contacts the user may see: a cadre their own; a leader their units' cadres'."""
    return _scoped_by_cadre(user, Contact.objects.all() if queryset is None else queryset)


def units_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """Units are the scheme's public structure: every signed-in user may see them."""
    queryset = Unit.objects.all() if queryset is None else queryset
    return queryset if roles_of(user).primary else queryset.none()


def units_overseen_by(user, queryset: QuerySet | None = None) -> QuerySet:
    """Units whose cadres, platforms and contacts the user oversees (the staff's lists): all for
    those who see everything, a leader's own units, none for anyone else."""
    queryset = units_visible_to(user, queryset)
    roles = roles_of(user)
    return queryset if roles.sees_everything else queryset.filter(pk__in=roles.led_unit_ids)


def choices_for_request(visible_to, queryset: QuerySet | None = None):
    """A filter's choices as a callable of the request (django-filter's ``queryset=``): the rows
    ``visible_to(user, queryset)`` lets the request's user see, none without a request, so that no
    filter form (the browsable API's included) names what its reader may not see."""

    def choices(request) -> QuerySet:
        return visible_to(getattr(request, "user", None), queryset)

    return choices


def get_visible_or_404(queryset: QuerySet, **lookup):
    """The one object from an already scoped queryset, or 404 (never 403: do not leak existence).
    An id that is no id (``/cadres/null,null/``, which the URL's pattern lets through) is no object:
    404 too, as DRF's own ``get_object_or_404`` answers."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, TypeError, ValueError, ValidationError):
        raise Http404 from None


def serves_platform_on(user, *, platform: Platform, on) -> bool:
    """Whether ``user`` is the cadre responsible for ``platform`` on the day ``on``: the one who
    records what the platform raises that day (its contacts' issues, its achievements)."""
    cadre = roles_of(user).cadre
    return cadre is not None and Assignment.objects.covering(on).filter(platform=platform, cadre=cadre).exists()


def may_manage_platform_links(user, *, platform: Platform) -> bool:
    """Whether ``user`` may show, revoke and reissue ``platform``'s links (voice): its
    responsible cadre today, or an admin."""
    return roles_of(user).is_admin or serves_platform_on(user, platform=platform, on=timezone.localdate())


class ReadWholeOnSlice(QuerySet):
    """A queryset of a few rows (a cadre's 2 to 4 platforms) that a slice, an index or a ``get``
    by primary key reads whole, once: the contact form finds the platform named in its address
    (``get(pk=...)``) or asks "is there only one?" (``[:2]``), then checks the one chosen among
    them (``liaison.forms.PlatformChoiceField``) and whether there are any (``exists()``), from
    one read. Filtering or ordering it again makes a new queryset, read afresh."""

    def _read_whole(self) -> bool:
        if self._iterable_class is not ModelIterable or self.query.is_sliced:
            return False
        self._fetch_all()
        return True

    def __getitem__(self, k):
        if self._result_cache is None:
            self._read_whole()
        return super().__getitem__(k)

    def get(self, *args, **kwargs):
        if args or set(kwargs) != {"pk"} or not isinstance(kwargs["pk"], int) or not self._read_whole():
            return super().get(*args, **kwargs)
        for row in self._result_cache:
            if row.pk == kwargs["pk"]:
                return row
        raise self.model.DoesNotExist(f"{self.model._meta.object_name} matching query does not exist.")


def platforms_loggable_by(user) -> QuerySet:
    """The platforms the user may log a contact for: those they serve now, as a cadre (a
    ``ReadWholeOnSlice``: they are few)."""
    roles = roles_of(user)
    if roles.cadre is None:
        return Platform.objects.none()
    serving = Assignment.objects.active().filter(platform=OuterRef("pk"), cadre=roles.cadre)
    return ReadWholeOnSlice(Platform).filter(Exists(serving)).order_by("name")


#: A role's key in ``Roles.primary`` -> whether the user holds it.
_HOLDS = {
    "admin": lambda roles: roles.is_admin,
    "bureau": lambda roles: roles.sees_everything,
    "leader": lambda roles: roles.is_unit_leader,
    "cadre": lambda roles: roles.is_cadre,
}


def role_required(*role_names):
    """The page is for users holding one of ``role_names`` (keys of ``Roles.primary``): others
    are sent to sign in, or get 403 once signed in."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            roles = roles_of(request.user)
            if not any(_HOLDS[name](roles) for name in role_names):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator

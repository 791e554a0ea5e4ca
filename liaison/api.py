"""The API for units, cadres, assignments and contacts.

Reads are scoped by ``liaison.access``; every change goes through ``liaison.services``. Units,
cadres and assignments are changed by admins (a leaving cadre's hand-over also by the leader of
their unit); contacts are logged by cadres.
"""

from contextlib import contextmanager

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from notices.idempotency import idempotent

from . import selectors, services
from .access import (
    assignments_visible_to,
    cadres_handed_over_by,
    cadres_visible_to,
    contacts_visible_to,
    get_visible_or_404,
    may_hand_over_cadres,
    roles_of,
    units_visible_to,
)
from .filters import AssignmentFilter, CadreFilter, ContactFilter, UnitFilter
from .lists import with_active_platform_count
from .models import Assignment, Cadre, Contact, Unit, user_full_name
from .serializers import (
    AssignmentCreateSerializer,
    AssignmentEndSerializer,
    AssignmentSerializer,
    CadreHandOverSerializer,
    CadreSerializer,
    CadreSetPlatformsSerializer,
    HandOverResultSerializer,
    ContactCreateSerializer,
    ContactSerializer,
    UnitSerializer,
)

# --- shared by the platform API -----------------------------------------------------------------


class ReadOrAdmin(permissions.BasePermission):
    """Everyone signed in reads (within the scoped queryset); only admins change anything."""

    message = _("Only an administrator may make this change.")

    def has_permission(self, request, view):
        if not request.user.is_authenticated:
            return False
        return request.method in permissions.SAFE_METHODS or roles_of(request.user).is_admin


class ReadOrCadre(permissions.BasePermission):
    """Everyone signed in reads (within the scoped queryset); only cadres record."""

    message = _("Only a liaison cadre may record this.")

    def has_permission(self, request, view):
        if not request.user.is_authenticated:
            return False
        return request.method in permissions.SAFE_METHODS or roles_of(request.user).is_cadre


class HandsOverCadres(permissions.BasePermission):
    """Admins and unit leaders (``liaison.access.may_hand_over_cadres``); which cadres, the view scopes."""

    message = _("Only an administrator or a unit leader may hand over a leaving cadre's platforms.")

    def has_permission(self, request, view):
        return request.user.is_authenticated and may_hand_over_cadres(request.user)


@contextmanager
def errors_renamed(**names):
    """Report a service's field errors under the names the request used.

    A service names an error after its own argument; an action may call that input otherwise
    (a transfer's ``date`` is the old assignment's end and the new one's start), or take it
    from the URL, in which case ``NON_FIELD_ERRORS`` is the right name.
    """
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        renamed = {}
        for field, errors in error.error_dict.items():
            renamed.setdefault(names.get(field, field), []).extend(errors)
        raise ValidationError(renamed) from error


# --- units --------------------------------------------------------------------------------------


class UnitViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Liaison units. Units are not deleted through the API: cadres and issues refer to them."""

    serializer_class = UnitSerializer
    permission_classes = [ReadOrAdmin]
    filterset_class = UnitFilter
    search_fields = ["name"]
    ordering_fields = ["name", "kind"]

    def get_queryset(self):
        return units_visible_to(self.request.user, Unit.objects.select_related("leader"))

    def perform_create(self, serializer):
        serializer.instance = services.unit_create(**serializer.validated_data)

    def perform_update(self, serializer):
        unit = serializer.instance
        values = {"name": unit.name, "kind": unit.kind, "is_office": unit.is_office, "leader": unit.leader,
                  **serializer.validated_data}
        serializer.instance = services.unit_update(unit=unit, **values)


# --- cadres -------------------------------------------------------------------------------------


def cadres_with_platforms(user):
    """The cadres ``user`` may see, with their active platforms and their count (from the database)."""
    queryset = (
        # A count per row, not an aggregate over every cadre's assignments: a page of 50 rows
        # counts 50 cadres' (and the pagination's count reads the cadres alone).
        with_active_platform_count(Cadre.objects.select_related("user", "unit"))
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.active().select_related("platform").order_by("platform__name"),
                to_attr="active_assignments",
            )
        )
        # Pages need a stable order.
        .order_by(*Cadre._meta.ordering, "pk")
    )
    return cadres_visible_to(user, queryset)


@extend_schema_view(destroy=extend_schema(description=_("Delete a cadre with no history (400 otherwise).")))
class CadreViewSet(viewsets.ModelViewSet):
    serializer_class = CadreSerializer
    permission_classes = [ReadOrAdmin]
    filterset_class = CadreFilter
    # ``full_name``: the family name and given name as one (董燕杰), which neither column holds.
    search_fields = ["user__username", "user__last_name", "user__first_name", "full_name"]
    ordering_fields = ["unit__name", "user__last_name", "active_platform_count", "batch"]

    def get_queryset(self):
        return cadres_with_platforms(self.request.user).alias(full_name=user_full_name("user"))

    def perform_destroy(self, instance):
        services.cadre_delete(cadre=instance)

    def _fresh(self, cadre):
        return Response(CadreSerializer(self.get_queryset().get(pk=cadre.pk)).data)

    @extend_schema(request=CadreSetPlatformsSerializer, responses=CadreSerializer)
    @action(detail=True, methods=["post"], url_path="set-platforms", serializer_class=CadreSetPlatformsSerializer)
    def set_platforms(self, request, pk=None, format=None):
        """Set the cadre's platforms as one set of 2 to 4; removed ones end with ``end_reason``."""
        cadre = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with errors_renamed(cadre=NON_FIELD_ERRORS, platform="platforms", end_date="start_date"):
            services.cadre_set_platforms(
                cadre=cadre, platforms=data["platforms"], reason=data["end_reason"], start_date=data["start_date"],
                by=request.user,
            )
        return self._fresh(cadre)

    @extend_schema(request=None, responses=CadreSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None, format=None):
        """End the cadre's service; refused while they still serve platforms."""
        cadre = services.cadre_deactivate(cadre=self.get_object())
        return self._fresh(cadre)

    @extend_schema(
        request=CadreHandOverSerializer,
        responses={200: HandOverResultSerializer},
        description=_(
            "A cadre leaves, in one step: each of their platforms goes to its successor, the old "
            "assignments end with the reason, each successor is told once, and the cadre is deactivated "
            "(their user account closed unless another role needs it). With dry_run, only the preview. "
            "Admins, and unit leaders for their units' cadres (successors from those units). A rule broken "
            "answers 400, each platform's problem under successors, and changes nothing."
        ),
    )
    @action(detail=True, methods=["post"], url_path="hand-over", serializer_class=CadreHandOverSerializer,
            permission_classes=[HandsOverCadres])
    @idempotent
    def hand_over(self, request, pk=None, format=None):
        cadre = get_visible_or_404(cadres_handed_over_by(request.user, Cadre.objects.select_related("user", "unit")),
                                   pk=pk)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        chosen = {line["platform"]: line["successor"] for line in data["successors"]}
        # Read before the change: the successors' loads "now" are those before the hand-over.
        page = selectors.hand_over_page(user=request.user, cadre=cadre)
        result = services.cadre_hand_over(
            cadre=cadre, successors=chosen, reason=data["reason"], date=data["date"], by=request.user,
            dry_run=data["dry_run"],
        )
        loads = page.loads({platform.pk: successor.pk for platform, successor in chosen.items()})
        return Response(HandOverResultSerializer(result, context={"loads": loads}).data)


# --- assignments --------------------------------------------------------------------------------


@extend_schema_view(create=extend_schema(request=AssignmentCreateSerializer, responses={201: AssignmentSerializer}))
class AssignmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Assignments are never edited or deleted: they are created, ended or transferred."""

    serializer_class = AssignmentSerializer
    permission_classes = [ReadOrAdmin]
    filterset_class = AssignmentFilter
    search_fields = ["platform__name", "cadre__user__last_name", "cadre__user__first_name", "cadre_full_name"]
    ordering_fields = ["start_date", "end_date", "platform__name"]

    def get_queryset(self):
        queryset = Assignment.objects.select_related("cadre__user", "cadre__unit", "platform").alias(
            cadre_full_name=user_full_name("cadre__user")
        )
        return assignments_visible_to(self.request.user, queryset)

    def get_serializer_class(self):
        # The browsable API renders the list's POST form with the list's action name.
        if self.action in {"create", "list"} and self.request.method == "POST":
            return AssignmentCreateSerializer
        return super().get_serializer_class()

    @idempotent
    def create(self, request, format=None):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = services.assignment_create(**serializer.validated_data, by=request.user)
        return Response(AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AssignmentEndSerializer, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"], serializer_class=AssignmentEndSerializer)
    def end(self, request, pk=None, format=None):
        """End the assignment, keeping it as history."""
        assignment = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.assignment_end(assignment=assignment, reason=data["end_reason"], end_date=data["end_date"])
        return Response(AssignmentSerializer(self.get_queryset().get(pk=assignment.pk)).data)


# --- contacts -----------------------------------------------------------------------------------


@extend_schema_view(create=extend_schema(request=ContactCreateSerializer, responses={201: ContactSerializer}))
class ContactViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Contacts and visits. A cadre logs their own; the cadre is the one signed in."""

    serializer_class = ContactSerializer
    permission_classes = [ReadOrCadre]
    filterset_class = ContactFilter
    search_fields = ["platform__name", "summary", "needs", "people_met"]
    ordering_fields = ["date", "created_at"]

    def get_queryset(self):
        queryset = Contact.objects.select_related("cadre__user", "platform")
        return contacts_visible_to(self.request.user, queryset)

    def get_serializer_class(self):
        # The browsable API renders the list's POST form with the list's action name.
        if self.action in {"create", "list"} and self.request.method == "POST":
            return ContactCreateSerializer
        return super().get_serializer_class()

    @idempotent
    def create(self, request, format=None):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contact = services.contact_create(
            cadre=roles_of(request.user).cadre, by=request.user, **serializer.validated_data
        )
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)

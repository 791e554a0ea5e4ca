"""The API for achievements, their actions and timeline.

Reads are scoped by ``achievements.access.achievements_visible_to`` (through
``achievement_list``): an achievement the user may not see is a 404, never a 403. Every change goes
through one service in ``achievements.services``, which decides who may make it (a
``PermissionDenied`` is a 403 with the service's message) and raises ``ValidationError`` for the
rest (a 400 with field messages, by ``config.api.exception_handler``). Every action answers with the
achievement as it now stands.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from notices.idempotency import idempotent

from . import selectors, service_records, services
from .filters import AchievementFilter, DemandFilter, MatchFilter, ServiceRecordFilter
from .selectors import achievement_list, achievement_timeline, demand_list, match_list, service_record_list
from .serializers import (
    AchievementAdvanceSerializer,
    AchievementAssessSerializer,
    AchievementCollectSerializer,
    AchievementCommentSerializer,
    AchievementDropSerializer,
    AchievementEventSerializer,
    AchievementReasonSerializer,
    AchievementSerializer,
    AchievementTransformSerializer,
    DemandCloseSerializer,
    DemandInputSerializer,
    DemandReopenSerializer,
    DemandSerializer,
    DemandUpdateSerializer,
    MatchConfirmSerializer,
    MatchSerializer,
    MatchStatusSerializer,
    ServiceRecordCreateSerializer,
    ServiceRecordDeleteSerializer,
    ServiceRecordSerializer,
    ServiceRecordUpdateSerializer,
    SuggestionSerializer,
)

_DENIED = OpenApiResponse(description=_("The user may not take this action (the message says why)."))
_NOT_VISIBLE = OpenApiResponse(description=_("No such achievement among those the user may see."))
_INVALID = OpenApiResponse(description=_("Invalid input: the messages are listed per field."))


def _action_schema(request, *, summary, responses_code=200):
    return extend_schema(
        summary=summary,
        request=request,
        responses={responses_code: AchievementSerializer, 400: _INVALID, 403: _DENIED, 404: _NOT_VISIBLE},
    )


def _suggestions(pairs) -> list[dict]:
    return [{"id": obj.pk, "title": obj.title, "technology_field": obj.technology_field, "fit": why.fit,
             "words": list(why.words), "same_field": why.same_field} for obj, why in pairs]


@extend_schema_view(
    list=extend_schema(summary=_("The achievements the user may see")),
    retrieve=extend_schema(summary=_("One achievement")),
    create=extend_schema(
        summary=_("Collect an achievement (as the platform's responsible cadre on the day)"),
        request=AchievementCollectSerializer,
        responses={201: AchievementSerializer, 400: _INVALID, 403: _DENIED},
    ),
)
class AchievementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Achievements (成果转化). They are never edited field by field or deleted: each change is an
    action with its own service and its own entry on the timeline."""

    serializer_class = AchievementSerializer
    filterset_class = AchievementFilter
    search_fields = ["title", "sub_field"]
    ordering_fields = ["collected_on", "stage_entered_on", "readiness_level", "contract_amount"]

    def get_queryset(self):
        return achievement_list(user=self.request.user).order_by("-collected_on", "-pk")

    def get_serializer_class(self):
        if self.action in {"create", "list"} and self.request.method == "POST":
            return AchievementCollectSerializer
        return super().get_serializer_class()

    def _fresh(self, achievement, status_code=status.HTTP_200_OK):
        return Response(AchievementSerializer(self.get_queryset().get(pk=achievement.pk)).data, status=status_code)

    def _input(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @idempotent
    def create(self, request, format=None):
        achievement = services.achievement_collect(by=request.user, **self._input(request))
        return self._fresh(achievement, status.HTTP_201_CREATED)

    @_action_schema(AchievementAssessSerializer, summary=_("Assess the achievement (collected -> assessed, or again)"))
    @action(detail=True, methods=["post"], serializer_class=AchievementAssessSerializer)
    def assess(self, request, pk=None, format=None):
        achievement = services.achievement_assess(achievement=self.get_object(), by=request.user,
                                                  **self._input(request))
        return self._fresh(achievement)

    @_action_schema(AchievementAdvanceSerializer, summary=_("Move forward one stage: assessed -> matched -> negotiating"))
    @action(detail=True, methods=["post"], serializer_class=AchievementAdvanceSerializer)
    def advance(self, request, pk=None, format=None):
        achievement = services.achievement_advance(achievement=self.get_object(), by=request.user,
                                                   **self._input(request))
        return self._fresh(achievement)

    @_action_schema(AchievementTransformSerializer, summary=_("Record the transformation (from matched or negotiating)"))
    @action(detail=True, methods=["post"], serializer_class=AchievementTransformSerializer)
    def transform(self, request, pk=None, format=None):
        achievement = services.achievement_transform(achievement=self.get_object(), by=request.user,
                                                     **self._input(request))
        return self._fresh(achievement)

    @_action_schema(AchievementDropSerializer, summary=_("Drop the achievement, with the reason"))
    @action(detail=True, methods=["post"], serializer_class=AchievementDropSerializer)
    def drop(self, request, pk=None, format=None):
        achievement = services.achievement_drop(achievement=self.get_object(), by=request.user,
                                                **self._input(request))
        return self._fresh(achievement)

    @_action_schema(AchievementReasonSerializer, summary=_("Step back one stage, with the reason"))
    @action(detail=True, methods=["post"], url_path="step-back", serializer_class=AchievementReasonSerializer)
    def step_back(self, request, pk=None, format=None):
        achievement = services.achievement_step_back(achievement=self.get_object(), by=request.user,
                                                     **self._input(request))
        return self._fresh(achievement)

    @_action_schema(AchievementCommentSerializer, summary=_("Comment on the achievement's timeline"), responses_code=201)
    @action(detail=True, methods=["post"], serializer_class=AchievementCommentSerializer)
    def comments(self, request, pk=None, format=None):
        achievement = self.get_object()
        services.achievement_comment(achievement=achievement, by=request.user, **self._input(request))
        return self._fresh(achievement, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Demands not closed that fit the achievement, best first, with the words in common"),
        responses={200: SuggestionSerializer(many=True), 404: _NOT_VISIBLE},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def suggestions(self, request, pk=None, format=None):
        return Response(_suggestions(selectors.suggested_demands(achievement=self.get_object())))

    @extend_schema(
        summary=_("The achievement's timeline, oldest first"),
        responses={200: AchievementEventSerializer(many=True), 404: _NOT_VISIBLE},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def timeline(self, request, pk=None, format=None):
        return Response(AchievementEventSerializer(achievement_timeline(self.get_object()), many=True).data)


_DEMAND_NOT_VISIBLE = OpenApiResponse(description=_("No such demand among those the user may see."))


def _demand_schema(request, *, summary):
    return extend_schema(summary=summary, request=request,
                         responses={200: DemandSerializer, 400: _INVALID, 403: _DENIED, 404: _DEMAND_NOT_VISIBLE})


@extend_schema_view(
    list=extend_schema(summary=_("Technology demands of districts, counties and parks")),
    retrieve=extend_schema(summary=_("One demand")),
    create=extend_schema(
        summary=_("Enter a demand (its unit's cadres and leader, or bureau staff)"),
        request=DemandInputSerializer, responses={201: DemandSerializer, 400: _INVALID, 403: _DENIED},
    ),
)
class DemandViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Technology demands (技术需求). Every change is a service: enter, correct (PUT), close with a
    reason, reopen."""

    serializer_class = DemandSerializer
    filterset_class = DemandFilter
    search_fields = ["title", "enterprise", "sub_field"]
    ordering_fields = ["raised_on", "wanted_by", "budget"]

    def get_queryset(self):
        return demand_list(user=self.request.user).order_by("-raised_on", "-pk")

    def _fresh(self, demand, status_code=status.HTTP_200_OK):
        return Response(DemandSerializer(self.get_queryset().get(pk=demand.pk)).data, status=status_code)

    def _input(self, request, serializer_class):
        serializer = serializer_class(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @idempotent
    def create(self, request, format=None):
        demand = services.demand_raise(by=request.user, **self._input(request, DemandInputSerializer))
        return self._fresh(demand, status.HTTP_201_CREATED)

    @_demand_schema(DemandUpdateSerializer, summary=_("Correct the demand's details"))
    def update(self, request, pk=None, format=None):
        demand = services.demand_update(demand=self.get_object(), by=request.user,
                                        **self._input(request, DemandUpdateSerializer))
        return self._fresh(demand)

    @_demand_schema(DemandCloseSerializer, summary=_("Close the demand, with the reason"))
    @action(detail=True, methods=["post"], serializer_class=DemandCloseSerializer)
    def close(self, request, pk=None, format=None):
        demand = services.demand_close(demand=self.get_object(), by=request.user,
                                       **self._input(request, DemandCloseSerializer))
        return self._fresh(demand)

    @_demand_schema(None, summary=_("Reopen a closed demand"))
    @action(detail=True, methods=["post"], serializer_class=DemandReopenSerializer)
    def reopen(self, request, pk=None, format=None):
        return self._fresh(services.demand_reopen(demand=self.get_object(), by=request.user))

    @extend_schema(
        summary=_("Assessed achievements that fit the demand, best first, with the words in common"),
        responses={200: SuggestionSerializer(many=True), 404: _DEMAND_NOT_VISIBLE},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def suggestions(self, request, pk=None, format=None):
        return Response(_suggestions(selectors.suggested_achievements(demand=self.get_object())))


@extend_schema_view(
    list=extend_schema(summary=_("Matches of the achievements and demands the user may see")),
    retrieve=extend_schema(summary=_("One match")),
    create=extend_schema(
        summary=_("Confirm a match (a steward of the achievement, or the demand's unit)"),
        request=MatchConfirmSerializer, responses={201: MatchSerializer, 400: _INVALID, 403: _DENIED},
    ),
)
class MatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Matches (对接) of achievements with demands; their status moves the achievement forward."""

    serializer_class = MatchSerializer
    filterset_class = MatchFilter
    ordering_fields = ["confirmed_on", "status_changed_on", "fit"]

    def get_queryset(self):
        return match_list(user=self.request.user).order_by("-confirmed_on", "-pk")

    def _fresh(self, match, status_code=status.HTTP_200_OK):
        return Response(MatchSerializer(self.get_queryset().get(pk=match.pk)).data, status=status_code)

    @idempotent
    def create(self, request, format=None):
        serializer = MatchConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        match = services.match_confirm(by=request.user, **serializer.validated_data)
        return self._fresh(match, status.HTTP_201_CREATED)

    @extend_schema(summary=_("Move the match forward, or mark it failed (with the reason)"),
                   request=MatchStatusSerializer,
                   responses={200: MatchSerializer, 400: _INVALID, 403: _DENIED, 404: _NOT_VISIBLE})
    @action(detail=True, methods=["post"], serializer_class=MatchStatusSerializer)
    def status(self, request, pk=None, format=None):
        serializer = MatchStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        match = services.match_set_status(match=self.get_object(), by=request.user, **serializer.validated_data)
        return self._fresh(match)


# --- service records -------------------------------------------------------------------------------

_SERVICE_NOT_VISIBLE = OpenApiResponse(description=_("No such service record among those the user may see."))


@extend_schema_view(
    list=extend_schema(summary=_("The service records the user may see")),
    retrieve=extend_schema(summary=_("One service record")),
    create=extend_schema(
        summary=_("Record a service (as the platform's responsible cadre on the day, or bureau staff)"),
        request=ServiceRecordCreateSerializer,
        responses={201: ServiceRecordSerializer, 400: _INVALID, 403: _DENIED},
    ),
    update=extend_schema(
        summary=_("Correct a service record"),
        request=ServiceRecordUpdateSerializer,
        responses={200: ServiceRecordSerializer, 400: _INVALID, 403: _DENIED, 404: _SERVICE_NOT_VISIBLE},
    ),
)
class ServiceRecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Services given to platforms (服务记录): recorded, corrected (PUT, every field) and deleted with a
    reason (``POST .../delete/``), each through its service in ``achievements.service_records``."""

    serializer_class = ServiceRecordSerializer
    filterset_class = ServiceRecordFilter
    search_fields = ["description", "outcome", "platform__name"]
    ordering_fields = ["given_on", "recorded_at"]

    def get_queryset(self):
        return service_record_list(user=self.request.user).order_by("-given_on", "-pk")

    def get_serializer_class(self):
        if self.request.method == "POST" and self.action in {"create", "list"}:
            return ServiceRecordCreateSerializer
        if self.request.method == "PUT":
            return ServiceRecordUpdateSerializer
        return super().get_serializer_class()

    def _input(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _fresh(self, record, status_code=status.HTTP_200_OK):
        return Response(ServiceRecordSerializer(self.get_queryset().get(pk=record.pk)).data, status=status_code)

    @idempotent
    def create(self, request, format=None):
        record = service_records.service_record_create(by=request.user, **self._input(request))
        return self._fresh(record, status.HTTP_201_CREATED)

    def update(self, request, pk=None, format=None):
        record = service_records.service_record_update(record=self.get_object(), by=request.user,
                                                       **self._input(request))
        return self._fresh(record)

    @extend_schema(
        summary=_("Delete a service recorded by mistake, with the reason (kept in its history)"),
        request=ServiceRecordDeleteSerializer,
        responses={204: None, 400: _INVALID, 403: _DENIED, 404: _SERVICE_NOT_VISIBLE},
    )
    # Not named ``delete``: a viewset method of that name would also answer the HTTP DELETE of the
    # list and of each record, outside the schema (and with no record, a 500).
    @action(detail=True, methods=["post"], url_path="delete", url_name="delete",
            serializer_class=ServiceRecordDeleteSerializer)
    def delete_with_reason(self, request, pk=None, format=None):
        service_records.service_record_delete(record=self.get_object(), by=request.user, **self._input(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

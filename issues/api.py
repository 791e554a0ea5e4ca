"""The API for issues, their actions and timeline, and the working-day calendar.

Reads are scoped by ``issues.access.issues_visible_to`` (through ``issues.selectors.issue_list``):
an issue the user may not see is a 404, never a 403. Every change goes through one service in
``issues.services``, which decides who may take it (a ``PermissionDenied`` is a 403 with the
service's message) and raises ``ValidationError`` for the rest (a 400 with field messages, by
``config.api.exception_handler``). Every action answers with the issue as it now stands.
"""

import re

from django.db.models import OuterRef, Prefetch, Subquery
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.decorators import action
from rest_framework.response import Response

from liaison.api import ReadOrAdmin
from liaison.models import Assignment
from notices.idempotency import idempotent

from . import calendar_import, services
from .calendar import DayEntry
from .filters import IssueFilter
from .models import WORKING_DAYS_BY_CLASS, CalendarDay, CalendarYear, ExtensionRequest
from .selectors import calendar_year_statuses, issue_list, issue_timeline, projected_due_date, with_deadline_status
from .serializers import (
    CalendarChangeSerializer,
    CalendarDaySerializer,
    CalendarDueQuerySerializer,
    CalendarDueSerializer,
    CalendarImportResultSerializer,
    CalendarNoticeSerializer,
    CalendarSetDaysSerializer,
    CalendarYearSerializer,
    ExtensionDecisionSerializer,
    ExtensionRequestCreateSerializer,
    IssueCommentSerializer,
    IssueCreateSerializer,
    IssueEventSerializer,
    IssueHandOverSerializer,
    IssueRateSerializer,
    IssueReclassifySerializer,
    IssueReopenSerializer,
    IssueResolveSerializer,
    IssueSerializer,
    IssueSolutionSerializer,
)


def issues_for_api(user):
    """The issues ``user`` may see, with everything ``IssueSerializer`` reads, in a fixed number
    of queries: ``issue_list``'s joins and annotations, the responsible cadre's username (for a
    cadre without a name) and unit name, and the cooperating units and extensions prefetched."""
    active = Assignment.objects.active().filter(platform=OuterRef("platform_id"))
    return (
        issue_list(user=user)
        .annotate(
            responsible_cadre_username=Subquery(active.values("cadre__user__username")[:1]),
            responsible_unit_name=Subquery(active.values("cadre__unit__name")[:1]),
        )
        .prefetch_related(
            "cooperating_units",
            Prefetch("extensions", queryset=ExtensionRequest.objects.select_related("requested_by", "decided_by")),
        )
    )


# --- issues -------------------------------------------------------------------------------------

_DENIED = OpenApiResponse(description=_("The user may not take this action (the message says why)."))
_NOT_VISIBLE = OpenApiResponse(description=_("No such issue among those the user may see."))
_INVALID = OpenApiResponse(description=_("Invalid input: the messages are listed per field."))


def _action_schema(request, *, summary, responses_code=200):
    return extend_schema(
        summary=summary,
        request=request,
        responses={responses_code: IssueSerializer, 400: _INVALID, 403: _DENIED, 404: _NOT_VISIBLE},
    )


@extend_schema_view(
    list=extend_schema(summary=_("The issues the user may see, with their deadlines")),
    retrieve=extend_schema(summary=_("One issue, with its deadline")),
    create=extend_schema(
        summary=_("Record an issue (as the platform's responsible cadre on the recorded date)"),
        request=IssueCreateSerializer,
        responses={201: IssueSerializer, 400: _INVALID, 403: _DENIED},
    ),
)
class IssueViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Issues A to D. They are never edited or deleted: each change is an action with its own
    service and its own entry on the timeline.

    Every handler takes ``format``: the router also serves each route with a ``.json`` suffix,
    which arrives as that keyword (without it, ``/api/v1/issues.json`` answered 500)."""

    serializer_class = IssueSerializer
    filterset_class = IssueFilter
    search_fields = ["title"]
    ordering_fields = ["due_date", "recorded_on"]

    def get_queryset(self):
        return issues_for_api(self.request.user)

    def get_serializer_class(self):
        # The browsable API renders the list's POST form with the list's action name.
        if self.action in {"create", "list"} and self.request.method == "POST":
            return IssueCreateSerializer
        return super().get_serializer_class()

    def _data(self, issues):
        """Serialize issues with their working days left, counted on one calendar."""
        return IssueSerializer(with_deadline_status(issues), many=True).data

    def _fresh(self, issue, status_code=status.HTTP_200_OK):
        """The issue as it now stands, read again through the list queryset."""
        return Response(self._data([self.get_queryset().get(pk=issue.pk)])[0], status=status_code)

    def _input(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def list(self, request, format=None):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        if page is not None:
            return self.get_paginated_response(self._data(page))
        return Response(self._data(queryset))

    def retrieve(self, request, pk=None, format=None):
        return Response(self._data([self.get_object()])[0])

    @idempotent
    def create(self, request, format=None):
        issue = services.issue_create(by=request.user, **self._input(request))
        return self._fresh(issue, status.HTTP_201_CREATED)

    @_action_schema(IssueReclassifySerializer, summary=_("Reclassify the issue, with a reason"))
    @action(detail=True, methods=["post"], serializer_class=IssueReclassifySerializer)
    def reclassify(self, request, pk=None, format=None):
        """Change the class; the deadline is counted again from the recorded date."""
        issue = self.get_object()
        issue = services.issue_reclassify(issue=issue, by=request.user, **self._input(request))
        return self._fresh(issue)

    @_action_schema(IssueHandOverSerializer, summary=_("Hand the issue over to the unit(s) that must solve it"))
    @action(detail=True, methods=["post"], url_path="hand-over", serializer_class=IssueHandOverSerializer)
    def hand_over(self, request, pk=None, format=None):
        """B to the cadre's own unit, C to a lead unit and cooperating units, D to the office."""
        issue = self.get_object()
        issue = services.issue_hand_over(issue=issue, by=request.user, **self._input(request))
        return self._fresh(issue)

    @_action_schema(IssueCommentSerializer, summary=_("Comment on the issue's timeline"), responses_code=201)
    @action(detail=True, methods=["post"], serializer_class=IssueCommentSerializer)
    def comments(self, request, pk=None, format=None):
        """Anyone who may see the issue may comment; answers with the issue."""
        issue = self.get_object()
        services.issue_comment(issue=issue, by=request.user, **self._input(request))
        return self._fresh(issue, status.HTTP_201_CREATED)

    @_action_schema(
        ExtensionRequestCreateSerializer,
        summary=_("Ask for more time (the responsible cadre); bureau staff decide"),
        responses_code=201,
    )
    @action(
        detail=True, methods=["post"], url_path="extension-requests", serializer_class=ExtensionRequestCreateSerializer
    )
    def extension_requests(self, request, pk=None, format=None):
        """Ask for a new due date or extra working days, with a reason; answers with the issue,
        whose ``extensions`` hold the request."""
        issue = self.get_object()
        services.issue_request_extension(issue=issue, by=request.user, **self._input(request))
        return self._fresh(issue, status.HTTP_201_CREATED)

    @_action_schema(ExtensionDecisionSerializer, summary=_("Approve or refuse an extension request (bureau staff)"))
    @extend_schema(parameters=[OpenApiParameter("extension_pk", int, OpenApiParameter.PATH)])
    @action(
        detail=True,
        methods=["post"],
        url_path=r"extension-requests/(?P<extension_pk>[0-9]+)/decision",
        serializer_class=ExtensionDecisionSerializer,
    )
    def extension_decision(self, request, pk=None, extension_pk=None, format=None):
        """Approving grants what was asked unless the decision says otherwise; refusing needs a note."""
        issue = self.get_object()
        extension = get_object_or_404(ExtensionRequest, pk=extension_pk, issue=issue)
        services.issue_decide_extension(extension=extension, by=request.user, **self._input(request))
        return self._fresh(issue)

    @_action_schema(IssueSolutionSerializer, summary=_("Record that a solution is determined (stops the clock)"))
    @action(detail=True, methods=["post"], url_path="determine-solution", serializer_class=IssueSolutionSerializer)
    def determine_solution(self, request, pk=None, format=None):
        """The clock stops, on time or late; a pending extension request is withdrawn."""
        issue = self.get_object()
        issue = services.issue_determine_solution(issue=issue, by=request.user, **self._input(request))
        return self._fresh(issue)

    @_action_schema(IssueResolveSerializer, summary=_("Record the issue resolved"))
    @action(detail=True, methods=["post"], serializer_class=IssueResolveSerializer)
    def resolve(self, request, pk=None, format=None):
        """From open the clock stops; after a solution was determined it stays where it stopped."""
        issue = self.get_object()
        issue = services.issue_resolve(issue=issue, by=request.user, **self._input(request))
        return self._fresh(issue)

    @_action_schema(IssueReopenSerializer, summary=_("Reopen an issue whose clock had stopped, with a reason"))
    @action(detail=True, methods=["post"], serializer_class=IssueReopenSerializer)
    def reopen(self, request, pk=None, format=None):
        """The due date stands: a reopened issue past it is late."""
        issue = self.get_object()
        issue = services.issue_reopen(issue=issue, by=request.user, **self._input(request))
        return self._fresh(issue)

    @_action_schema(IssueRateSerializer, summary=_("Enter the platform's rating of the resolution (1 to 5)"))
    @action(detail=True, methods=["post"], serializer_class=IssueRateSerializer)
    def rate(self, request, pk=None, format=None):
        """Entered by the platform's responsible cadre on its behalf; 1 or 2 reopens the issue."""
        issue = self.get_object()
        issue = services.issue_rate(issue=issue, by=request.user, **self._input(request))
        return self._fresh(issue)

    @extend_schema(
        summary=_("The issue's timeline, oldest first"),
        responses={200: IssueEventSerializer(many=True), 404: _NOT_VISIBLE},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def timeline(self, request, pk=None, format=None):
        """What happened, who did it (null for the system), when, what changed (before/after), and the note."""
        issue = self.get_object()
        return Response(IssueEventSerializer(issue_timeline(issue), many=True).data)


# --- the calendar -------------------------------------------------------------------------------

_YEAR = re.compile(r"[0-9]{1,4}")


class CalendarViewSet(viewsets.GenericViewSet):
    """The working-day calendar: due-date previews and which years are loaded (for everyone signed
    in), and the admin's entries of holidays and makeup workdays (changed by admins only).
    Every handler takes ``format``, as ``IssueViewSet``'s do (the ``.json`` suffix routes)."""

    permission_classes = [ReadOrAdmin]
    pagination_class = None
    filter_backends = []
    serializer_class = CalendarDueSerializer
    #: The admin's entries, which ``days`` lists. The browsable API asks every list view for its
    #: queryset (to offer filters): without one, ``days`` and ``years`` answered 500 in a browser.
    queryset = CalendarDay.objects.all()

    @extend_schema(
        summary=_("The due date an issue of a class recorded on a date would get"),
        parameters=[CalendarDueQuerySerializer],
        responses={200: CalendarDueSerializer, 400: _INVALID},
    )
    @action(detail=False, methods=["get"])
    def due(self, request, format=None):
        query = CalendarDueQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        issue_class, recorded_on = query.validated_data["issue_class"], query.validated_data["recorded_on"]
        due_date, provisional = projected_due_date(issue_class, recorded_on)
        return Response(
            CalendarDueSerializer(
                {
                    "issue_class": issue_class,
                    "recorded_on": recorded_on,
                    "working_days": WORKING_DAYS_BY_CLASS.get(issue_class),
                    "due_date": due_date,
                    "due_date_provisional": provisional,
                }
            ).data
        )

    @extend_schema(
        summary=_("The years the calendar lists, whether each is loaded, and where its schedule came from"),
        responses=CalendarYearSerializer(many=True),
    )
    @action(detail=False, methods=["get"])
    def years(self, request, format=None):
        notes = dict(CalendarYear.objects.values_list("year", "source_note"))
        rows = [
            {
                "year": year.year,
                "loaded": year.loaded,
                "source": year.source,
                "in_package": year.in_package,
                "admin_loaded": year.admin_loaded,
                "holidays_entered": year.holidays_entered,
                "workdays_entered": year.workdays_entered,
                "source_note": notes.get(year.year, ""),
            }
            for year in calendar_year_statuses()
        ]
        return Response(CalendarYearSerializer(rows, many=True).data)

    @extend_schema(
        methods=["get"],
        summary=_("The admin's entries (holidays and makeup workdays), optionally of one year"),
        parameters=[OpenApiParameter("year", int, description=_("Only the entries dated in this year."))],
        responses=CalendarDaySerializer(many=True),
    )
    @extend_schema(
        methods=["post"],
        summary=_("Enter, correct or remove days and mark years loaded (admins); open deadlines are recomputed"),
        request=CalendarSetDaysSerializer,
        responses={200: CalendarChangeSerializer, 400: _INVALID, 403: _DENIED},
    )
    @action(detail=False, methods=["get", "post"])
    def days(self, request, format=None):
        if request.method == "GET":
            days = self.get_queryset()
            year = request.query_params.get("year")
            if year:
                # A date's year runs from 1 to 9999: anything else cannot name entries (and would
                # overflow the date lookup).
                # ``str.isdigit`` is true of "²" too, which ``int`` refuses: ASCII digits only.
                if not _YEAR.fullmatch(year) or not 1 <= int(year) <= 9999:
                    raise ValidationError({"year": [_("Enter a year between 1 and 9999.")]})
                days = days.filter(date__year=int(year))
            return Response(CalendarDaySerializer(days, many=True).data)
        serializer = CalendarSetDaysSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        change = services.calendar_set_days(
            by=request.user,
            entries=[DayEntry(**entry) for entry in data["entries"]],
            remove=data["remove"],
            mark_years_loaded=data["mark_years_loaded"],
            source_note=data["source_note"],
        )
        return Response(CalendarChangeSerializer(change).data)

    @extend_schema(
        summary=_("Read the State Council's holiday notice and load its year (admins); dry run by default"),
        request=CalendarNoticeSerializer,
        responses={200: CalendarImportResultSerializer, 400: _INVALID, 403: _DENIED},
    )
    @action(detail=False, methods=["post"])
    def notice(self, request, format=None):
        """A 400 on ``text`` names each sentence that looks like a day rule but could not be read;
        nothing is loaded until every one is read."""
        serializer = CalendarNoticeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = calendar_import.calendar_load_notice(
            text=data["text"], year=data["year"], source_note=data["source_note"], by=request.user,
            dry_run=data["dry_run"],
        )
        return Response(CalendarImportResultSerializer(result).data)

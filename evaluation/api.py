"""The evaluation room's API: read-only, like the room.

Scoreboards: the same figures as the pages, scoped the same way.

``/api/v1/evaluation/cadres/?start=YYYY-MM-DD&end=YYYY-MM-DD`` (or ``?period=this_quarter``) lists
a row per cadre the user may see: its id (``cadre``), every figure, the shares, the mean rating,
the median working days to close, the score, its rank and their change against the period
before. ``/api/v1/evaluation/units/`` does the same per unit. A bad period is a 400 that says
which parameter is wrong.

Dispatch reports (``/api/v1/reports/``): the stored reports, each with its figures and its Excel
file, and a report for any period computed on demand (not stored). A report covers every unit, so
only those who see everything (bureau staff, admins, the office's leader) may read them; anyone
else gets 403.
"""

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from config.exports import XLSX_CONTENT_TYPE
from issues.models import DispatchReport
from issues.reports import report_xlsx
from liaison.models import Cadre, Unit

from . import attribution, periods, reports
from .access import evaluation_scope, reports_visible_to, sees_reports
from .figures import SHARES, RankedCadres, RowTable, cadre_rows_of_units, kept_scoreboard
from .forms import PeriodForm
from .serializers import (
    DispatchReportDetailSerializer,
    DispatchReportSerializer,
    OnDemandReportSerializer,
    ReportPeriodQuerySerializer,
)

# --- scoreboards


def _figure_fields() -> dict:
    fields = {}
    for key, measure in attribution.MEASURES.items():
        # An amount travels as a JSON number (the rows are rendered as they are, not through this
        # serializer, and the renderer writes a Decimal as a number): the schema says so.
        fields[key] = (serializers.DecimalField(max_digits=16, decimal_places=2, coerce_to_string=False,
                                                help_text=str(measure.label))
                       if measure.amount_field else serializers.IntegerField(help_text=str(measure.label)))
    for key, _part, _whole in SHARES:
        fields[key] = serializers.FloatField(allow_null=True, help_text="0-1; null when there is nothing to share")
    fields["ratings_mean"] = serializers.FloatField(allow_null=True)
    fields["median_days_to_close"] = serializers.FloatField(allow_null=True)
    fields["score"] = serializers.FloatField()
    fields["rank"] = serializers.IntegerField()
    fields["score_change"] = serializers.FloatField(allow_null=True)
    fields["rank_change"] = serializers.IntegerField(allow_null=True)
    return fields


def _row_dict(row, *, id_name: str) -> dict:
    out = {id_name: row.id, "name": row.name}
    if id_name == "cadre":
        out |= {"unit": row.unit_id, "unit_name": row.unit_name, "is_active": row.is_active}
    out |= row.counts
    out |= row.derived
    out |= {"score": row.score, "rank": row.rank, "score_change": row.score_change, "rank_change": row.rank_change}
    return out


CadreFiguresSerializer = type("CadreFiguresSerializer", (serializers.Serializer,), {
    "cadre": serializers.IntegerField(), "name": serializers.CharField(), "unit": serializers.IntegerField(),
    "unit_name": serializers.CharField(), "is_active": serializers.BooleanField(), **_figure_fields(),
})
UnitFiguresSerializer = type("UnitFiguresSerializer", (serializers.Serializer,), {
    "unit": serializers.IntegerField(), "name": serializers.CharField(), **_figure_fields(),
})

_PERIOD_PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description=_("The period's first day (with end).")),
    OpenApiParameter("end", OpenApiTypes.DATE, description=_("The period's last day, inclusive (with start).")),
    OpenApiParameter("period", OpenApiTypes.STR, description=_("Instead of start and end: this_month, "
                     "last_month, this_quarter (the default), last_quarter, this_year, last_year.")),
]


class _ScoreboardViewSet(viewsets.GenericViewSet):
    """Rows of one ``scoreboard`` (a fixed number of queries), paginated as every list."""

    id_name = ""
    filter_backends = []


    def _board(self, request):
        scope = evaluation_scope(request.user)
        form = PeriodForm(request.query_params, today=timezone.localdate())
        if not form.is_valid():
            raise exceptions.ValidationError({
                ("non_field_errors" if field == "__all__" else field): list(messages)
                for field, messages in form.errors.items()
            })
        # The board without its cadres' rows: a cadres' page reads those of its units (kept per unit).
        return scope, kept_scoreboard(form.chosen, today=timezone.localdate(), with_cadres=False)

    def get_queryset(self):
        # The rows are figures, not records: there is nothing to filter (the browsable API asks).
        return self.record_model.objects.none()

    def _respond(self, rows):
        page = self.paginate_queryset(rows)
        return self.get_paginated_response([_row_dict(row, id_name=self.id_name) for row in page])


@extend_schema(parameters=_PERIOD_PARAMETERS, responses={200: CadreFiguresSerializer(many=True),
                                                          400: OpenApiResponse(description=_("A bad period."))})
class CadreEvaluationViewSet(_ScoreboardViewSet):
    """Each cadre's figures for the period, by rank: all for bureau staff, a unit leader's
    cadres, a cadre's own row."""

    id_name = "cadre"
    record_model = Cadre
    serializer_class = CadreFiguresSerializer

    def list(self, request, format=None):
        scope, board = self._board(request)
        if scope.everything:
            # Rank order over every cadre: the page's rows alone are read.
            return self._respond(RankedCadres(board))
        rows = cadre_rows_of_units(board, scope.cadre_unit_ids(board.units.ids), sees=scope.sees_cadre)
        return self._respond(RowTable(rows).ranked())


@extend_schema(parameters=_PERIOD_PARAMETERS, responses={200: UnitFiguresSerializer(many=True),
                                                          400: OpenApiResponse(description=_("A bad period."))})
class UnitEvaluationViewSet(_ScoreboardViewSet):
    """Each unit's figures (its cadres' summed) for the period, by rank: all for bureau staff,
    a leader's own units; a cadre has none (403)."""

    id_name = "unit"
    record_model = Unit
    serializer_class = UnitFiguresSerializer

    def list(self, request, format=None):
        if not evaluation_scope(request.user).sees_units:
            raise PermissionDenied(_("Only bureau staff and unit leaders see the units' figures."))
        scope, board = self._board(request)
        return self._respond(board.units.ranked(where=scope.sees_unit))


# --- dispatch reports

_REPORTS_DENIED = OpenApiResponse(
    description=_("Only bureau staff, administrators and the office's leader see the dispatch reports.")
)
_NO_REPORT = OpenApiResponse(description=_("No such dispatch report."))
_BAD_PERIOD = OpenApiResponse(description=_("Invalid period: the messages are listed per field."))
_XLSX = {(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY}


class SeesReports(permissions.BasePermission):
    """A dispatch report covers every unit: for those who see everything."""

    message = _("Only bureau staff, administrators and the office's leader see the dispatch reports.")

    def has_permission(self, request, view):
        return sees_reports(request.user)


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _period(request) -> periods.Period:
    query = ReportPeriodQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return periods.period_of(query.validated_data["start"], query.validated_data["end"])


@extend_schema_view(
    list=extend_schema(summary=_("The stored dispatch reports, newest period first"),
                       responses={200: DispatchReportSerializer(many=True), 403: _REPORTS_DENIED}),
    retrieve=extend_schema(summary=_("A stored dispatch report with its figures"),
                           responses={200: DispatchReportDetailSerializer, 403: _REPORTS_DENIED, 404: _NO_REPORT}),
)
class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The periodic dispatch reports (定期调度) the sweep made and sent to bureau staff, read-only."""

    permission_classes = [SeesReports]
    filter_backends = []
    serializer_class = DispatchReportSerializer
    #: The model, for the browsable API and the schema; ``get_queryset`` scopes it to the user.
    queryset = DispatchReport.objects.none()

    def get_queryset(self):
        if self.action == "retrieve":
            return reports.report_with_figures(user=self.request.user)
        if self.action == "xlsx":
            return reports_visible_to(self.request.user).only("pk", "period_start", "period_end", "xlsx")
        return reports.report_list(user=self.request.user)

    def get_serializer_class(self):
        return DispatchReportDetailSerializer if self.action == "retrieve" else DispatchReportSerializer

    @extend_schema(summary=_("The stored report's Excel file, as it was e-mailed"),
                   responses={**_XLSX, 403: _REPORTS_DENIED, 404: _NO_REPORT})
    @action(detail=True, methods=["get"])
    def xlsx(self, request, pk=None, format=None):
        report = self.get_object()
        return _xlsx(bytes(report.xlsx), report.filename)

    @extend_schema(summary=_("The report's figures for any period, computed now (not stored)"),
                   parameters=[ReportPeriodQuerySerializer],
                   responses={200: OnDemandReportSerializer, 400: _BAD_PERIOD, 403: _REPORTS_DENIED})
    @action(detail=False, methods=["get"], url_path="on-demand", pagination_class=None)
    def on_demand(self, request, format=None):
        report = reports.report_on_demand(_period(request))
        return Response(OnDemandReportSerializer(report, context={"request": request}).data)

    @extend_schema(summary=_("The Excel file of the report for any period, computed now (not stored)"),
                   parameters=[ReportPeriodQuerySerializer],
                   responses={**_XLSX, 400: _BAD_PERIOD, 403: _REPORTS_DENIED})
    @action(detail=False, methods=["get"], url_path="on-demand/xlsx", url_name="on-demand-xlsx",
            pagination_class=None)
    def on_demand_xlsx(self, request, format=None):
        report = reports.report_on_demand(_period(request))
        return _xlsx(report_xlsx(report.figures), report.filename)

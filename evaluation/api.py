"""The evaluation room's API: read-only, like the room.

Dispatch reports (``/api/v1/reports/``): the stored reports, each with its figures and its Excel
file, and a report for any period computed on demand (not stored). A report covers every unit, so
only those who see everything (bureau staff, admins, the office's leader) may read them; anyone
else gets 403.
"""

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from config.exports import XLSX_CONTENT_TYPE
from issues.models import DispatchReport
from issues.reports import report_xlsx

from . import periods, reports
from .access import reports_visible_to, sees_reports
from .serializers import (
    DispatchReportDetailSerializer,
    DispatchReportSerializer,
    OnDemandReportSerializer,
    ReportPeriodQuerySerializer,
)

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
    def xlsx(self, request, pk=None):
        report = self.get_object()
        return _xlsx(bytes(report.xlsx), report.filename)

    @extend_schema(summary=_("The report's figures for any period, computed now (not stored)"),
                   parameters=[ReportPeriodQuerySerializer],
                   responses={200: OnDemandReportSerializer, 400: _BAD_PERIOD, 403: _REPORTS_DENIED})
    @action(detail=False, methods=["get"], url_path="on-demand", pagination_class=None)
    def on_demand(self, request):
        report = reports.report_on_demand(_period(request))
        return Response(OnDemandReportSerializer(report, context={"request": request}).data)

    @extend_schema(summary=_("The Excel file of the report for any period, computed now (not stored)"),
                   parameters=[ReportPeriodQuerySerializer],
                   responses={**_XLSX, 400: _BAD_PERIOD, 403: _REPORTS_DENIED})
    @action(detail=False, methods=["get"], url_path="on-demand/xlsx", url_name="on-demand-xlsx",
            pagination_class=None)
    def on_demand_xlsx(self, request):
        report = reports.report_on_demand(_period(request))
        return _xlsx(report_xlsx(report.figures), report.filename)

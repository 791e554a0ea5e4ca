"""What the evaluation room's API reads and answers."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from issues.models import DispatchReport

from .forms import MAX_PERIOD_DAYS

# --- dispatch reports

_FIGURES_HELP = gettext_lazy(
    "The report's figures as issues.reports.report_figures makes them: period, quarter, coverage "
    "(by unit and in total), issues (by class, by unit and in total: new, resolved, overdue, "
    "newly_overdue), and each registered section (achievements)."
)


class DispatchReportSerializer(serializers.ModelSerializer):
    filename = serializers.CharField(read_only=True, help_text=gettext_lazy("The Excel file's name."))
    xlsx_url = serializers.SerializerMethodField(help_text=gettext_lazy("Where the report's Excel file is downloaded."))
    page_url = serializers.SerializerMethodField(help_text=gettext_lazy("The report's page in the portal."))

    class Meta:
        model = DispatchReport
        fields = ["id", "period_start", "period_end", "created_at", "filename", "xlsx_url", "page_url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_xlsx_url(self, report) -> str:
        return reverse("report-xlsx", args=[report.pk], request=self.context.get("request"))

    @extend_schema_field(OpenApiTypes.URI)
    def get_page_url(self, report) -> str:
        return reverse("evaluation:report_detail", args=[report.pk], request=self.context.get("request"))


class DispatchReportDetailSerializer(DispatchReportSerializer):
    figures = serializers.JSONField(read_only=True, help_text=_FIGURES_HELP)

    class Meta(DispatchReportSerializer.Meta):
        fields = [*DispatchReportSerializer.Meta.fields, "figures"]
        read_only_fields = fields


class ReportPeriodQuerySerializer(serializers.Serializer):
    """``?start=YYYY-MM-DD&end=YYYY-MM-DD``: any period, both days included."""

    start = serializers.DateField(help_text=gettext_lazy("The period's first day."))
    end = serializers.DateField(help_text=gettext_lazy("The period's last day (included)."))

    def validate(self, data):
        # The same rules, and words, as the period picker on the pages (evaluation.forms.PeriodForm).
        if data["end"] < data["start"]:
            raise serializers.ValidationError({"end": [_("The last day comes before the first day.")]})
        if (data["end"] - data["start"]).days + 1 > MAX_PERIOD_DAYS:
            raise serializers.ValidationError({"end": [_("A period can be at most ten years long.")]})
        return data


class OnDemandReportSerializer(serializers.Serializer):
    period_start = serializers.DateField(source="start")
    period_end = serializers.DateField(source="end")
    filename = serializers.CharField(help_text=gettext_lazy("The Excel file's name."))
    xlsx_url = serializers.SerializerMethodField(
        help_text=gettext_lazy("Where this period's Excel file is downloaded.")
    )
    figures = serializers.JSONField(help_text=_FIGURES_HELP)

    @extend_schema_field(OpenApiTypes.URI)
    def get_xlsx_url(self, report) -> str:
        url = reverse("report-on-demand-xlsx", request=self.context.get("request"))
        return f"{url}?start={report.start.isoformat()}&end={report.end.isoformat()}"

"""The dispatch reports' pages (定期调度): the list of the stored reports, one report's tables and
its stored Excel file, and a report for any period made on demand (shown and downloaded, never
stored: the evaluation room changes nothing).

A report covers every unit: the pages are for those who see everything (bureau staff, admins, the
office's leader; ``evaluation.access.sees_reports``); unit leaders and cadres get 403. Each page
runs a fixed number of queries, whatever the number of reports, units or issues.
"""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from config.exports import XLSX_CONTENT_TYPE
from issues.reports import report_frequency, report_sheets, report_xlsx
from liaison.access import get_visible_or_404, role_required

from . import reports
from .forms import PeriodForm

# --- dispatch reports

#: Reports per page: a year of weekly reports.
PAGE_SIZE = 52


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@role_required("bureau")
def report_list(request):
    """Every stored report, newest first, with the form that makes one for any period."""
    page = Paginator(reports.report_list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "evaluation/reports/list.html", {
        "page": page,
        "form": PeriodForm(today=timezone.localdate()),
        "frequency_text": reports.FREQUENCY_TEXTS[report_frequency()],
    })


@role_required("bureau")
def report_detail(request, pk: int):
    """A stored report: its stored figures as the workbook's tables."""
    report = get_visible_or_404(reports.report_with_figures(user=request.user), pk=pk)
    return render(request, "evaluation/reports/detail.html", {
        "report": report,
        "start": report.period_start,
        "end": report.period_end,
        "figures": report.figures,
        "sheets": report_sheets(report.figures),
        "download_url": reverse("evaluation:report_xlsx", args=[report.pk]),
        "filename": report.filename,
    })


@role_required("bureau")
def report_download(request, pk: int):
    """The stored report's workbook, as it was e-mailed."""
    report = get_visible_or_404(
        reports.reports_visible_to(request.user).only("pk", "period_start", "period_end", "xlsx"), pk=pk
    )
    return _xlsx(bytes(report.xlsx), report.filename)


def _asked_period(request):
    """The period form, bound to the query when one was asked for; and the period if it is valid."""
    today = timezone.localdate()
    if not request.GET:
        return PeriodForm(today=today), None
    form = PeriodForm(request.GET, today=today)
    return form, (form.chosen if form.is_valid() else None)


@role_required("bureau")
def report_on_demand(request):
    """The report for the period asked for (``?start=&end=`` or a preset such as last month),
    computed now and shown like a stored one; an invalid period shows the form's errors (400)."""
    form, period = _asked_period(request)
    context = {"form": form, "on_demand": True}
    if period is None:
        return render(request, "evaluation/reports/detail.html", context, status=400 if form.is_bound else 200)
    report = reports.report_on_demand(period)
    return render(request, "evaluation/reports/detail.html", {
        **context,
        "start": report.start,
        "end": report.end,
        "figures": report.figures,
        "sheets": report_sheets(report.figures),
        "download_url": reverse("evaluation:report_on_demand_xlsx") + "?" + urlencode(period.as_query()),
        "filename": report.filename,
    })


@role_required("bureau")
def report_on_demand_download(request):
    """The workbook of the report for the period asked for, computed now (not stored)."""
    form, period = _asked_period(request)
    if period is None:
        return render(request, "evaluation/reports/detail.html", {"form": form, "on_demand": True}, status=400)
    report = reports.report_on_demand(period)
    return _xlsx(report_xlsx(report.figures), report.filename)

"""The dispatch reports as the evaluation room shows them: the stored ones (made by the issues
room's sweep, ``issues.enforcement.sweep_dispatch_report``) and one for any period, made on demand
and never stored (this room changes nothing).

The figures are ``issues.reports.report_figures`` of the period, the same JSON a stored report
keeps; the tables are ``issues.reports.report_sheets`` of those figures, the same the workbook has.
"""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from issues import reports
from issues.models import DispatchReport

from . import periods
from .access import reports_visible_to

# --- dispatch reports

#: What the report's frequency setting means, as the reports' list says it.
FREQUENCY_TEXTS = {
    reports.WEEKLY: _("A report is made each Monday at 08:30 for the week before (Monday to Sunday)."),
    reports.BIWEEKLY: _("A report is made every other Monday at 08:30 for the two weeks before."),
    reports.MONTHLY: _("A report is made on the 1st of each month at 08:30 for the month before."),
}


def report_list(*, user) -> QuerySet:
    """The stored reports ``user`` may open, newest period first, without their figures and files."""
    return reports_visible_to(user).defer("figures", "xlsx").order_by("-period_start", "-period_end", "-pk")


def report_with_figures(*, user) -> QuerySet:
    """The stored reports ``user`` may open, with their figures but not their files."""
    return reports_visible_to(user).defer("xlsx")


@dataclass(frozen=True)
class OnDemandReport:
    """A report for any period, computed now: the figures a stored report of that period would
    hold if the sweep made it now."""

    start: datetime.date
    #: Inclusive.
    end: datetime.date
    figures: dict

    @property
    def filename(self) -> str:
        return DispatchReport.filename_for(self.start, self.end)


def report_on_demand(period: periods.Period) -> OnDemandReport:
    return OnDemandReport(period.start, period.end, reports.report_figures(reports.Period(period.start, period.end)))

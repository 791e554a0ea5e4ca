"""``DispatchReport``: the periodic dispatch report (定期调度), its figures and its Excel file,
which the report's notifications refer to (topic ``report:<id>``).

The notifications themselves, their preferences and the sweeps' bookkeeping moved to the
``notices`` room (their tables kept their names).
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DispatchReport(models.Model):
    """The periodic dispatch report for one period (a week, two weeks or a month, as the report's
    frequency was when it was made), made once."""

    period_start = models.DateField(_("period start"))
    #: The last day of the period, inclusive.
    period_end = models.DateField(_("period end"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    #: The report's numbers as built by ``issues.reports.report_figures`` (JSON-safe).
    figures = models.JSONField(_("figures"), default=dict)
    #: The Excel workbook sent with the e-mail, kept so the inbox and the admin can offer it again.
    xlsx = models.BinaryField(_("Excel file"), editable=False)

    class Meta:
        verbose_name = _("dispatch report")
        verbose_name_plural = _("dispatch reports")
        ordering = ["-period_start"]
        constraints = [
            models.UniqueConstraint(fields=["period_start", "period_end"], name="dispatchreport_one_per_period"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="dispatchreport_period_ordered"),
        ]

    def __str__(self):
        return f"{self.period_start.isoformat()} – {self.period_end.isoformat()}"

    @property
    def filename(self) -> str:
        return self.filename_for(self.period_start, self.period_end)

    @staticmethod
    def filename_for(start, end) -> str:
        """The workbook's file name for the period ``start`` to ``end`` (also of one made on demand)."""
        return f"dispatch-report-{start.isoformat()}-{end.isoformat()}.xlsx"

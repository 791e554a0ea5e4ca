"""The dashboards: bureau staff's home (every unit) and a unit leader's (their units).

Each shows, for the period picked (this quarter by default), the charts of ``evaluation.charts``
with their numbers as tables, and below them what the homes showed before: the deadlines across
units (``liaison.selectors.deadline_overview``) or the unit's cadres, coverage and open issues
(``liaison.selectors.unit_overview``), both as of today.
"""

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from config.portal import portal_setting
from liaison import selectors as liaison_selectors
from liaison.access import role_required, roles_of
from liaison.models import Unit

from . import tables
from .charts import dashboard_charts
from .dashboard import EVERYTHING, Scope
from .figures import combined, scoreboard, totals
from .forms import PeriodForm, UnitDashboardForm


def _headline(period, scope, today) -> list:
    """The period's headline figures for the scope, with their change against the period before
    (the evaluation's figures: every unit's, or the scope's units' summed)."""
    if scope.is_everything:
        return tables.headline(totals(period, today=today), totals(period.previous(), today=today), period)
    board = scoreboard(period, today=today)
    units = sorted(scope.unit_ids)

    def summed(rows):
        return combined([row for row in rows if row.id in scope.unit_ids], name="")

    return tables.headline(summed(board.units), summed(board.previous.units), period, units=units)


def _dashboard_context(*, form, period, scope, today) -> dict:
    return {
        "form": form,
        "period": period,
        "scope": scope,
        "today": today,
        "headline": _headline(period, scope, today),
        "charts": dashboard_charts(period, scope, today=today),
        "map_geometry": portal_setting("MAP_GEOMETRY"),
    }


@role_required("bureau")
def bureau_dashboard(request):
    today = timezone.localdate()
    form = PeriodForm(request.GET or None, today=today)
    period = form.chosen
    context = _dashboard_context(form=form, period=period, scope=EVERYTHING, today=today)
    context.update(action=reverse("bureau_home"), overview=liaison_selectors.deadline_overview(user=request.user, today=today))
    return render(request, "evaluation/bureau_dashboard.html", context)


@role_required("leader")
def unit_dashboard(request):
    """A leader of several units sees them together, or the one chosen."""
    today = timezone.localdate()
    units = list(Unit.objects.filter(pk__in=roles_of(request.user).led_unit_ids))
    form = UnitDashboardForm(request.GET or None, today=today, units=units)
    period, unit_ids = form.chosen, form.chosen_unit_ids
    context = _dashboard_context(form=form, period=period, scope=Scope(unit_ids=unit_ids), today=today)
    context.update(
        action=reverse("unit_home"),
        shown_units=[u for u in units if u.pk in unit_ids],
        overview=liaison_selectors.unit_overview(user=request.user, today=today),
    )
    return render(request, "evaluation/unit_dashboard.html", context)

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

from . import kept, tables
from .charts import kept_dashboard_charts
from .dashboard import EVERYTHING, Scope
from .figures import counted_moment, combined, kept_scoreboard, kept_totals
from .forms import PeriodForm, UnitDashboardForm


def _headline(period, scope, today) -> tuple[list, object]:
    """The period's headline figures for the scope, with their change against the period before
    (the evaluation's figures: every unit's, or the scope's units' summed), and when they were
    counted if the records have changed since (``evaluation.kept``)."""
    if scope.is_everything:
        now, before, as_of = kept_totals(period, today=today)
        return tables.headline(now, before, period), as_of
    board = kept_scoreboard(period, today=today, with_cadres=False)
    units = sorted(scope.unit_ids)

    def summed(table):
        return combined(table.of_ids(scope.unit_ids), name="")

    return tables.headline(summed(board.units), summed(board.previous.units), period, units=units), board.as_of


def _dashboard_context(*, form, period, scope, today) -> dict:
    headline, headline_as_of = _headline(period, scope, today)
    charts, charts_counted_at = kept_dashboard_charts(period, scope, today=today)
    counted = [moment for moment in (headline_as_of, counted_moment(charts_counted_at)) if moment is not None]
    return {
        "form": form,
        "period": period,
        "scope": scope,
        "today": today,
        "headline": headline,
        "charts": charts,
        "as_of": min(counted, default=None),
        "map_geometry": portal_setting("MAP_GEOMETRY"),
    }


@role_required("bureau")
def bureau_dashboard(request):
    today = timezone.localdate()
    form = PeriodForm(request.GET or None, today=today)
    period = form.chosen
    context = _dashboard_context(form=form, period=period, scope=EVERYTHING, today=today)
    # Kept as the charts are: at national scale it groups every open issue by its unit.
    overview, counted_at = kept.keep("deadline-overview", (today, request.user.pk),
                                     lambda: liaison_selectors.deadline_overview(user=request.user, today=today))
    moments = [moment for moment in (context["as_of"], counted_moment(counted_at)) if moment is not None]
    context.update(action=reverse("bureau_home"), overview=overview, as_of=min(moments, default=None))
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

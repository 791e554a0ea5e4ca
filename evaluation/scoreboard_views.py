"""The evaluation pages: the cadres' and units' scoreboards, one cadre's or unit's figures, the
records behind each figure, their Excel files, and the score's weights.

Each page reads the period from ``PeriodForm`` and the user's scope from ``evaluation_scope``; the
figures come from one ``scoreboard`` (a fixed number of queries), of which a scoped page shows
its rows: ranks are always among all cadres (units).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config.exports import xlsx_response
from config.forms import add_service_errors
from liaison.models import Cadre, Unit

from . import attribution, exports, tables
from .access import can_set_weights, evaluation_scope
from .figures import RankedCadres, RowTable, cadre_rows_of_units, kept_cadre_rows, kept_scoreboard, older
from .forms import CadreUnitFilterForm, PeriodForm, WeightsForm
from .models import ScoreWeights
from .scoring import LABELS as WEIGHT_LABELS
from .scoring import current_weights
from .services import score_weights_set

#: Rows per page of a drill-down list.
RECORDS_PAGE_SIZE = 50
#: Cadres or units per page of a scoreboard, as every list of the portal: a city's units fit on one;
#: a province's page through.
BOARD_PAGE_SIZE = 50

SORTABLE = {column.key for column in tables.COLUMNS} | {"score", "name"}


def _period_form(request) -> PeriodForm:
    form = PeriodForm(request.GET or None, today=timezone.localdate())
    form.is_valid()
    return form


def _sorted(rows, sort: str, where=None):
    """Rank order by default; ``?sort=contacts`` (highest first) or ``?sort=name`` (the board's own
    order). ``rows``: a kept board's units (a ``RowTable``: only the rows a page takes are built) or a
    list of rows; ``where``: the ids to keep."""
    table = rows if isinstance(rows, RowTable) else RowTable(rows)
    if sort == "name":
        return table.in_order(where)
    if sort in SORTABLE and sort != "score":
        return table.sorted_by(sort, where)
    return table.ranked(where)


def _board(request, *, with_cadres: bool = True):
    scope = evaluation_scope(request.user)
    form = _period_form(request)
    board = kept_scoreboard(form.chosen, today=timezone.localdate(), with_cadres=with_cadres)
    return scope, form, board


@login_required
def cadre_scoreboard(request):
    scope = evaluation_scope(request.user)
    if not scope.everything and not scope.unit_ids:
        # A cadre's scoreboard is their own figures.
        return redirect(f"{_cadre_url(scope.cadre_id)}?{request.GET.urlencode()}")
    scope, form, board = _board(request, with_cadres=False)
    sort, unit = request.GET.get("sort", ""), request.GET.get("unit", "")
    units = scope.cadre_unit_ids(board.units.ids)
    if scope.everything and not unit and sort in ("", "score"):
        # Rank order over every cadre: the page's rows alone are read.
        page = Paginator(RankedCadres(board), BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
        shown = list(page)
    else:
        if unit:
            units = [row_unit for row_unit in units if str(row_unit) == unit]
        rows = cadre_rows_of_units(board, units, sees=scope.sees_cadre)
        page = Paginator(_sorted(rows, sort), BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
        shown = list(page)
    period = board.period
    return render(request, "evaluation/cadres.html", {
        "form": form, "board": board, "period": period, "columns": tables.COLUMNS, "sort": sort,
        "page": page, "rows": [(row, tables.cells(row, tables.COLUMNS, period, cadre=row.id)) for row in shown],
        "unit_filter": _unit_filter(request, scope, board),
    })


def _unit_filter(request, scope, board) -> CadreUnitFilterForm | None:
    """The units whose cadres the page may show, as a filter: none when there is only one."""
    seen = [unit_id for unit_id in board.units.ids if scope.sees_unit(unit_id)]
    if len(seen) <= 1:
        return None
    units = Unit.objects.order_by("sort_key", "name")
    units = units.filter(cadres__isnull=False).distinct() if scope.everything else units.filter(pk__in=seen)
    return CadreUnitFilterForm(request.GET or None, units=units)


@login_required
def unit_scoreboard(request):
    if not evaluation_scope(request.user).sees_units:
        raise PermissionDenied
    scope, form, board = _board(request, with_cadres=False)
    period = board.period
    rows = _sorted(board.units, request.GET.get("sort", ""), scope.sees_unit)
    page = Paginator(rows, BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "evaluation/units.html", {
        "form": form, "board": board, "period": period, "columns": tables.COLUMNS, "sort": request.GET.get("sort", ""),
        "page": page, "rows": [(row, tables.cells(row, tables.COLUMNS, period, unit=row.id)) for row in page],
        "total": tables.cells(board.total, tables.COLUMNS, period) if scope.everything else None,
    })


def _cadre_url(cadre_id):
    return reverse("evaluation:cadre", args=[cadre_id])


def _sections(row, period, **who):
    return [(title, tables.cells(row, columns, period, **who)) for title, columns in tables.SECTIONS]


@login_required
def cadre_figures(request, pk):
    cadre = Cadre.objects.filter(pk=pk).values("unit_id").first()
    if cadre is None or not evaluation_scope(request.user).sees_cadre(pk, cadre["unit_id"]):
        raise Http404
    scope, form, board = _board(request, with_cadres=False)
    by_unit, as_of = kept_cadre_rows(board.period, today=board.today, unit_ids=[cadre["unit_id"]])
    board.as_of = older(board.as_of, as_of)
    row = next((r for r in by_unit[cadre["unit_id"]] if r.id == pk), None)
    if row is None:
        raise Http404
    return render(request, "evaluation/cadre.html", {
        "form": form, "board": board, "period": board.period, "row": row,
        "sections": _sections(row, board.period, cadre=row.id),
        "breakdown": _score_breakdown(row, board.weights),
    })


@login_required
def unit_figures(request, pk):
    if not evaluation_scope(request.user).sees_unit(pk):
        raise Http404
    scope, form, board = _board(request, with_cadres=False)
    row = board.units.by_id(pk)
    if row is None:
        raise Http404
    period = board.period
    cadres = _sorted(cadre_rows_of_units(board, [pk], sees=scope.sees_cadre), request.GET.get("sort", ""))
    return render(request, "evaluation/unit.html", {
        "form": form, "board": board, "period": period, "row": row, "columns": tables.COLUMNS,
        "sections": _sections(row, period, unit=row.id),
        "rows": [(r, tables.cells(r, tables.COLUMNS, period, cadre=r.id)) for r in cadres],
        "breakdown": _score_breakdown(row, board.weights),
    })


def _score_breakdown(row, weights):
    """What each weighted figure gives the score, for the page's "how the score is made"."""
    return [(WEIGHT_LABELS[key], weight, row.value(key)) for key, weight in weights.items() if weight]


def _drill_target(request, scope):
    """The cadre or units asked for (``?cadre=`` or ``?unit=``, which may repeat: a leader's units
    together) and their name, checked against the scope; neither is every unit's records, for
    those who see everything."""
    try:
        cadre_id = int(request.GET["cadre"]) if request.GET.get("cadre") else None
        unit_ids = sorted({int(value) for value in request.GET.getlist("unit") if value})
    except ValueError:
        raise Http404 from None
    if cadre_id is not None:
        cadre = Cadre.objects.select_related("user").filter(pk=cadre_id).first()
        if cadre is None or not scope.sees_cadre(cadre.pk, cadre.unit_id):
            raise Http404
        return {"cadre": cadre.pk}, cadre.name
    if unit_ids:
        units = list(Unit.objects.filter(pk__in=unit_ids))
        if len(units) != len(unit_ids) or not all(scope.sees_unit(unit.pk) for unit in units):
            raise Http404
        return {"unit": unit_ids if len(unit_ids) > 1 else unit_ids[0]}, "、".join(unit.name for unit in units)
    if not scope.everything:
        raise PermissionDenied
    return {}, _("All units")


def _drill(request, key):
    if key not in attribution.MEASURES:
        raise Http404
    scope = evaluation_scope(request.user)
    form = _period_form(request)
    who, name = _drill_target(request, scope)
    records = tables.drill_records(key, form.chosen, timezone.localdate(), **who)
    return form, who, name, records


@login_required
def records(request, key):
    form, who, name, chained = _drill(request, key)
    page = Paginator(chained, RECORDS_PAGE_SIZE).get_page(request.GET.get("page"))
    measure = attribution.MEASURES[key]
    rows = list(page.object_list)
    names = exports.credited_names(rows)
    for row in rows:
        row.credited_name = names.get(row.credited_cadre, "")
    return render(request, "evaluation/records.html", {
        "form": form, "period": form.chosen, "measure": measure, "who": who, "name": name, "page": page,
        "records": rows, "kind": tables.record_kind(key),
        "total_amount": exports.amount_total(chained, measure) if measure.amount_field else None,
    })


@login_required
def records_export(request, key):
    form, who, name, chained = _drill(request, key)
    measure = attribution.MEASURES[key]
    records = chained[:]
    header, rows, widths = exports.record_rows(tables.record_kind(key), records, exports.credited_names(records))
    return xlsx_response([header, *rows], title=str(measure.label), widths=widths, name=f"evaluation-{key}")


@login_required
def cadre_scoreboard_export(request):
    scope, form, board = _board(request)
    rows = [row for row in board.cadres if scope.sees_cadre(row.id, row.unit_id)]
    header, data, widths = exports.scoreboard_rows(_sorted(rows, ""), with_unit=True)
    return xlsx_response([header, *data], title=_("Cadres") + " " + board.period.label, widths=widths,
                         name="evaluation-cadres")


@login_required
def unit_scoreboard_export(request):
    if not evaluation_scope(request.user).sees_units:
        raise PermissionDenied
    scope, form, board = _board(request, with_cadres=False)
    header, data, widths = exports.scoreboard_rows(_sorted(board.units, "", scope.sees_unit), with_unit=False)
    return xlsx_response([header, *data], title=_("Units") + " " + board.period.label, widths=widths,
                         name="evaluation-units")


@login_required
@require_http_methods(["GET", "POST"])
def weights(request):
    evaluation_scope(request.user)  # anyone with a role may read how the score is made
    editable = can_set_weights(request.user)
    current = current_weights()
    form = WeightsForm(request.POST or None, initial=current.values)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        if form.is_valid():
            try:
                score_weights_set(by=request.user, weights=form.weights(), note=form.cleaned_data["note"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The new weights apply to every scoreboard from now on."))
                return redirect("evaluation:weights")
    history = [
        (change, [(WEIGHT_LABELS[key], change.weights.get(key, 0)) for key in WEIGHT_LABELS])
        for change in ScoreWeights.objects.select_related("changed_by")[:50]
    ]
    return render(request, "evaluation/weights.html", {
        "form": form, "editable": editable, "current": [(WEIGHT_LABELS[k], w) for k, w in current.items()],
        "is_default": current.source_id is None, "history": history,
    })

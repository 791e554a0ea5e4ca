"""The evaluation over the API: the same figures as the pages, scoped the same way.

``/api/v1/evaluation/cadres/?start=YYYY-MM-DD&end=YYYY-MM-DD`` (or ``?period=this_quarter``) lists
a row per cadre the user may see: its id (``cadre``), every figure, the shares, the mean rating,
the median working days to close, the score, its rank and their change against the period
before. ``/api/v1/evaluation/units/`` does the same per unit. A bad period is a 400 that says
which parameter is wrong.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.exceptions import PermissionDenied

from liaison.models import Cadre, Unit

from . import attribution
from .access import evaluation_scope
from .figures import SHARES, scoreboard
from .forms import PeriodForm

# --- scoreboards


def _figure_fields() -> dict:
    fields = {}
    for key, measure in attribution.MEASURES.items():
        fields[key] = (serializers.DecimalField(max_digits=16, decimal_places=2, help_text=str(measure.label))
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
        return scope, scoreboard(form.chosen, today=timezone.localdate())

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

    def list(self, request):
        scope, board = self._board(request)
        rows = sorted((row for row in board.cadres if scope.sees_cadre(row.id, row.unit_id)),
                      key=lambda row: (row.rank, row.name))
        return self._respond(rows)


@extend_schema(parameters=_PERIOD_PARAMETERS, responses={200: UnitFiguresSerializer(many=True),
                                                          400: OpenApiResponse(description=_("A bad period."))})
class UnitEvaluationViewSet(_ScoreboardViewSet):
    """Each unit's figures (its cadres' summed) for the period, by rank: all for bureau staff,
    a leader's own units; a cadre has none (403)."""

    id_name = "unit"
    record_model = Unit
    serializer_class = UnitFiguresSerializer

    def list(self, request):
        scope, board = self._board(request)
        if not scope.sees_units:
            raise PermissionDenied(_("Only bureau staff and unit leaders see the units' figures."))
        rows = sorted((row for row in board.units if scope.sees_unit(row.id)), key=lambda row: (row.rank, row.name))
        return self._respond(rows)

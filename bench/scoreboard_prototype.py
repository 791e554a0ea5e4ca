"""A measuring device, not code for the portal: ``evaluation.figures`` with the Python-side changes
bench/README.md proposes, patched in by ``evaluation_bench.py --prototype`` to time them.

The same figures, fewer Python objects:

1. The cadres and units are read once per scoreboard (not again for the period before), as
   ``values_list`` rows instead of model instances with their user and unit (26,700 instances for
   8,900 cadres, twice).
2. The working days to close each issue come from a table of working-day numbers (one pass over
   the days the issues span; a difference of two look-ups per issue) instead of
   ``working_days_between`` walking day by day for every issue.
3. The closed issues are read without the model's default ordering (``order_by()``): the sort
   served nothing.
4. The zero counts every row starts from are made once and copied.

``evaluation_bench.py`` checks that the prototype gives exactly the figures of the real module
(every count, share, score and rank of every cadre and unit) before timing it, so a change in
``evaluation`` that this copy misses stops the bench instead of measuring something else.
"""

import datetime
from collections import defaultdict

from django.utils.translation import gettext_lazy as _

from evaluation import attribution, figures
from evaluation.figures import Row, _count_base, _derive, _zero_counts
from issues.calendar import load_calendar
from liaison.models import Cadre, Unit, user_display_name

_people_cache = {}


def working_day_numbers(calendar, first: datetime.date, last: datetime.date) -> dict:
    """Each day in [first, last] -> the number of working days in (first, day]: the working days
    between two of them is the difference of their numbers."""
    number, count, day = {}, 0, first
    while day <= last:
        if day != first and calendar.is_working_day(day):
            count += 1
        number[day] = count
        day += datetime.timedelta(days=1)
    return number


def _cadre_counts(period, today):
    counts = defaultdict(dict)
    by_base = defaultdict(list)
    for measure in attribution.MEASURES.values():
        by_base[measure.base].append(measure)
    for base, measures in by_base.items():
        _count_base(base, measures, period, today, counts)
    ratings_total = {cadre_id: values.pop("ratings_total", 0) for cadre_id, values in counts.items()}
    days = defaultdict(list)
    closed = list(attribution.closed_issues(period).exclude(issue_class="A").order_by()
                  .values_list("credited_cadre", "clock_started_on", "closed_on"))
    if closed:
        number = working_day_numbers(load_calendar(), min(r[1] for r in closed), max(r[2] for r in closed))
        for cadre_id, started, closed_on in closed:
            days[cadre_id].append(number[closed_on] - number[started])
    return counts, ratings_total, days


class _Name:
    """What ``user_display_name`` reads of a user."""

    __slots__ = ("last_name", "first_name", "username")

    def __init__(self, last_name, first_name, username):
        self.last_name, self.first_name, self.username = last_name, first_name, username

    def get_username(self):
        return self.username


def _people():
    if "people" not in _people_cache:
        cadres = list(Cadre.objects.order_by("unit__sort_key", "user__last_name", "user__first_name", "pk").values_list(
            "pk", "unit_id", "unit__name", "is_active", "user__last_name", "user__first_name", "user__username"))
        units = list(Unit.objects.filter(cadres__isnull=False).distinct().order_by("sort_key", "pk")
                     .values_list("pk", "name"))
        _people_cache["people"] = (cadres, units)
    return _people_cache["people"]


def _rows(period, today):
    counts, ratings_total, days = _cadre_counts(period, today)
    cadres, unit_list = _people()
    zero = _zero_counts()
    cadre_rows = []
    for pk, unit_id, unit_name, is_active, last_name, first_name, username in cadres:
        if not is_active and pk not in counts:
            continue
        row = Row(id=pk, name=user_display_name(_Name(last_name, first_name, username)), unit_id=unit_id,
                  unit_name=unit_name, is_active=is_active, counts=zero | counts.get(pk, {}),
                  days_to_close=days.get(pk, []), ratings_total=ratings_total.get(pk, 0))
        _derive(row)
        cadre_rows.append(row)
    units = {pk: Row(id=pk, name=name, unit_id=pk, unit_name=name, counts=dict(zero)) for pk, name in unit_list}
    total = Row(id=0, name=str(_("All units")), unit_id=None, unit_name="", counts=dict(zero))
    for row in cadre_rows:
        for target in (units[row.unit_id], total):
            for key, value in row.counts.items():
                target.counts[key] += value
            target.days_to_close += row.days_to_close
            target.ratings_total += row.ratings_total
    for row in [*units.values(), total]:
        _derive(row)
    return cadre_rows, list(units.values()), total


def apply() -> None:
    """Patch ``evaluation.figures`` (in this process only)."""
    real = figures.scoreboard

    def scoreboard(*args, **kwargs):
        if kwargs.get("with_previous", True):
            _people_cache.clear()  # once per scoreboard: the period before reuses the same people
        return real(*args, **kwargs)

    figures._cadre_counts = _cadre_counts
    figures._rows = _rows
    # The views, the dashboards and the API imported the name itself.
    import importlib
    import pkgutil
    import sys

    import evaluation

    for info in pkgutil.iter_modules(evaluation.__path__):
        importlib.import_module(f"evaluation.{info.name}")
    for name, module in list(sys.modules.items()):
        if name.startswith("evaluation.") and getattr(module, "scoreboard", None) is real:
            module.scoreboard = scoreboard


def fingerprint(board) -> list:
    """Every figure of a scoreboard, to compare two."""
    return [(r.id, r.name, r.unit_id, r.counts, r.derived, sorted(r.days_to_close), r.ratings_total, r.score, r.rank,
             r.previous_score, r.previous_rank) for r in [*board.cadres, *board.units, board.total]]

"""The evaluation's figures per cadre and per unit for a period, the score beside them, and the
rank and change against the period before.

Every figure is counted in the database, grouped by the credited cadre (``attribution``): one
query per measure (and per quarter for the quarterly duty), whatever the number of cadres, units
or records. A unit's figures are its cadres' summed; its shares, mean and median are recomputed
from the sums, never averaged.
"""

import dataclasses
import datetime
import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from issues.calendar import load_calendar
from liaison.models import Cadre, Unit, display_name

from . import attribution, kept
from .periods import Period
from .scoring import Weights, current_weights, score_rows

#: Figures that are a share of two counts: (key, part, whole).
SHARES = [
    ("duty_share", "duty_met", "duty_due"),
    ("first_contact_share", "first_contacts_on_time", "first_contacts_due"),
    ("first_visit_share", "first_visits_on_time", "first_visits_due"),
    ("in_time_share", "issues_closed_in_time", "issues_closed"),
    ("platform_rating_share", "ratings_from_platform", "ratings"),
    ("platform_need_share", "needs_from_platform", "needs"),
]

SHARE_LABELS = {
    "duty_share": _("Quarterly contact duty met"),
    "first_contact_share": _("First contacts on time"),
    "first_visit_share": _("First visits on time"),
    "in_time_share": _("Closed in time"),
    "platform_rating_share": _("Ratings from the platform itself"),
    "platform_need_share": _("Needs raised by the platform itself"),
}


@dataclass
class Row:
    """One cadre's or one unit's figures for the period."""

    #: The cadre's or unit's id.
    id: int
    name: str
    unit_id: int | None
    unit_name: str
    is_active: bool = True
    counts: dict = field(default_factory=dict)
    #: Shares (0-1, or None when the whole is 0), the ratings' mean, the median working days to close.
    derived: dict = field(default_factory=dict)
    #: The working days each closed issue took, for the median (a unit's are its cadres' together).
    days_to_close: list = field(default_factory=list)
    ratings_total: int = 0
    score: float = 0.0
    rank: int = 0
    previous_score: float | None = None
    previous_rank: int | None = None

    @property
    def score_change(self) -> float | None:
        return None if self.previous_score is None else round(self.score - self.previous_score, 1)

    @property
    def rank_change(self) -> int | None:
        """Places gained since the period before (positive is better)."""
        return None if self.previous_rank is None else self.previous_rank - self.rank

    def __reduce__(self):
        # Pickled compactly (a kept board is read back on every page): the field names and the
        # counts' keys are tuples shared by every row, so pickle writes them once per board, and
        # each row is its values. A third fewer bytes, and faster to read back.
        names = _shared(tuple(f.name for f in dataclasses.fields(self) if f.name not in _DICT_FIELDS))
        return _unpickle_row, (names, tuple(getattr(self, name) for name in names),
                               _shared(tuple(self.counts)), tuple(self.counts.values()),
                               _shared(tuple(self.derived)), tuple(self.derived.values()))

    def value(self, key: str):
        if key in self.counts:
            return self.counts[key]
        return self.derived.get(key)


_DICT_FIELDS = ("counts", "derived")
_SHARED: dict[tuple, tuple] = {}


def _shared(keys: tuple) -> tuple:
    """One tuple object for equal tuples, so that pickle memoizes it."""
    return _SHARED.setdefault(keys, keys)


def _unpickle_row(names, values, count_keys, count_values, derived_keys, derived_values) -> Row:
    return Row(**dict(zip(names, values)), counts=dict(zip(count_keys, count_values)),
               derived=dict(zip(derived_keys, derived_values)))


class RowTable(Sequence):
    """Rows kept as columns: what a kept board holds for its units (1,900 at national scale, and
    as many for the period before).

    A list of rows pickles each row's seventy-odd values as Python objects, which read back at about
    16 µs a row (60 ms for a national board, on every page that shows it). A table pickles one tuple
    per figure, read back in C in a few milliseconds, and builds a ``Row`` only when one is taken:
    a page of 50 builds 50. ``ids``, ``ranked``, ``sorted_by``, ``of_ids`` and ``by_id`` choose the
    rows from the columns; iterating builds every row (an export, say)."""

    def __init__(self, rows=()):
        self._rows: list = list(rows)
        self._columns: dict | None = None

    @classmethod
    def _from_columns(cls, columns: dict) -> "RowTable":
        table = cls()
        table._columns = columns
        table._rows = [None] * len(columns["id"])
        return table

    def __reduce__(self):
        rows = list(self)
        names = tuple(f.name for f in dataclasses.fields(Row) if f.name not in _DICT_FIELDS)
        count_keys = tuple(rows[0].counts) if rows else ()
        derived_keys = tuple(rows[0].derived) if rows else ()
        if any(tuple(row.counts) != count_keys or tuple(row.derived) != derived_keys for row in rows):
            return RowTable, (rows,)  # rows of different shapes: kept as rows
        columns = {name: tuple(getattr(row, name) for row in rows) for name in names}
        columns["days_to_close"] = tuple(tuple(row.days_to_close) for row in rows)
        columns["counts"] = {key: tuple(row.counts[key] for row in rows) for key in count_keys}
        columns["derived"] = {key: tuple(row.derived[key] for row in rows) for key in derived_keys}
        return RowTable._from_columns, (columns,)

    def __len__(self) -> int:
        return len(self._rows)

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        row = self._rows[index]
        if row is None:
            row = self._rows[index] = self._build(index if index >= 0 else len(self) + index)
        return row

    def _build(self, i: int) -> Row:
        columns = self._columns
        row = Row(**{name: values[i] for name, values in columns.items() if name not in _TABLE_PARTS},
                  days_to_close=list(columns["days_to_close"][i]),
                  counts={key: values[i] for key, values in columns["counts"].items()},
                  derived={key: values[i] for key, values in columns["derived"].items()})
        return row

    def _column(self, name: str) -> tuple:
        if self._columns is not None:
            return self._columns[name]
        return tuple(getattr(row, name) for row in self._rows)

    def _values(self, key: str) -> tuple:
        """A figure's value in each row (``Row.value``)."""
        if self._columns is None:
            return tuple(row.value(key) for row in self._rows)
        for part in ("counts", "derived"):
            if key in self._columns[part]:
                return self._columns[part][key]
        return (None,) * len(self)

    @property
    def ids(self) -> tuple:
        return self._column("id")

    def _indexes(self, where: Callable[[int], bool] | None) -> list[int]:
        return [i for i, pk in enumerate(self.ids) if where is None or where(pk)]

    def of_ids(self, ids) -> list[Row]:
        """The rows of ``ids``, in the table's order."""
        wanted = set(ids)
        return [self[i] for i in self._indexes(wanted.__contains__)]

    def by_id(self, pk) -> Row | None:
        found = self.of_ids([pk])
        return found[0] if found else None

    def ranked(self, where: Callable[[int], bool] | None = None) -> "TakenRows":
        """The rows whose id ``where`` admits (all by default) by rank, then name; built as taken."""
        ranks, names = self._column("rank"), self._column("name")
        return TakenRows(self, sorted(self._indexes(where), key=lambda i: (ranks[i], names[i])))

    def sorted_by(self, key: str, where: Callable[[int], bool] | None = None) -> "TakenRows":
        """By ``key``'s value, highest first (none last), then rank; built as taken."""
        values, ranks = self._values(key), self._column("rank")
        return TakenRows(self, sorted(self._indexes(where),
                                      key=lambda i: (values[i] is None, -(values[i] or 0), ranks[i])))

    def in_order(self, where: Callable[[int], bool] | None = None) -> "TakenRows":
        """In the table's own order (the board's: by unit, then name)."""
        return TakenRows(self, self._indexes(where))


#: A table's columns that are not a ``Row`` field of one value.
_TABLE_PARTS = frozenset({"counts", "derived", "days_to_close"})


class TakenRows(Sequence):
    """Some rows of a ``RowTable`` in a chosen order, each built when a page takes it."""

    def __init__(self, table: RowTable, indexes: list[int]):
        self.table, self.indexes = table, indexes

    def __len__(self) -> int:
        return len(self.indexes)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.table[i] for i in self.indexes[index]]
        return self.table[self.indexes[index]]


@dataclass
class Scoreboard:
    period: Period
    today: datetime.date
    weights: Weights
    cadres: list[Row]
    units: "RowTable"
    total: Row
    #: The period before's board (without its own before), for the changes.
    previous: "Scoreboard | None" = None
    #: None when the figures are the records' now; else when they were counted (a kept board
    #: served although records changed since: ``kept``).
    as_of: datetime.datetime | None = None
    #: How many cadres the board ranks, kept when their rows are left out (``with_cadres=False``).
    cadres_ranked_count: int | None = None

    @property
    def cadres_ranked(self) -> int:
        return len(self.cadres) if self.cadres_ranked_count is None else self.cadres_ranked_count


def _aggregates(measures: list, today: datetime.date, *, with_ratings_total: bool) -> dict:
    aggregates = {}
    for measure in measures:
        condition = measure.condition_on(today)
        aggregates[measure.key] = (Sum(measure.amount_field, filter=condition) if measure.amount_field
                                   else Count("pk", filter=condition))
    if with_ratings_total:
        aggregates["ratings_total"] = Sum("rating")
    return aggregates


def _measures_by_base() -> dict[str, list]:
    by_base = defaultdict(list)
    for measure in attribution.MEASURES.values():
        by_base[measure.base].append(measure)
    return by_base


def _days_to_close(rows) -> list[tuple[int, int]]:
    """(cadre, working days the issue took) for each (cadre, clock started, closed) row, counted
    from one table of working-day numbers over the days the rows span."""
    rows = list(rows)
    if not rows:
        return []
    numbers = load_calendar().working_day_numbers(min(r[1] for r in rows), max(r[2] for r in rows))
    return [(cadre_id, numbers[closed_on] - numbers[started]) for cadre_id, started, closed_on in rows]


def _closed_with_a_clock(period: Period) -> QuerySet:
    """The period's closed issues that had a deadline (class A is solved on the spot)."""
    return attribution.closed_issues(period).exclude(issue_class="A").order_by()


def _cadre_counts(period: Period, today: datetime.date) -> tuple[dict, dict, dict]:
    """Each measure's value per credited cadre; the ratings' sum per cadre; the working days each
    issue closed in the period took, per cadre."""
    counts: dict[int, dict] = defaultdict(dict)
    for base, measures in _measures_by_base().items():
        aggregates = _aggregates(measures, today, with_ratings_total=base == "ratings")
        for part in attribution.BASES[base](period, today):
            for row in part.queryset.order_by().values("credited_cadre").annotate(**aggregates):
                mine = counts[row["credited_cadre"]]
                for key in aggregates:
                    mine[key] = mine.get(key, 0) + (row[key] or 0)
    ratings_total = {cadre_id: values.pop("ratings_total", 0) for cadre_id, values in counts.items()}
    days: dict[int, list[int]] = defaultdict(list)
    closed = _closed_with_a_clock(period).values_list("credited_cadre", "clock_started_on", "closed_on")
    for cadre_id, taken in _days_to_close(closed):
        days[cadre_id].append(taken)
    return counts, ratings_total, days


def _derive(row: Row) -> None:
    for key, part, whole in SHARES:
        total = row.counts.get(whole, 0)
        row.derived[key] = round(row.counts.get(part, 0) / total, 4) if total else None
    ratings = row.counts.get("ratings", 0)
    row.derived["ratings_mean"] = round(row.ratings_total / ratings, 2) if ratings else None
    row.derived["median_days_to_close"] = statistics.median(row.days_to_close) if row.days_to_close else None


def _zero_counts() -> dict:
    return {key: (Decimal("0") if m.amount_field else 0) for key, m in attribution.MEASURES.items()}


@dataclass(frozen=True)
class People:
    """Every cadre (id, name, unit, unit's name, active) in the boards' order, and the units
    that have cadres: read once for a board and the board before it."""

    cadres: list[tuple]
    units: list[tuple]

    @classmethod
    def read(cls) -> "People":
        cadres = [
            (pk, display_name(last, first, username), unit_id, unit_name, active)
            for pk, last, first, username, unit_id, unit_name, active in Cadre.objects.order_by(
                "unit__sort_key", "user__last_name", "user__first_name", "pk"
            ).values_list("pk", "user__last_name", "user__first_name", "user__username", "unit_id", "unit__name",
                          "is_active")
        ]
        units = list(Unit.objects.filter(cadres__isnull=False).distinct().order_by("sort_key", "pk")
                     .values_list("pk", "name"))
        return cls(cadres=cadres, units=units)


def _rows(period: Period, today: datetime.date, people: People) -> tuple[list[Row], list[Row], Row]:
    counts, ratings_total, days = _cadre_counts(period, today)
    zero = _zero_counts()
    cadre_rows = []
    for pk, name, unit_id, unit_name, active in people.cadres:
        if not active and pk not in counts:
            continue
        row = Row(id=pk, name=name, unit_id=unit_id, unit_name=unit_name, is_active=active,
                  counts=zero | counts.get(pk, {}), days_to_close=days.get(pk, []),
                  ratings_total=ratings_total.get(pk, 0))
        _derive(row)
        cadre_rows.append(row)
    units = {pk: Row(id=pk, name=name, unit_id=pk, unit_name=name, counts=dict(zero)) for pk, name in people.units}
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


def totals(period: Period, *, today: datetime.date) -> Row:
    """Every unit's figures together for ``period``: the scoreboard's ``total`` row, counted
    without crediting anyone (a total does not depend on who is credited), so without the
    attribution's per-record look-ups. The headline of bureau staff's dashboard."""
    total = Row(id=0, name=str(_("All units")), unit_id=None, unit_name="", counts=_zero_counts())
    for base, measures in _measures_by_base().items():
        aggregates = _aggregates(measures, today, with_ratings_total=base == "ratings")
        for part in attribution.BASES[base](period, today):
            # ``aggregate`` leaves out the annotations it does not use: no ``credited_cadre``.
            for key, value in part.queryset.order_by().aggregate(**aggregates).items():
                if key == "ratings_total":
                    total.ratings_total += value or 0
                else:
                    total.counts[key] += value or 0
    closed = _closed_with_a_clock(period).values_list("recorded_by_id", "clock_started_on", "closed_on")
    total.days_to_close = [taken for _cadre, taken in _days_to_close(closed)]
    _derive(total)
    return total


def scoreboard(period: Period, *, today: datetime.date, weights: Weights | None = None,
               with_previous: bool = True, people: People | None = None) -> Scoreboard:
    """Every cadre's and unit's figures, score and rank for ``period`` as of ``today``, with the
    change against the period before. Scores and ranks are over all cadres (all units): a scoped
    page shows its rows of the same board."""
    weights = weights or current_weights()
    people = people or People.read()
    cadres, units, total = _rows(period, today, people)
    score_rows(cadres, weights)
    score_rows(units, weights)
    previous = None
    if with_previous:
        previous = scoreboard(period.previous(), today=today, weights=weights, with_previous=False, people=people)
        for now_rows, before_rows in ((cadres, previous.cadres), (units, previous.units)):
            before = {row.id: row for row in before_rows}
            for row in now_rows:
                if row.id in before:
                    row.previous_score, row.previous_rank = before[row.id].score, before[row.id].rank
    return Scoreboard(period=period, today=today, weights=weights, cadres=cadres, units=RowTable(units), total=total,
                      previous=previous)


def counted_moment(counted_at: float | None) -> datetime.datetime | None:
    return None if counted_at is None else datetime.datetime.fromtimestamp(counted_at, tz=datetime.UTC)


def _weights_key(weights: Weights) -> tuple:
    return weights.source_id, tuple(weights.items())


def kept_scoreboard(period: Period, *, today: datetime.date, with_cadres: bool = True,
                    recount: bool = False) -> Scoreboard:
    """``scoreboard(period)`` with the weights in force, counted once and kept until the records
    change (``kept``): what the pages and the API show (``previous`` without its cadres' rows:
    ``_without_previous_cadres``). ``with_cadres=False`` gives the board
    without its cadres' rows (``cadres`` empty, here and in ``previous``), which at national scale
    is a tenth of the board to read back: for the pages that show units only. ``recount``: never
    a board counted before the records' last change."""
    weights = current_weights()
    parts = (period.start, period.end, today, _weights_key(weights))
    if with_cadres:
        board, counted_at = kept.keep("scoreboard", parts,
                                      lambda: _without_previous_cadres(scoreboard(period, today=today, weights=weights)),
                                      recount=recount)
    else:
        board, counted_at = kept.keep("unit-scoreboard", parts,
                                      lambda: _without_cadres(kept_scoreboard(period, today=today, recount=True)),
                                      recount=recount)
    board.as_of = counted_moment(counted_at)
    return board


#: The cadres' rows are kept apart from the board, in parts: by unit (``unit id % UNIT_PARTS``) and
#: in rank order (``RANK_PART`` rows a part), so that a page reads a part or two rather than 8,900
#: rows at national scale (600 ms to read back), and a cache on disk holds a few hundred files.
UNIT_PARTS = 64
RANK_PART = 50


def _cadre_parts_key(period: Period, today: datetime.date) -> tuple:
    return period.start, period.end, today, _weights_key(current_weights())


def kept_cadre_rows(period: Period, *, today: datetime.date, unit_ids,
                    recount: bool = False) -> tuple[dict[int, list[Row]], datetime.datetime | None]:
    """The cadres' rows of ``kept_scoreboard(period)`` for each of ``unit_ids`` (``{unit id:
    rows}``, in the board's order), read from the parts kept by unit: a page of one unit's cadres,
    or of a leader's units', reads those; with the time they were counted when the records changed
    since."""
    unit_ids = list(unit_ids)

    def count_all() -> dict[int, dict[int, list[Row]]]:
        board = kept_scoreboard(period, today=today, recount=True)
        split = {number: {} for number in range(UNIT_PARTS)}
        for row in board.cadres:
            split[row.unit_id % UNIT_PARTS].setdefault(row.unit_id, []).append(row)
        return split

    found, counted_at = kept.keep_many("unit-cadres", _cadre_parts_key(period, today),
                                       sorted({unit_id % UNIT_PARTS for unit_id in unit_ids}), count_all,
                                       recount=recount)
    rows = {unit_id: list((found.get(unit_id % UNIT_PARTS) or {}).get(unit_id, ())) for unit_id in unit_ids}
    return rows, counted_moment(counted_at)


class RankedCadres(Sequence):
    """Every cadre's row of ``board`` (kept without them: ``with_cadres=False``) in rank order,
    read from the parts kept in that order as a page slices it: a paginator's page reads one or
    two parts. Reading sets ``board.as_of`` to the older of the two."""

    def __init__(self, board: Scoreboard, *, recount: bool = False):
        self.board, self.recount = board, recount

    def __len__(self) -> int:
        return self.board.cadres_ranked

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index:index + 1][0]
        start, stop, step = index.indices(len(self))
        if start >= stop:
            return []
        numbers = list(range(start // RANK_PART, (stop - 1) // RANK_PART + 1))
        board = self.board

        def count_all() -> dict[int, list[Row]]:
            full = kept_scoreboard(board.period, today=board.today, recount=True)
            ranked = sorted(full.cadres, key=lambda row: (row.rank, row.name))
            return {number: ranked[number * RANK_PART:(number + 1) * RANK_PART]
                    for number in range(-(-len(ranked) // RANK_PART))}

        found, counted_at = kept.keep_many("ranked-cadres", _cadre_parts_key(board.period, board.today), numbers,
                                           count_all, recount=self.recount)
        board.as_of = older(board.as_of, counted_moment(counted_at))
        rows = [row for number in numbers for row in (found.get(number) or [])]
        offset = numbers[0] * RANK_PART
        return rows[start - offset:stop - offset:step]


def older(*moments):
    """The earliest "as of" of a page's parts (None: all are the records' now)."""
    known = [moment for moment in moments if moment is not None]
    return min(known) if known else None


def cadre_rows_of_units(board: Scoreboard, unit_ids, *, sees: Callable[[int, int], bool]) -> list[Row]:
    """The cadres' rows of ``unit_ids`` that ``sees(cadre id, unit id)``, from the parts kept by unit
    (``kept_cadre_rows``), in the board's order (by unit, then name); ``board.as_of`` made the
    older of the two."""
    by_unit, as_of = kept_cadre_rows(board.period, today=board.today, unit_ids=unit_ids)
    board.as_of = older(board.as_of, as_of)
    return [row for unit_id in board.units.ids for row in by_unit.get(unit_id, ()) if sees(row.id, row.unit_id)]


def _without_previous_cadres(board: Scoreboard) -> Scoreboard:
    """The board without the period before's cadres' rows: each row of this period carries its
    score and rank then (``previous_score``, ``previous_rank``), and the pages read the period
    before's units only. At national scale they were 8,900 more rows to read back on every page
    (460 ms of unpickling, 110 ms without them)."""
    previous = board.previous and dataclasses.replace(board.previous, cadres=[])
    return dataclasses.replace(board, previous=previous)


def _without_cadres(board: Scoreboard) -> Scoreboard:
    """What the units' pages read: the units' rows as tables (``RowTable``), no cadres' rows."""
    previous = board.previous and dataclasses.replace(board.previous, cadres=[], units=RowTable(board.previous.units))
    return dataclasses.replace(board, cadres=[], units=RowTable(board.units), previous=previous, as_of=None,
                               cadres_ranked_count=len(board.cadres))


def kept_totals(period: Period, *, today: datetime.date,
                recount: bool = False) -> tuple[Row, Row, datetime.datetime | None]:
    """``totals`` of the period and of the one before, kept as ``kept_scoreboard``; with the time
    they were counted when the records have changed since."""
    (now, before), counted_at = kept.keep(
        "totals", (period.start, period.end, today),
        lambda: (totals(period, today=today), totals(period.previous(), today=today)), recount=recount)
    return now, before, counted_moment(counted_at)


def combined(rows: list[Row], *, name: str) -> Row:
    """Several units' (or cadres') figures as one row: summed, the shares recomputed."""
    out = Row(id=0, name=name, unit_id=None, unit_name="", counts=_zero_counts())
    for row in rows:
        for key, value in row.counts.items():
            out.counts[key] += value
        out.days_to_close += row.days_to_close
        out.ratings_total += row.ratings_total
    _derive(out)
    return out

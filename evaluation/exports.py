"""The rows of the evaluation's Excel files: the scoreboards and each drill-down list, with headers
in the reader's language (Chinese by default)."""

from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from liaison.models import Cadre

from . import attribution
from .figures import SHARES
from .tables import SECTIONS


def credited_names(records) -> dict[int, str]:
    """The name of each cadre the records count for (one query)."""
    ids = {getattr(record, "credited_cadre", None) for record in records} - {None}
    return {cadre.pk: cadre.name for cadre in Cadre.objects.select_related("user").filter(pk__in=ids)}


def amount_total(chained, measure: attribution.Measure) -> Decimal:
    total = Decimal("0")
    for part in chained.parts:
        total += part.queryset.aggregate(total=Sum(measure.amount_field))["total"] or 0
    return total


def _every_figure():
    """Every figure of a cadre's page, in its order, once."""
    seen, out = set(), []
    for _title, columns in SECTIONS:
        for column in columns:
            if column.key not in seen:
                seen.add(column.key)
                out.append(column)
    return out


def scoreboard_rows(rows, *, with_unit: bool):
    """A scoreboard as a sheet: rank, name (and unit), score and its change, then every figure."""
    figures = _every_figure()
    header = [_("Rank"), _("Name"), *([_("Unit")] if with_unit else []), _("Score"), _("Change in score"),
              *[str(column.label) for column in figures]]
    shares = {key for key, _part, _whole in SHARES}
    data = []
    for row in rows:
        values = []
        for column in figures:
            value = row.value(column.key)
            if column.key in shares and value is not None:
                value = round(value * 100, 1)
            values.append(value)
        data.append([row.rank, row.name, *([row.unit_name] if with_unit else []), row.score, row.score_change,
                     *values])
    return header, data, [6, 16, *([22] if with_unit else []), 8, 10, *[14] * len(figures)]


def _yes_no(value) -> str:
    return "" if value is None else (_("Yes") if value else _("No"))


def record_rows(kind: str, records, names: dict[int, str]):
    """A drill-down list as a sheet, by the kind of record; the last column says whom it counts for."""
    counted_for = _("Counted for")
    if kind == "contact":
        header = [_("Date"), _("Platform"), _("Kind"), _("Made by"), counted_for]
        rows = [[r.date, r.platform.name, r.get_kind_display(), r.cadre.name, names.get(r.credited_cadre, "")]
                for r in records]
        widths = [12, 36, 14, 12, 12]
    elif kind == "assignment":
        header = [_("Quarter"), _("Platform"), _("Cadre"), _("Start date"), _("End date"),
                  _("Contacted in the quarter"), counted_for]
        rows = [[getattr(r, "part_label", ""), r.platform.name, r.cadre.name, r.start_date, r.end_date,
                 _yes_no(getattr(r, "contacted", None)), names.get(r.credited_cadre, "")] for r in records]
        widths = [10, 36, 12, 12, 12, 14, 12]
    elif kind == "issue":
        header = [_("Recorded on"), _("Class"), _("Title"), _("Platform"), _("Status"), _("Due date"),
                  _("Clock stopped on"), _("On time"), _("Recorded by"), counted_for]
        rows = [[r.recorded_on, r.issue_class, r.title, r.platform.name, r.get_status_display(), r.due_date,
                 r.closed_on, _yes_no(r.on_time), r.recorded_by.name, names.get(r.credited_cadre, "")]
                for r in records]
        widths = [12, 6, 40, 30, 14, 12, 12, 8, 12, 12]
    elif kind == "issueevent":
        header = [_("Rated on"), _("Issue"), _("Platform"), _("Rating"), _("Source"), _("Comment"), counted_for]
        rows = [[r.rated_on, r.issue.title, r.issue.platform.name, r.rating, rating_source_label(r.rating_source),
                 r.note, names.get(r.credited_cadre, "")] for r in records]
        widths = [12, 40, 30, 8, 16, 30, 12]
    elif kind == "achievement":
        header = [_("Title"), _("Platform"), _("Stage"), _("Collected on"), _("Transformed on"),
                  _("Contract amount (10,000 yuan)"), _("Collected by"), counted_for]
        rows = [[r.title, r.platform.name, r.get_stage_display(), r.collected_on, r.transformed_on,
                 r.contract_amount, r.collected_by.name, names.get(r.credited_cadre, "")] for r in records]
        widths = [40, 30, 12, 12, 12, 14, 12, 12]
    elif kind == "match":
        header = [_("Achievement"), _("Demand"), _("Demand's unit"), _("Confirmed on"), _("Status"), counted_for]
        rows = [[r.achievement.title, r.demand.title, r.demand.unit.name, r.confirmed_on, r.get_status_display(),
                 names.get(r.credited_cadre, "")] for r in records]
        widths = [36, 36, 20, 12, 12, 12]
    elif kind == "platformneed":
        header = [_("Received on"), _("Platform"), _("Source"), _("What the problem is"), _("The issue it became"),
                  counted_for]
        rows = [[r.received_on, r.platform.name, rating_source_label(r.source), r.what,
                 f"#{r.issue_id} {r.issue.title}" if r.issue_id else _("Awaiting classification"),
                 names.get(r.credited_cadre, "")] for r in records]
        widths = [12, 30, 16, 40, 36, 12]
    else:
        header = [_("Given on"), _("Kind of service"), _("Platform"), _("Given by"), _("What was done"), counted_for]
        rows = [[r.given_on, r.get_kind_display(), r.platform.name, r.given_by.name, r.description,
                 names.get(r.credited_cadre, "")] for r in records]
        widths = [12, 20, 30, 12, 40, 12]
    return header, rows, widths


def rating_source_label(source: str) -> str:
    """A rating's or a need's source, as the drill-down lists say it (both say "platform" alike)."""
    if source in (attribution.RATING_FROM_PLATFORM, attribution.NEED_FROM_PLATFORM):
        return _("From the platform itself")
    return _("Entered on the platform's behalf")



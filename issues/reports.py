"""The periodic dispatch report (定期调度): which period it covers, its figures, its Excel file.

Reads only: ``issues.enforcement.sweep_dispatch_report`` stores the report and notifies bureau
staff. The figures are plain JSON (stored on ``DispatchReport.figures``), so the e-mail, the
inbox, the report's page (``evaluation``), the API and the admin all show the same numbers; the
page and the workbook are both made from ``report_sheets``, so they show the same tables.

How often a report is made is a setting, ``PORTAL["DISPATCH_REPORT_FREQUENCY"]``
(``report_period_due``): ``weekly`` (the default: each Monday at 08:30 for the Monday-to-Sunday
week before), ``biweekly`` (every other Monday, for the two weeks before) or ``monthly`` (the 1st
at 08:30, for the month before). A report can also be made for any period on demand
(``report_figures``), which is what the evaluation pages do without storing it.

Definitions (the period is a range of days in Asia/Shanghai, its last day included; "unit" is the
unit of the platform's current responsible cadre, or of the cadre who recorded the issue when the
platform has none):

- coverage: active platforms, and those with at least one contact (of any kind, by anyone) from
  the first day of the quarter containing the period's last day up to that day;
- new: issues recorded in the period (class A included);
- resolved: issues whose ``resolved_on`` is in the period;
- overdue: class B-D issues whose deadline (the end of the due date) had passed by the end of the
  period and whose clock was still running then: due on or before its last day, and open or
  closed only after it. ``newly_overdue`` are those whose deadline passed during the period; the
  rest were already overdue in the report of the period before.

Rooms to the right of ``issues`` (achievements) add their own figures, lines and sheets through
``register_section`` (see ``ReportSection``), from their ``AppConfig.ready``: the report is
theirs to extend without ``issues`` importing them.
"""

import datetime
import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import BigIntegerField, Count, Exists, F, OuterRef, Q, Subquery
from django.core.exceptions import ImproperlyConfigured
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from config.exports import worksheet_value
from config.portal import portal_setting
from config.schedules import DISPATCH_REPORT_TIME, DISPATCH_REPORT_WEEKDAY
from liaison.duties import Quarter, quarter_of
from liaison.models import Assignment, Contact, Unit
from platforms.models import Platform

from .models import Issue, IssueClass
from .workdays import DEADLINE_TZ

ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    start: datetime.date
    #: Inclusive.
    end: datetime.date

    def as_dict(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


# --- how often: the frequency setting ------------------------------------------------------------

WEEKLY, BIWEEKLY, MONTHLY = "weekly", "biweekly", "monthly"
#: The values ``PORTAL["DISPATCH_REPORT_FREQUENCY"]`` may take.
FREQUENCIES = (WEEKLY, BIWEEKLY, MONTHLY)
#: Every other week counts from this report day (a Monday, or whichever weekday reports are made
#: on), so that the fortnights do not depend on when the portal started or on the year's weeks.
BIWEEKLY_EPOCH = datetime.date(2024, 1, 1) + datetime.timedelta(days=DISPATCH_REPORT_WEEKDAY)


def report_frequency() -> str:
    """``PORTAL["DISPATCH_REPORT_FREQUENCY"]``; ``manage.py check`` refuses any other value
    (``frequency_errors``)."""
    return portal_setting("DISPATCH_REPORT_FREQUENCY")


def frequency_errors(value) -> list[str]:
    """What is wrong with ``value`` as the report's frequency (nothing when it is one of ``FREQUENCIES``)."""
    if value in FREQUENCIES:
        return []
    return [f'PORTAL["DISPATCH_REPORT_FREQUENCY"] is {value!r}; it must be one of: ' + ", ".join(FREQUENCIES) + "."]


def report_period_due(now: datetime.datetime, frequency: str | None = None) -> Period:
    """The latest period whose report is due by ``now``, at ``frequency`` (default: the setting).

    Reports are due at 08:30 (``config.schedules.DISPATCH_REPORT_TIME``), Asia/Shanghai: weekly,
    each Monday for the Monday-to-Sunday week before; biweekly, every other Monday (counted from
    ``BIWEEKLY_EPOCH``) for the two weeks before; monthly, on the 1st for the month before.
    """
    frequency = frequency or report_frequency()
    if frequency not in FREQUENCIES:
        raise ImproperlyConfigured(" ".join(frequency_errors(frequency)))
    local = now.astimezone(DEADLINE_TZ)
    # The last day a report was due on by now: today once its time has come, else yesterday.
    day = local.date() if local.time() >= DISPATCH_REPORT_TIME else local.date() - ONE_DAY
    if frequency == MONTHLY:
        first = day.replace(day=1)
        return Period(start=(first - ONE_DAY).replace(day=1), end=first - ONE_DAY)
    report_day = day - datetime.timedelta(days=(day.weekday() - DISPATCH_REPORT_WEEKDAY) % 7)
    weeks = 1
    if frequency == BIWEEKLY:
        weeks = 2
        if (report_day - BIWEEKLY_EPOCH).days // 7 % 2:
            report_day -= datetime.timedelta(days=7)
    return Period(start=report_day - datetime.timedelta(days=7 * weeks), end=report_day - ONE_DAY)


# --- sections other rooms add ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReportTable:
    """A table of a workbook sheet (and of the report's page): a bold header row, then the rows
    (plain values: text, numbers, ``Decimal`` amounts, shown with two decimals, ``Rate`` shares,
    shown as percentages, and ``None`` for an empty cell)."""

    header: list
    rows: list


@dataclass(frozen=True)
class ReportSheet:
    """A workbook sheet: its title (at most 31 characters are kept) and its tables, one under the
    other with a blank row between."""

    title: str
    tables: list[ReportTable]


def _everything(figures: dict) -> dict:
    return figures


@dataclass(frozen=True)
class ReportSection:
    """A part of the report that a room to the right of ``issues`` contributes (the achievements'
    progress, for one): ``issues`` may not import those rooms, so each registers its section from
    its ``AppConfig.ready`` with ``register_section``.

    Every callable reads or returns the section's own JSON-safe figures, stored under
    ``figures[key]``; the presentation callables run in the active language.
    """

    key: str
    #: ``build(period)``: the section's figures for the period (JSON-safe: stored as they are).
    build: Callable[[Period], dict]
    #: ``lines(figures)``: the section's lines in the e-mail and inbox text. It receives the
    #: section's figures, or what ``text_figures`` kept of them.
    lines: Callable[[dict], list[str]]
    #: ``sheets(figures)``: the section's sheets in the workbook, which the report's page shows too.
    sheets: Callable[[dict], list[ReportSheet]]
    #: ``text_figures(figures)``: what a notification keeps to say ``lines`` again in each reader's
    #: language (``report_text_figures``); everything by default.
    text_figures: Callable[[dict], dict] = _everything


#: The figures' own keys, which no section may take.
_CORE_KEYS = frozenset({"period", "quarter", "coverage", "issues"})
_SECTIONS: dict[str, ReportSection] = {}


def register_section(section: ReportSection) -> None:
    """Add ``section`` to every report made from now on, after the issues. Registering the same key
    again replaces the section (``ready`` may run more than once)."""
    if section.key in _CORE_KEYS:
        raise ValueError(f"{section.key!r} is one of the report's own figures")
    _SECTIONS[section.key] = section


def report_sections() -> list[ReportSection]:
    """The registered sections, in the order they were first registered."""
    return list(_SECTIONS.values())


def _present_sections(figures: dict) -> list[tuple[ReportSection, dict]]:
    """The registered sections ``figures`` holds. A report made before a section existed stores
    nothing for it (or ``None``, as the reports made before achievements were tracked): that
    section is left out, never invented."""
    return [(section, figures[section.key]) for section in _SECTIONS.values() if figures.get(section.key)]


# --- figures -------------------------------------------------------------------------------------


def _unit_names() -> dict[int, str]:
    """Every unit's name, in the units' own order (``Unit.Meta.ordering``)."""
    return dict(Unit.objects.values_list("id", "name"))


def _unit_order(names: dict, unit_ids) -> list:
    """Units in the order of ``names`` (the office, city departments, districts, parks, each by
    pinyin); the platforms nobody is responsible for (``None``) last."""
    position = {unit_id: index for index, unit_id in enumerate(names)}
    return sorted(unit_ids, key=lambda uid: (uid is None, position.get(uid, len(position)), uid or 0))


def unit_label(row: dict) -> str:
    """A figures row's unit as shown: its name, or "no responsible cadre" (figures hold no text)."""
    return row["unit"] if row["unit_id"] is not None else _("No responsible cadre")


def coverage(*, quarter: Quarter, as_of: datetime.date) -> dict:
    active_unit = Assignment.objects.active().filter(platform=OuterRef("pk")).values("cadre__unit_id")[:1]
    contacted = Contact.objects.filter(platform=OuterRef("pk"), date__gte=quarter.start, date__lte=as_of)
    rows = (
        Platform.objects.filter(is_active=True)
        .annotate(unit_id=Subquery(active_unit), contacted=Exists(contacted))
        .values("unit_id")
        .annotate(active_platforms=Count("id"), contacted_platforms=Count("id", filter=Q(contacted=True)))
    )
    names = _unit_names()
    by_unit = {row["unit_id"]: row for row in rows}
    out, total_active, total_contacted = [], 0, 0
    for unit_id in _unit_order(names, by_unit):
        row = by_unit[unit_id]
        total_active += row["active_platforms"]
        total_contacted += row["contacted_platforms"]
        out.append({
            "unit_id": unit_id,
            "unit": names.get(unit_id),
            "active_platforms": row["active_platforms"],
            "contacted": row["contacted_platforms"],
            "rate": _rate(row["contacted_platforms"], row["active_platforms"]),
        })
    return {
        "units": out,
        "total": {"active_platforms": total_active, "contacted": total_contacted,
                  "rate": _rate(total_contacted, total_active)},
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


ISSUE_MEASURES = ("new", "resolved", "overdue", "newly_overdue")


def issue_counts(period: Period) -> dict:
    active = Assignment.objects.active().filter(platform=OuterRef("platform_id"))
    issues = Issue.objects.annotate(
        unit_id=Coalesce(Subquery(active.values("cadre__unit_id")[:1]), F("recorded_by__unit_id"),
                         output_field=BigIntegerField())
    )
    overdue = issues.filter(due_date__lte=period.end, recorded_on__lte=period.end).filter(
        Q(status__in=Issue.OPEN_STATUSES) | Q(closed_on__gt=period.end)
    )
    selections = {
        "new": issues.filter(recorded_on__gte=period.start, recorded_on__lte=period.end),
        "resolved": issues.filter(resolved_on__gte=period.start, resolved_on__lte=period.end),
        "overdue": overdue,
        "newly_overdue": overdue.filter(due_date__gte=period.start),
    }
    by_class = {c: dict.fromkeys(ISSUE_MEASURES, 0) for c in IssueClass.values}
    by_unit: dict = defaultdict(lambda: dict.fromkeys(ISSUE_MEASURES, 0))
    for measure, queryset in selections.items():
        for row in queryset.values("issue_class", "unit_id").annotate(n=Count("id")).order_by():
            by_class[row["issue_class"]][measure] += row["n"]
            by_unit[row["unit_id"]][measure] += row["n"]
    names = _unit_names()
    return {
        "classes": list(IssueClass.values),
        "by_class": by_class,
        "by_unit": [{"unit_id": uid, "unit": names.get(uid), **by_unit[uid]} for uid in _unit_order(names, by_unit)],
        "total": {m: sum(by_class[c][m] for c in by_class) for m in ISSUE_MEASURES},
    }


def report_figures(period: Period) -> dict:
    """Everything the report says, as JSON-safe data."""
    quarter = quarter_of(period.end)
    return {
        "period": period.as_dict(),
        "quarter": {"label": quarter.label, "start": quarter.start.isoformat(), "end": quarter.end.isoformat(),
                    "as_of": period.end.isoformat()},
        "coverage": coverage(quarter=quarter, as_of=period.end),
        "issues": issue_counts(period),
        **{section.key: section.build(period) for section in report_sections()},
    }


# --- presentation -------------------------------------------------------------------------------


class Rate(float):
    """A share (0 to 1) in a report table: the workbook and the page both show it as a percentage."""


def _rate_cell(value: float | None) -> Rate | None:
    return None if value is None else Rate(value)


def _measure_labels() -> dict[str, str]:
    return {"new": _("New"), "resolved": _("Resolved"), "overdue": _("Overdue at the end of the period"),
            "newly_overdue": _("Of which overdue in the period")}


def report_subject(figures: dict) -> str:
    return _("Periodic dispatch report, %(start)s to %(end)s") % figures["period"]


def report_text_figures(figures: dict) -> dict:
    """The part of ``figures`` that ``report_subject`` and ``report_body`` read, in the same shape:
    what a report's notification keeps to say it again in each reader's language."""
    return {
        "period": figures["period"],
        "quarter": {"label": figures["quarter"]["label"]},
        "coverage": {"total": figures["coverage"]["total"]},
        "issues": {"total": figures["issues"]["total"]},
        **{section.key: section.text_figures(value) for section, value in _present_sections(figures)},
    }


def report_body(figures: dict) -> str:
    """The e-mail and inbox text: the headline numbers; the workbook and the report's page have
    the detail."""
    coverage_total = figures["coverage"]["total"]
    totals = figures["issues"]["total"]
    lines = [
        report_subject(figures),
        "",
        _("Coverage in %(quarter)s so far: %(contacted)d of %(active)d active platforms contacted.")
        % {"quarter": figures["quarter"]["label"], "contacted": coverage_total["contacted"],
           "active": coverage_total["active_platforms"]},
        _("Issues in the period: %(new)d new, %(resolved)d resolved; %(overdue)d overdue at the end of the "
          "period (%(newly_overdue)d of them since its start).") % totals,
    ]
    for section, value in _present_sections(figures):
        lines += section.lines(value)
    lines += ["", _("The figures by unit and by class are in the attached Excel file, and in the portal.")]
    return "\n".join(lines)


def report_sheets(figures: dict) -> list[ReportSheet]:
    """The whole report as tables, in the active language: the summary, coverage by unit, issues
    by class and by unit, then each registered section's sheets. The workbook (``report_xlsx``)
    and the report's page both show exactly these, so they cannot disagree.

    Cells are plain values: text, whole numbers, ``Decimal`` amounts (two decimals), ``Rate``
    shares (a percentage) and ``None`` (nothing to say: a coverage rate with no platforms).
    """
    labels = _measure_labels()
    coverage_total = figures["coverage"]["total"]
    totals = figures["issues"]["total"]
    by_class = figures["issues"]["by_class"]
    sheets = [
        ReportSheet(_("Summary"), [ReportTable([_("Item"), _("Value")], [
            [_("Period start"), figures["period"]["start"]],
            [_("Period end"), figures["period"]["end"]],
            [_("Quarter"), figures["quarter"]["label"]],
            [_("Active platforms"), coverage_total["active_platforms"]],
            [_("Platforms contacted this quarter"), coverage_total["contacted"]],
            *[[labels[m], totals[m]] for m in ISSUE_MEASURES],
        ])]),
        ReportSheet(_("Coverage"), [ReportTable([_("Unit"), _("Active platforms"), _("Contacted"), _("Coverage")], [
            *[[unit_label(row), row["active_platforms"], row["contacted"], _rate_cell(row["rate"])]
              for row in figures["coverage"]["units"]],
            [_("Total"), coverage_total["active_platforms"], coverage_total["contacted"],
             _rate_cell(coverage_total["rate"])],
        ])]),
        ReportSheet(_("Issues by class"), [ReportTable([_("Class"), *[labels[m] for m in ISSUE_MEASURES]], [
            *[[issue_class, *[by_class[issue_class][m] for m in ISSUE_MEASURES]]
              for issue_class in figures["issues"]["classes"]],
            [_("Total"), *[totals[m] for m in ISSUE_MEASURES]],
        ])]),
        ReportSheet(_("Issues by unit"), [ReportTable([_("Unit"), *[labels[m] for m in ISSUE_MEASURES]], [
            *[[unit_label(row), *[row[m] for m in ISSUE_MEASURES]] for row in figures["issues"]["by_unit"]],
            [_("Total"), *[totals[m] for m in ISSUE_MEASURES]],
        ])]),
    ]
    for section, value in _present_sections(figures):
        sheets += section.sheets(value)
    return sheets


def report_xlsx(figures: dict) -> bytes:
    """The report as an Excel workbook (openpyxl): one sheet per ``report_sheets`` sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    workbook = Workbook()
    for number, report_sheet in enumerate(report_sheets(figures)):
        ws = workbook.active if number == 0 else workbook.create_sheet()
        ws.title = report_sheet.title[:31]
        for index, table in enumerate(report_sheet.tables):
            if index:
                ws.append([])
            ws.append([worksheet_value(value) for value in table.header])
            for cell in ws[ws.max_row]:
                cell.font = bold
            for row in table.rows:
                ws.append([float(value) if isinstance(value, Rate) else worksheet_value(value) for value in row])
                for cell, value in zip(ws[ws.max_row], row):
                    if isinstance(value, Decimal):  # amounts: always two decimals
                        cell.number_format = "0.00"
                    elif isinstance(value, Rate):
                        cell.number_format = "0.0%"
        for index in range(1, max((len(t.header) for t in report_sheet.tables), default=0) + 1):
            ws.column_dimensions[ws.cell(row=1, column=index).column_letter].width = 22
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

"""The periodic dispatch report (定期调度): which week it covers, its figures, its Excel file.

Reads only: ``issues.enforcement.sweep_dispatch_report`` stores the report and notifies bureau
staff. The figures are plain JSON (stored on ``DispatchReport.figures``), so the e-mail, the
inbox, the admin and a later dashboard all show the same numbers.

Definitions (the week is Monday to Sunday, Asia/Shanghai; "unit" is the unit of the platform's
current responsible cadre, or of the cadre who recorded the issue when the platform has none):

- coverage: active platforms, and those with at least one contact (of any kind, by anyone) from
  the first day of the quarter containing the week's Sunday up to that Sunday;
- new: issues recorded in the week (class A included);
- resolved: issues whose ``resolved_on`` is in the week;
- overdue: class B-D issues whose deadline (the end of the due date) had passed by the end of the
  week and whose clock was still running then: due on or before the Sunday, and open or closed
  only after it. ``newly_overdue`` are those whose deadline passed during the week (due Monday
  to Sunday); the rest were already overdue in last week's report.

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
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

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


def report_period_due(now: datetime.datetime) -> Period:
    """The latest week whose report is due by ``now``: reports are due each Monday at 08:30
    (``config.schedules``) for the Monday-to-Sunday week before."""
    local = now.astimezone(DEADLINE_TZ)
    report_day = local.date() - datetime.timedelta(days=(local.weekday() - DISPATCH_REPORT_WEEKDAY) % 7)
    if report_day == local.date() and local.time() < DISPATCH_REPORT_TIME:
        report_day -= datetime.timedelta(days=7)
    return Period(start=report_day - datetime.timedelta(days=7), end=report_day - ONE_DAY)


# --- sections other rooms add ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReportTable:
    """A table of a workbook sheet: a bold header row, then the rows (plain values: text, numbers,
    and ``Decimal`` amounts, shown with two decimals)."""

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
    #: ``build(period)``: the section's figures for the week (JSON-safe: stored as they are).
    build: Callable[[Period], dict]
    #: ``lines(figures)``: the section's lines in the e-mail and inbox text. It receives the
    #: section's figures, or what ``text_figures`` kept of them.
    lines: Callable[[dict], list[str]]
    #: ``sheets(figures)``: the section's sheets in the workbook.
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


def _measure_labels() -> dict[str, str]:
    return {"new": _("New"), "resolved": _("Resolved"), "overdue": _("Overdue at the end of the week"),
            "newly_overdue": _("Of which overdue this week")}


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
    """The e-mail and inbox text: the headline numbers; the workbook has the detail."""
    coverage_total = figures["coverage"]["total"]
    totals = figures["issues"]["total"]
    lines = [
        report_subject(figures),
        "",
        _("Coverage in %(quarter)s so far: %(contacted)d of %(active)d active platforms contacted.")
        % {"quarter": figures["quarter"]["label"], "contacted": coverage_total["contacted"],
           "active": coverage_total["active_platforms"]},
        _("Issues this week: %(new)d new, %(resolved)d resolved; %(overdue)d overdue at the end of the week "
          "(%(newly_overdue)d of them since this week).") % totals,
    ]
    for section, value in _present_sections(figures):
        lines += section.lines(value)
    lines += ["", _("The figures by unit and by class are in the attached Excel file, and in the portal.")]
    return "\n".join(lines)


def report_xlsx(figures: dict) -> bytes:
    """The report as an Excel workbook (openpyxl), one sheet per table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    workbook = Workbook()
    labels = _measure_labels()

    def sheet(title, header, rows, first=False):
        return tables_sheet(title, [ReportTable(header, rows)], first=first)

    def tables_sheet(title, tables, first=False):
        ws = workbook.active if first else workbook.create_sheet()
        ws.title = title[:31]
        for number, table in enumerate(tables):
            if number:
                ws.append([])
            ws.append(table.header)
            for cell in ws[ws.max_row]:
                cell.font = bold
            for row in table.rows:
                ws.append(row)
                for cell in ws[ws.max_row]:
                    if isinstance(cell.value, Decimal):  # amounts: always two decimals
                        cell.number_format = "0.00"
        for index in range(1, max((len(t.header) for t in tables), default=0) + 1):
            ws.column_dimensions[ws.cell(row=1, column=index).column_letter].width = 22
        return ws

    coverage_total = figures["coverage"]["total"]
    totals = figures["issues"]["total"]
    sheet(_("Summary"), [_("Item"), _("Value")], [
        [_("Period start"), figures["period"]["start"]],
        [_("Period end"), figures["period"]["end"]],
        [_("Quarter"), figures["quarter"]["label"]],
        [_("Active platforms"), coverage_total["active_platforms"]],
        [_("Platforms contacted this quarter"), coverage_total["contacted"]],
        *[[labels[m], totals[m]] for m in ISSUE_MEASURES],
    ], first=True)
    sheet(_("Coverage"), [_("Unit"), _("Active platforms"), _("Contacted"), _("Coverage")], [
        *[[unit_label(row), row["active_platforms"], row["contacted"], row["rate"]]
          for row in figures["coverage"]["units"]],
        [_("Total"), coverage_total["active_platforms"], coverage_total["contacted"], coverage_total["rate"]],
    ])
    by_class = figures["issues"]["by_class"]
    sheet(_("Issues by class"), [_("Class"), *[labels[m] for m in ISSUE_MEASURES]], [
        *[[issue_class, *[by_class[issue_class][m] for m in ISSUE_MEASURES]] for issue_class in figures["issues"]["classes"]],
        [_("Total"), *[totals[m] for m in ISSUE_MEASURES]],
    ])
    sheet(_("Issues by unit"), [_("Unit"), *[labels[m] for m in ISSUE_MEASURES]], [
        *[[unit_label(row), *[row[m] for m in ISSUE_MEASURES]] for row in figures["issues"]["by_unit"]],
        [_("Total"), *[totals[m] for m in ISSUE_MEASURES]],
    ])
    for section, value in _present_sections(figures):
        for extra in section.sheets(value):
            tables_sheet(extra.title, extra.tables)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

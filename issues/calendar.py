"""The working-day calendar as the portal sees it: the package plus the admin's entries.

``load_calendar()`` builds the pure :class:`~issues.workdays.WorkdayCalendar` from the database;
``compute_deadline()`` turns an issue's class, start day and approved extensions into its due
date; ``parse_day_entries()`` reads the admin's pasted or uploaded list of days.
"""

import csv
import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import WORKING_DAYS_BY_CLASS, CalendarDay, CalendarYear, ExtensionRequest
from .workdays import FIRST_DATE, LAST_DATE, WorkdayCalendar, YearStatus

#: A pasted range may span at most this many days: a typo must not turn a whole year into holidays.
MAX_RANGE_DAYS = 31


def load_calendar() -> WorkdayCalendar:
    """The calendar as it stands in the database now (two small queries).

    Built afresh on each call so a change in this transaction is seen at once; callers that
    count many issues build it once and pass it along.
    """
    overrides = {
        day: kind == CalendarDay.Kind.WORKDAY for day, kind in CalendarDay.objects.values_list("date", "kind")
    }
    loaded = CalendarYear.objects.filter(loaded=True).values_list("year", flat=True)
    return WorkdayCalendar.build(overrides=overrides, admin_loaded_years=loaded)


# --- deadlines -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    original_due_date: datetime.date | None
    due_date: datetime.date | None
    #: The due date in force was computed on weekdays alone somewhere (a year not loaded).
    provisional: bool


NO_DEADLINE = Deadline(original_due_date=None, due_date=None, provisional=False)


def compute_deadline(
    *,
    calendar: WorkdayCalendar,
    issue_class: str,
    counted_from: datetime.date,
    extensions: Iterable[ExtensionRequest] = (),
) -> Deadline:
    """The due date of an issue of ``issue_class`` whose working days count from ``counted_from``.

    Approved ``extensions`` apply in the order they were decided: extra working days count on
    from the due date before them; a granted date replaces it, but never brings it forward (a
    calendar change that moves the original date past a granted date does not shorten the time).
    """
    limit = WORKING_DAYS_BY_CLASS.get(issue_class)
    if limit is None:
        return NO_DEADLINE
    original, provisional = calendar.add_working_days(counted_from, limit)
    due = original
    approved = sorted(
        (e for e in extensions if e.status == ExtensionRequest.Status.APPROVED),
        key=lambda e: (e.decided_at, e.pk or 0),
    )
    for extension in approved:
        if extension.granted_working_days:
            due, extended_provisional = calendar.add_working_days(due, extension.granted_working_days)
            provisional = provisional or extended_provisional
        elif extension.granted_due_date and extension.granted_due_date > due:
            # A date chosen by a person is exact, whatever the calendar knows about its year.
            due, provisional = extension.granted_due_date, False
    return Deadline(original_due_date=original, due_date=due, provisional=provisional)


# --- year status -----------------------------------------------------------------------------


def calendar_years(calendar: WorkdayCalendar | None = None, *, today: datetime.date) -> list[YearStatus]:
    """Every year worth showing: the package's, any with admin rows, and this year and the next.

    This year and the next are always listed so that a missing schedule (the notice comes out
    each November) is visible before a deadline reaches into it.
    """
    calendar = calendar or load_calendar()
    admin_years = set(CalendarYear.objects.values_list("year", flat=True))
    years = set(calendar.known_years()) | admin_years | {today.year, today.year + 1}
    return [calendar.year_status(year) for year in sorted(years)]


# --- the admin's list of days ----------------------------------------------------------------


@dataclass(frozen=True)
class DayEntry:
    """One admin entry: ``date`` is a holiday or a makeup workday (a ``CalendarDay.Kind`` value)."""

    date: datetime.date
    kind: str
    note: str = ""


_KIND_WORDS = {
    "holiday": CalendarDay.Kind.HOLIDAY,
    "h": CalendarDay.Kind.HOLIDAY,
    "off": CalendarDay.Kind.HOLIDAY,
    "休": CalendarDay.Kind.HOLIDAY,
    "休息": CalendarDay.Kind.HOLIDAY,
    "假": CalendarDay.Kind.HOLIDAY,
    "假日": CalendarDay.Kind.HOLIDAY,
    "放假": CalendarDay.Kind.HOLIDAY,
    "workday": CalendarDay.Kind.WORKDAY,
    "w": CalendarDay.Kind.WORKDAY,
    "work": CalendarDay.Kind.WORKDAY,
    "班": CalendarDay.Kind.WORKDAY,
    "上班": CalendarDay.Kind.WORKDAY,
    "调休上班": CalendarDay.Kind.WORKDAY,
}

_DATE_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_RANGE_SPLIT = re.compile(r"\s*(?:\.\.|~|～|至)\s*")


def _parse_date(text: str) -> datetime.date | None:
    match = _DATE_RE.match(text.strip())
    if not match:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


#: A line is CSV (or tab-separated, as pasted from a spreadsheet) when its first cell ends in a
#: separator; otherwise it is whitespace-separated and a comma belongs to the note.
_CSV_LINE = re.compile(r"^[^\s,，]+ *[,，\t]")


def _split_line(line: str) -> list[str]:
    if _CSV_LINE.match(line):
        # The full-width comma is what a Chinese keyboard types.
        return [cell.strip() for cell in next(csv.reader([line.replace("，", ",").replace("\t", ",")]))]
    # str.split() with no separator also splits on the full-width space (U+3000).
    return line.split(None, 2)


def parse_day_entries(text: str) -> list[DayEntry]:
    """Read lines such as ``2027-01-01 holiday 元旦`` or ``2027-02-07,workday,春节调休``.

    A line is a date (or a range ``2027-10-01..2027-10-07``), a kind (``holiday``/``workday``,
    or 休/班) and an optional note; blank lines, ``#`` comments and a ``date,kind,note`` header
    are skipped. All or nothing: every bad line is named in one ``ValidationError``.
    """
    errors: list[str] = []
    entries: dict[datetime.date, tuple[int, DayEntry]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        cells = _split_line(line)
        if cells[0].lower() in {"date", "日期"}:  # a CSV header
            continue
        if len(cells) < 2 or not cells[1]:
            errors.append(
                _("Line %(line)d: “%(text)s” needs a date and a kind (holiday or workday).") % {"line": number, "text": line}
            )
            continue
        date_text, kind_text = cells[0], cells[1]
        note = " ".join(cell for cell in cells[2:] if cell)[:200]
        kind = _KIND_WORDS.get(kind_text.lower())
        if kind is None:
            errors.append(
                _("Line %(line)d: “%(kind)s” is not a kind; write holiday or workday.") % {"line": number, "kind": kind_text}
            )
            continue
        parts = _RANGE_SPLIT.split(date_text)
        dates = [_parse_date(part) for part in parts]
        if len(parts) > 2 or any(d is None for d in dates):
            errors.append(
                _("Line %(line)d: “%(date)s” is not a date; write YYYY-MM-DD, or a range YYYY-MM-DD..YYYY-MM-DD.")
                % {"line": number, "date": date_text}
            )
            continue
        first, last = dates[0], dates[-1]
        if not (FIRST_DATE <= first and last <= LAST_DATE):
            # Deadlines count on past the last day entered: 9999-12-31 would leave no room.
            errors.append(
                _("Line %(line)d: %(date)s: enter dates between %(first)s and %(last)s.")
                % {"line": number, "date": date_text, "first": FIRST_DATE.isoformat(), "last": LAST_DATE.isoformat()}
            )
            continue
        if last < first:
            errors.append(_("Line %(line)d: the range ends before it starts.") % {"line": number})
            continue
        if (last - first).days >= MAX_RANGE_DAYS:
            errors.append(
                _("Line %(line)d: a range may cover at most %(max)d days.") % {"line": number, "max": MAX_RANGE_DAYS}
            )
            continue
        day = first
        while day <= last:
            previous = entries.get(day)
            if previous is not None and previous[1].kind != kind:
                errors.append(
                    _("Line %(line)d: %(date)s is already entered as a different kind on line %(other)d.")
                    % {"line": number, "date": day.isoformat(), "other": previous[0]}
                )
            else:
                entries[day] = (number, DayEntry(date=day, kind=kind, note=note))
            day += datetime.timedelta(days=1)
    if errors:
        raise ValidationError(errors, code="bad_lines")
    if not entries:
        raise ValidationError(_("No dates found: enter one date per line."), code="empty")
    return [entry for _number, entry in sorted(entries.values(), key=lambda item: item[1].date)]


def decode_upload(content: bytes) -> str:
    """An uploaded list as text: UTF-8 (with or without Excel's BOM), else GB18030 (Chinese Excel)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(_("The file is neither UTF-8 nor GB18030 text; save it as UTF-8 CSV."), code="encoding")


__all__ = [
    "DayEntry",
    "Deadline",
    "calendar_years",
    "compute_deadline",
    "decode_upload",
    "load_calendar",
    "parse_day_entries",
]

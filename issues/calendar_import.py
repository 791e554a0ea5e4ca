"""Loading a list of days or the State Council's notice into the calendar, with a dry run first.

Both ways in (the admin's pasted list, ``issues.calendar.parse_day_entries``, and the notice,
``issues.holiday_notice.parse_notice``) end in :func:`calendar_import`, which calls
``services.calendar_set_days``. A dry run makes the very same call inside a savepoint, reads what
it did (the days new, changed and unchanged, each open issue's due date before and after) and rolls
it back: the preview is what the write would do, not a second guess at it.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser as User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from . import holiday_notice, services
from .calendar import DayEntry
from .models import CalendarDay, IssueEvent


@dataclass(frozen=True)
class DueDateMove:
    """An open issue whose due date (or its provisional flag) the change moves."""

    issue_id: int
    issue_title: str
    due_date_before: datetime.date | None
    due_date_after: datetime.date | None
    provisional_before: bool
    provisional_after: bool

    @property
    def stops_being_provisional(self) -> bool:
        return self.provisional_before and not self.provisional_after


@dataclass(frozen=True)
class PreviewDay:
    date: datetime.date
    kind: str
    note: str
    #: ``new``, ``changed`` or ``unchanged``: against the entries stored now.
    status: str


@dataclass
class CalendarImportResult:
    dry_run: bool
    days: list[PreviewDay]
    moves: list[DueDateMove]
    years_loaded: list[int]
    source_note: str
    change: services.CalendarChange = field(repr=False)


class _RollBack(Exception):
    pass


def _day_from_iso(value):
    return datetime.date.fromisoformat(value) if value else None


def _moves_since(last_event_pk: int) -> list[DueDateMove]:
    """The due dates moved by the timeline entries written after ``last_event_pk`` (one query)."""
    events = (
        IssueEvent.objects.filter(pk__gt=last_event_pk, kind=IssueEvent.Kind.DUE_DATE_RECOMPUTED)
        .exclude(after__has_key="supervision")  # a reply-by date, not the issue's due date
        .select_related("issue")
        .order_by("issue_id")
    )
    return [
        DueDateMove(
            issue_id=event.issue_id,
            issue_title=event.issue.title,
            due_date_before=_day_from_iso(event.before.get("due_date")),
            due_date_after=_day_from_iso(event.after.get("due_date")),
            provisional_before=bool(event.before.get("due_date_provisional")),
            provisional_after=bool(event.after.get("due_date_provisional")),
        )
        for event in events
    ]


def calendar_import(
    *,
    entries: Iterable[DayEntry],
    by: User,
    mark_years_loaded: Iterable[int] = (),
    source_note: str = "",
    dry_run: bool,
) -> CalendarImportResult:
    """Enter the days (``services.calendar_set_days``) and say what moved; ``dry_run`` rolls it back.

    Raises what the service raises (``ValidationError``, ``PermissionDenied``), dry run or not.
    """
    entries = list(entries)
    years = sorted(set(mark_years_loaded))
    try:
        with transaction.atomic():
            last_event_pk = IssueEvent.objects.aggregate(last=Max("pk"))["last"] or 0
            change = services.calendar_set_days(
                entries=entries, by=by, mark_years_loaded=years, source_note=source_note
            )
            result = CalendarImportResult(
                dry_run=dry_run,
                days=_preview_days(entries, change),
                moves=_moves_since(last_event_pk),
                years_loaded=list(change.years_loaded),
                source_note=source_note,
                change=change,
            )
            if dry_run:
                raise _RollBack
    except _RollBack:
        pass
    return result


def _preview_days(entries: list[DayEntry], change: services.CalendarChange) -> list[PreviewDay]:
    created, updated = set(change.created), set(change.updated)
    status = {d: "new" if d in created else "changed" if d in updated else "unchanged" for d in (e.date for e in entries)}
    return [
        PreviewDay(date=entry.date, kind=entry.kind, note=entry.note, status=status[entry.date])
        for entry in sorted(entries, key=lambda e: e.date)
    ]


# --- the State Council's notice --------------------------------------------------------------------------


def unread_message(sentence: holiday_notice.UnreadSentence) -> str:
    """Why a sentence of the notice was not read, naming it, in the reader's language."""
    params = {**sentence.params, "text": sentence.text}
    reason = sentence.reason
    if reason == holiday_notice.NO_YEAR:
        return _("The notice's year is not in the text: paste the title (国务院办公厅关于…年部分节假日安排的通知) or give the year.")
    if reason == holiday_notice.YEAR_MISMATCH:
        return _("“%(text)s” is the notice for %(found)d, not %(given)d.") % params
    if reason == holiday_notice.COUNT_MISMATCH:
        return _("“%(text)s”: it says %(said)d days but gives %(counted)d.") % params
    if reason == holiday_notice.WEEKDAY_MISMATCH:
        return _("“%(text)s”: %(date)s is not a %(weekday)s; check the date and the notice's year.") % params
    if reason == holiday_notice.BAD_DATE:
        return _("“%(text)s”: %(date)s is not a date.") % params
    if reason == holiday_notice.BAD_RANGE:
        return _("“%(text)s”: the range %(first)s to %(last)s ends before it starts or is too long.") % params
    if reason == holiday_notice.CONFLICT:
        return _("“%(text)s”: %(date)s is already a day of the other kind in an earlier sentence.") % params
    if reason == holiday_notice.NO_HOLIDAY_NAME:
        return _("“%(text)s”: a day rule before any numbered holiday (一、元旦：…).") % params
    return _("“%(text)s” could not be read as holidays or makeup workdays.") % params


def notice_entries(parsed: holiday_notice.ParsedNotice) -> list[DayEntry]:
    kinds = {holiday_notice.HOLIDAY: CalendarDay.Kind.HOLIDAY, holiday_notice.WORKDAY: CalendarDay.Kind.WORKDAY}
    return [DayEntry(date=day.date, kind=kinds[day.kind], note=day.name) for day in parsed.days]


def read_notice(text: str, *, year: int | None = None) -> holiday_notice.ParsedNotice:
    """The notice read; a ``ValidationError`` on ``text`` naming every sentence it could not read."""
    parsed = holiday_notice.parse_notice(text, year=year)
    if parsed.unread:
        raise ValidationError({"text": [unread_message(sentence) for sentence in parsed.unread]}, code="unread")
    if not parsed.days:
        raise ValidationError({"text": _("No holidays found: paste the notice's numbered items (一、元旦：…).")})
    return parsed


def calendar_load_notice(
    *, text: str, by: User, year: int | None = None, source_note: str = "", dry_run: bool
) -> CalendarImportResult:
    """Read the State Council's notice and load its year: its days entered, the year marked loaded
    with the notice's title as source (or ``source_note``), open deadlines recomputed as of today.

    All or nothing: a sentence that looks like a day rule but cannot be read refuses the whole
    notice (``ValidationError`` on ``text`` naming each such sentence).
    """
    parsed = read_notice(text, year=year)
    return calendar_import(
        entries=notice_entries(parsed),
        by=by,
        mark_years_loaded=[parsed.year],
        source_note=source_note.strip() or parsed.title,
        dry_run=dry_run,
    )

"""China's working-day calendar: pure arithmetic, no Django.

A working day is a weekday that is not a statutory holiday, or a weekend day that the State
Council's yearly notice makes a makeup workday (调休上班). The notice for a year comes out each
November, so the calendar always has years it does not know yet. For those it never guesses
silently: a year that is not *loaded* counts weekdays alone, and any result that had to look at
such a year is marked provisional.

Sources, weakest first:

1. weekdays alone, for any year;
2. the ``chinesecalendar`` package, for the years it covers (it raises for the others, so it is
   read through its data tables, never called for a year it lacks);
3. overrides entered by an admin (date -> is it a working day), which win over the package and
   may cover any year.

A year is loaded when the package covers it or an admin has declared it loaded (after entering
its days). A year with a few admin entries that nobody declared loaded is still *not* loaded: its
entries are used, but results touching it stay provisional.

Everything else (models, services, selectors, admin) calls this module; nothing here touches the
database.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

#: Deadlines are dates in this time zone, ending at the end of the day.
DEADLINE_TZ = ZoneInfo("Asia/Shanghai")

ONE_DAY = datetime.timedelta(days=1)

#: The dates a deadline may be counted from (or granted up to): the longest count (a class D
#: limit plus extensions) from the last one still ends well inside the range a date can hold.
FIRST_DATE, LAST_DATE = datetime.date(1900, 1, 1), datetime.date(9998, 12, 31)


@dataclass(frozen=True)
class PackageData:
    """What the ``chinesecalendar`` package knows: its rest days, its makeup workdays, its years."""

    holidays: frozenset[datetime.date] = frozenset()
    workdays: frozenset[datetime.date] = frozenset()
    years: frozenset[int] = frozenset()


@lru_cache(maxsize=1)
def package_data() -> PackageData:
    """Read the package's tables once. Without the package, no year is covered by it."""
    try:
        from chinese_calendar import constants
    except ImportError:  # pragma: no cover - the package is pinned in requirements.txt
        return PackageData()
    holidays = frozenset(constants.holidays)
    workdays = frozenset(constants.workdays)
    known = holidays | workdays
    if not known:  # pragma: no cover
        return PackageData()
    # The package covers every year from its first to its last table entry (that is how it
    # validates dates itself), including a year whose only entries are holidays.
    years = frozenset(range(min(known).year, max(known).year + 1))
    return PackageData(holidays=holidays, workdays=workdays, years=years)


@dataclass(frozen=True)
class YearStatus:
    """How much the calendar knows about one year."""

    year: int
    #: Covered by the package or declared loaded by an admin: results in it are final.
    loaded: bool
    in_package: bool
    admin_loaded: bool
    #: Admin overrides dated in this year (corrections of the package, or a new year's schedule).
    holidays_entered: int = 0
    workdays_entered: int = 0

    @property
    def entries(self) -> int:
        return self.holidays_entered + self.workdays_entered

    @property
    def source(self) -> str:
        """``package``, ``package+admin`` (corrected), ``admin``, or ``none`` (weekdays alone)."""
        if self.in_package:
            return "package+admin" if self.entries else "package"
        if self.admin_loaded:
            return "admin"
        return "none"


@dataclass(frozen=True)
class WorkdayCalendar:
    """Answers "is this a working day?" and counts working days, for any year.

    Build it with :meth:`build` (package data plus overrides); the bare constructor with no
    arguments is a calendar that knows nothing and counts weekdays alone, every result
    provisional.
    """

    package: PackageData = field(default_factory=PackageData)
    #: date -> True for a working day, False for a day off; wins over the package.
    overrides: Mapping[datetime.date, bool] = field(default_factory=dict)
    #: Years an admin has declared loaded.
    admin_loaded_years: frozenset[int] = frozenset()

    @classmethod
    def build(
        cls,
        *,
        overrides: Mapping[datetime.date, bool] | None = None,
        admin_loaded_years: Iterable[int] = (),
        use_package: bool = True,
    ) -> WorkdayCalendar:
        return cls(
            package=package_data() if use_package else PackageData(),
            overrides=dict(overrides or {}),
            admin_loaded_years=frozenset(admin_loaded_years),
        )

    # --- years -------------------------------------------------------------------------------

    def is_year_loaded(self, year: int) -> bool:
        return year in self.package.years or year in self.admin_loaded_years

    def year_status(self, year: int) -> YearStatus:
        holidays = sum(1 for d, work in self.overrides.items() if d.year == year and not work)
        workdays = sum(1 for d, work in self.overrides.items() if d.year == year and work)
        return YearStatus(
            year=year,
            loaded=self.is_year_loaded(year),
            in_package=year in self.package.years,
            admin_loaded=year in self.admin_loaded_years,
            holidays_entered=holidays,
            workdays_entered=workdays,
        )

    def known_years(self) -> list[int]:
        """Every year the calendar has anything for: the package's, admin-loaded, with overrides."""
        years = set(self.package.years) | set(self.admin_loaded_years) | {d.year for d in self.overrides}
        return sorted(years)

    # --- days --------------------------------------------------------------------------------

    def is_working_day(self, day: datetime.date) -> bool:
        override = self.overrides.get(day)
        if override is not None:
            return override
        if day.year in self.package.years:
            if day in self.package.workdays:
                return True
            if day in self.package.holidays:
                return False
        return day.weekday() < 5

    def add_working_days(self, start: datetime.date, n: int) -> tuple[datetime.date, bool]:
        """The ``n``-th working day after ``start``, and whether it is provisional.

        ``start`` itself is not counted: day 1 is the next working day. A negative ``n`` counts
        backwards (the ``|n|``-th working day before ``start``); ``n == 0`` returns ``start``.
        The result is provisional when any day looked at lies in a year that is not loaded.
        """
        if n == 0:
            return start, False
        step = ONE_DAY if n > 0 else -ONE_DAY
        remaining = abs(n)
        day = start
        provisional = False
        checked_year = None
        while remaining:
            day = day + step
            if day.year != checked_year:
                checked_year = day.year
                provisional = provisional or not self.is_year_loaded(day.year)
            if self.is_working_day(day):
                remaining -= 1
        return day, provisional

    def working_days_between(self, a: datetime.date, b: datetime.date) -> int:
        """Working days in ``(a, b]``; negative (the count in ``(b, a]``) when ``b`` is before ``a``."""
        if b == a:
            return 0
        sign = 1
        if b < a:
            a, b, sign = b, a, -1
        count = 0
        day = a + ONE_DAY
        while day <= b:
            if self.is_working_day(day):
                count += 1
            day += ONE_DAY
        return sign * count

    def working_day_numbers(self, first: datetime.date, last: datetime.date) -> dict[datetime.date, int]:
        """Each day of ``[first, last]`` numbered by the working days in ``(first, day]``, so that
        ``working_days_between(a, b)`` is ``numbers[b] - numbers[a]`` for any two of them: one pass
        over the span for many counts (the evaluation's days to close of every closed issue)."""
        numbers, count, day = {}, 0, first
        while day <= last:
            if day != first and self.is_working_day(day):
                count += 1
            numbers[day] = count
            day += ONE_DAY
        return numbers

    def touches_unloaded_year(self, a: datetime.date, b: datetime.date) -> bool:
        """Whether any day in ``[min(a, b), max(a, b)]`` lies in a year that is not loaded."""
        low, high = min(a, b), max(a, b)
        return any(not self.is_year_loaded(year) for year in range(low.year, high.year + 1))


# --- deadlines -------------------------------------------------------------------------------


def deadline_end(due_date: datetime.date) -> datetime.datetime:
    """The instant a deadline passes: the end of ``due_date`` in Asia/Shanghai (next midnight)."""
    if due_date >= datetime.date.max:  # no next midnight to end at: it never passes
        return datetime.datetime.max.replace(tzinfo=DEADLINE_TZ)
    return datetime.datetime.combine(due_date + ONE_DAY, datetime.time.min, tzinfo=DEADLINE_TZ)


def is_past_deadline(due_date: datetime.date, now: datetime.datetime) -> bool:
    """Whether ``now`` (an aware datetime) is after the end of ``due_date`` in Asia/Shanghai."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now >= deadline_end(due_date)


def local_date(now: datetime.datetime) -> datetime.date:
    """The date in Asia/Shanghai at the aware instant ``now``."""
    return now.astimezone(DEADLINE_TZ).date()

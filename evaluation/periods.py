"""The period a scoreboard, a dashboard or a report covers: a month, a quarter, a year or any range
of days, and the period before it (for the change).

Pure: no database. Dates are calendar days in Asia/Shanghai; ``end`` is inclusive.
"""

import datetime
from dataclasses import dataclass

ONE_DAY = datetime.timedelta(days=1)

MONTH, QUARTER, YEAR, RANGE = "month", "quarter", "year", "range"
KINDS = (MONTH, QUARTER, YEAR, RANGE)


@dataclass(frozen=True)
class Period:
    start: datetime.date
    #: Inclusive.
    end: datetime.date
    kind: str = RANGE

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError("a period ends on or after its start")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period of the same kind just before: the month, quarter or year before, or the same
        number of days before a range."""
        if self.kind == MONTH:
            return month(self.start - ONE_DAY)
        if self.kind == QUARTER:
            return quarter(self.start - ONE_DAY)
        if self.kind == YEAR:
            return year(self.start - ONE_DAY)
        return Period(self.start - datetime.timedelta(days=self.days), self.start - ONE_DAY, RANGE)

    def months(self) -> list["Period"]:
        """The calendar months the period touches, each clipped to the period."""
        out, first = [], self.start.replace(day=1)
        while first <= self.end:
            whole = month(first)
            out.append(Period(max(whole.start, self.start), min(whole.end, self.end), MONTH))
            first = whole.end + ONE_DAY
        return out

    def quarters(self) -> list["Period"]:
        """The calendar quarters the period touches, each clipped to the period."""
        out, day = [], self.start
        while day <= self.end:
            whole = quarter(day)
            out.append(Period(max(whole.start, self.start), min(whole.end, self.end), QUARTER))
            day = whole.end + ONE_DAY
        return out

    def as_query(self) -> dict[str, str]:
        """The GET parameters that give this period back (``period_from_query``)."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    @property
    def label(self) -> str:
        if self.kind == MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == QUARTER and self.start.month % 3 == 1 and self.start.day == 1:
            return f"{self.start.year}Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == YEAR:
            return str(self.start.year)
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


def month(day: datetime.date) -> Period:
    first_next = datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return Period(day.replace(day=1), first_next - ONE_DAY, MONTH)


def quarter(day: datetime.date) -> Period:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = datetime.date(day.year, first_month, 1)
    end = month(datetime.date(day.year, first_month + 2, 1)).end
    return Period(start, end, QUARTER)


def year(day: datetime.date) -> Period:
    return Period(datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31), YEAR)


def kind_of(start: datetime.date, end: datetime.date) -> str:
    """What a range of days is: a whole month, quarter or year, or a plain range."""
    for make, kind in ((month, MONTH), (quarter, QUARTER), (year, YEAR)):
        whole = make(start)
        if whole.start == start and whole.end == end:
            return kind
    return RANGE


def period_of(start: datetime.date, end: datetime.date) -> Period:
    return Period(start, end, kind_of(start, end))

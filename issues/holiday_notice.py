"""The State Council's yearly holiday notice, read into days: pure text work, no Django.

Each November the General Office of the State Council publishes next year's schedule
(国务院办公厅关于2026年部分节假日安排的通知) in a fixed style: a title, a preamble, one numbered
item per holiday, a closing paragraph and the signature. An item reads, in today's style,
``一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。`` and, in older ones,
``4月5日放假，与周末连休。`` or ``6月20日放假，6月22日（星期一）补休。`` (the 补休 day is a
holiday).

:func:`parse_notice` returns every day the items name (holidays and makeup workdays, each with
its holiday's name) and every sentence that looks like a day rule but could not be read, with
the reason as a code (the caller words it in the reader's language). The title, preamble,
closing paragraph, signature and advisory sentences (鼓励…) are skipped without a word.

Reading rules:

- full-width digits and punctuation are read as their ASCII forms;
- a date without a month (至3日) takes the month and year of the date before it in the sentence;
- a date without a year belongs to the notice's year, except December, which belongs to the year
  before (元旦 may start on 30 or 31 December of the previous year);
- a weekday in the parentheses after a date (周二, 星期一, beside a lunar note) must be that date's;
- ``共N天`` and ``放假N天`` must equal the number of days off the sentence gives;
- a sentence is read whole or not at all: an unread sentence gives no days.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field

HOLIDAY, WORKDAY = "holiday", "workday"

#: A notice is a page or two; a longer text is not a notice (the pages and the API refuse it).
NOTICE_MAX_LENGTH = 20000

#: A range longer than this is a misreading, not a holiday (the longest so far is 10 days).
MAX_RANGE_DAYS = 31

# Reasons a sentence was not read (the caller turns each into a message).
NOT_A_RULE = "not_a_rule"  # looks like a day rule, matches no known form
BAD_DATE = "bad_date"  # 2月30日, or a date without a month at the start of a sentence
WEEKDAY_MISMATCH = "weekday_mismatch"  # (周二) beside a date that is not a Tuesday
COUNT_MISMATCH = "count_mismatch"  # 共N天 differs from the days the sentence gives
BAD_RANGE = "bad_range"  # ends before it starts, or longer than MAX_RANGE_DAYS
CONFLICT = "conflict"  # a day already read as the other kind
NO_HOLIDAY_NAME = "no_holiday_name"  # a day rule before any item heading (一、元旦：)
NO_YEAR = "no_year"  # no title, no year in the text and none given
YEAR_MISMATCH = "year_mismatch"  # the title's year differs from the one given


@dataclass(frozen=True)
class NoticeDay:
    date: datetime.date
    kind: str  #: ``"holiday"`` or ``"workday"``
    name: str  #: the holiday's name as the notice gives it: 春节, 国庆节、中秋节


@dataclass(frozen=True)
class UnreadSentence:
    text: str  #: the sentence as pasted
    reason: str  #: one of the reason codes above
    #: Details for the message: the count found and expected, the date and weekday, ...
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ParsedNotice:
    year: int | None
    #: The notice's title (and document number when pasted), for the loaded year's source note.
    title: str
    days: tuple[NoticeDay, ...]
    unread: tuple[UnreadSentence, ...]

    @property
    def holidays(self) -> dict[datetime.date, str]:
        return {d.date: d.name for d in self.days if d.kind == HOLIDAY}

    @property
    def workdays(self) -> dict[datetime.date, str]:
        return {d.date: d.name for d in self.days if d.kind == WORKDAY}


_NUMERALS = "一二三四五六七八九十"
_TITLE = re.compile(r"关于(\d{4})年[^。\n]{0,12}节假日安排的通知")
_DOC_NUMBER = re.compile(r"国办发(?:明电)?\s*[〔\[(（]\d{4}[〕\])）]\s*\d+\s*号")
_YEAR_IN_PREAMBLE = re.compile(r"现将(\d{4})年")
_HEADING = re.compile(rf"^[{_NUMERALS}]{{1,3}}、([^:：]{{1,20}})[:：]\s*")
_DATE = re.compile(
    r"(?:(?P<y>\d{4})年)?(?:(?P<m>\d{1,2})月)?(?P<d>\d{1,2})日(?:\s*\((?P<note>[^)]*)\))?"
)
_WEEKDAY = re.compile(r"(?:周|星期|礼拜)([一二三四五六日天])")
_WEEKDAY_NUMBER = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_LOOKS_LIKE_RULE = re.compile(r"\d{1,2}月\d{1,2}日|放假|上班|补休|调休")

# Clauses of a rule sentence, over its "shape" (each date replaced by D).
_HOLIDAY_CLAUSE = re.compile(r"^D(?:至D)?放假(?:调休|公休)?(?:(\d+)天)?$")
_COUNT_CLAUSE = re.compile(r"^共(\d+)天$")
_QUIET_CLAUSES = {"不调休", "与周末连休"}
_LISTED_CLAUSE = re.compile(r"^D(?:、D)*(补休|上班)$")


class _Unread(Exception):
    def __init__(self, reason: str, **params):
        super().__init__(reason)
        self.reason, self.params = reason, params


def _sentences(text: str) -> list[str]:
    """The text cut at 。, ；, line ends and before each item heading (一、…：)."""
    pieces = []
    for line in re.split(r"[\n\r。；;]+", text):
        pieces.extend(re.split(rf"(?<=[：:])\s*(?=[{_NUMERALS}]{{1,3}}、)", line))
    return [piece.strip(" \t\u3000\ufeff") for piece in pieces if piece.strip(" \t\u3000\ufeff")]


def _is_skipped(sentence: str) -> bool:
    """The title, preamble, closing paragraph, signature and advice: not day rules."""
    if not _LOOKS_LIKE_RULE.search(sentence):
        return True
    return bool(
        _TITLE.search(sentence)
        or "通知如下" in sentence
        or "经国务院批准" in sentence
        or sentence.startswith(("鼓励", "提倡", "节假日期间"))
        or re.fullmatch(r"(?:国务院办公厅\s*)?\d{4}年\d{1,2}月\d{1,2}日", sentence)  # the signature's date
    )


def notice_year(text: str) -> int | None:
    """The year the notice is for: its title's, else its preamble's (现将2026年…)."""
    normal = unicodedata.normalize("NFKC", text)
    match = _TITLE.search(normal) or _YEAR_IN_PREAMBLE.search(normal)
    return int(match.group(1)) if match else None


def _title(text: str) -> str:
    normal = unicodedata.normalize("NFKC", text)
    for line in normal.splitlines():
        if match := re.search(r"国务院办公厅\s*" + _TITLE.pattern, line):
            title = match.group(0)
            if number := _DOC_NUMBER.search(normal):
                title += f"（{number.group(0)}）"
            return title
    return ""


def _dates(sentence: str, year: int) -> tuple[str, list[datetime.date]]:
    """The sentence's shape (each date replaced by ``D``, parentheses dropped) and its dates."""
    dates: list[datetime.date] = []
    last: tuple[int, int] | None = None  # (year, month) of the date before

    def read(match: re.Match) -> str:
        nonlocal last
        if match.group("m"):
            month = int(match.group("m"))
            the_year = int(match.group("y")) if match.group("y") else (year - 1 if month == 12 else year)
        elif last is not None and not match.group("y"):
            the_year, month = last
        else:
            raise _Unread(BAD_DATE, date=match.group(0))
        try:
            day = datetime.date(the_year, month, int(match.group("d")))
        except ValueError:
            raise _Unread(BAD_DATE, date=match.group(0))
        if weekday := _WEEKDAY.search(match.group("note") or ""):
            if _WEEKDAY_NUMBER[weekday.group(1)] != day.weekday():
                raise _Unread(WEEKDAY_MISMATCH, date=day.isoformat(), weekday=weekday.group(0))
        last = (the_year, month)
        dates.append(day)
        return "D"

    shape = _DATE.sub(read, sentence)
    shape = re.sub(r"\([^)]*\)", "", shape)  # a note in parentheses not after a date
    return re.sub(r"\s+", "", shape), dates


def _read_rule(sentence: str, year: int) -> list[tuple[datetime.date, str]]:
    """The days one rule sentence gives, as (date, kind); raises ``_Unread`` if it cannot."""
    shape, dates = _dates(sentence, year)
    clauses = shape.split(",")
    days: list[tuple[datetime.date, str]] = []
    counts: list[int] = []
    at = 0  # how many dates come before the clause
    for clause in clauses:
        if match := _HOLIDAY_CLAUSE.match(clause):
            first, last = dates[at], dates[at + clause.count("D") - 1]
            if last < first or (last - first).days >= MAX_RANGE_DAYS:
                raise _Unread(BAD_RANGE, first=first.isoformat(), last=last.isoformat())
            days.extend((first + datetime.timedelta(days=n), HOLIDAY) for n in range((last - first).days + 1))
            if match.group(1):
                counts.append(int(match.group(1)))
        elif match := _COUNT_CLAUSE.match(clause):
            counts.append(int(match.group(1)))
        elif match := _LISTED_CLAUSE.match(clause):
            kind = HOLIDAY if match.group(1) == "补休" else WORKDAY
            days.extend((day, kind) for day in dates[at : at + clause.count("D")])
        elif clause not in _QUIET_CLAUSES:
            raise _Unread(NOT_A_RULE)
        at += clause.count("D")
    if not days:
        raise _Unread(NOT_A_RULE)
    holidays = sum(1 for _day, kind in days if kind == HOLIDAY)
    for count in counts:
        if count != holidays:
            raise _Unread(COUNT_MISMATCH, said=count, counted=holidays)
    return days


def parse_notice(text: str, year: int | None = None) -> ParsedNotice:
    """Read a pasted notice into its days and the sentences that could not be read.

    ``year`` is the year the notice is for when the paste has no title (nor ``现将N年`` in the
    preamble); a title naming another year is an unread sentence (``YEAR_MISMATCH``).
    """
    found = notice_year(text)
    unread: list[UnreadSentence] = []
    if found is not None and year is not None and found != year:
        unread.append(UnreadSentence(_title(text) or str(found), YEAR_MISMATCH, {"found": found, "given": year}))
    year = found if found is not None else year
    if year is None:
        return ParsedNotice(year=None, title="", days=(), unread=(UnreadSentence("", NO_YEAR),))

    days: dict[datetime.date, NoticeDay] = {}
    name = ""
    for sentence in _sentences(text):
        normal = unicodedata.normalize("NFKC", sentence)
        if heading := _HEADING.match(normal):
            name = heading.group(1).strip()
            normal = normal[heading.end():]
            if not normal:
                continue
        if _is_skipped(normal):
            continue
        try:
            if not name:
                raise _Unread(NO_HOLIDAY_NAME)
            read = _read_rule(normal, year)
            for day, kind in read:
                if (earlier := days.get(day)) is not None and earlier.kind != kind:
                    raise _Unread(CONFLICT, date=day.isoformat())
        except _Unread as problem:
            unread.append(UnreadSentence(sentence, problem.reason, problem.params))
            continue
        for day, kind in read:
            days.setdefault(day, NoticeDay(date=day, kind=kind, name=name))
    return ParsedNotice(
        year=year,
        title=_title(text),
        days=tuple(sorted(days.values(), key=lambda d: d.date)),
        unread=tuple(unread),
    )


__all__ = ["HOLIDAY", "WORKDAY", "NoticeDay", "ParsedNotice", "UnreadSentence", "notice_year", "parse_notice"]

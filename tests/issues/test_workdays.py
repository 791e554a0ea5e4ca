"""The pure working-day arithmetic (issues.workdays): no database."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from issues.workdays import WorkdayCalendar, deadline_end, is_past_deadline, package_data

D = datetime.date
UTC = ZoneInfo("UTC")
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def calendar():
    return WorkdayCalendar.build()


def test_package_covers_2004_to_2026_and_not_2027():
    # The tests below rely on this; a newer chinesecalendar needs new boundary dates here.
    years = package_data().years
    assert min(years) == 2004 and max(years) == 2026


def test_worked_example_class_b_recorded_2026_04_29_is_due_2026_05_15(calendar):
    # Labour Day 05-01..05-05 skipped; Saturday 05-09 is a makeup workday and counts.
    assert calendar.add_working_days(D(2026, 4, 29), 10) == (D(2026, 5, 15), False)
    assert calendar.is_working_day(D(2026, 5, 9)) is True
    assert not any(calendar.is_working_day(D(2026, 5, day)) for day in range(1, 6))


def test_start_day_is_not_counted_and_day_one_is_the_next_working_day(calendar):
    assert calendar.add_working_days(D(2026, 4, 29), 1) == (D(2026, 4, 30), False)
    # Day 2 lands just after the holiday.
    assert calendar.add_working_days(D(2026, 4, 29), 2) == (D(2026, 5, 6), False)


def test_start_the_day_before_a_holiday(calendar):
    # National Day 10-01..10-07: counting from 09-30 skips all of it.
    assert calendar.add_working_days(D(2026, 9, 30), 1) == (D(2026, 10, 8), False)


def test_end_lands_on_a_makeup_workday(calendar):
    # Saturday 2026-10-10 is a makeup workday: the third working day after 09-30.
    assert calendar.add_working_days(D(2026, 9, 30), 3) == (D(2026, 10, 10), False)
    # Sunday 2026-09-20, likewise, right after a plain Saturday.
    assert calendar.add_working_days(D(2026, 9, 19), 1) == (D(2026, 9, 20), False)


def test_start_on_a_makeup_workday_or_inside_a_holiday(calendar):
    assert calendar.add_working_days(D(2026, 5, 9), 1) == (D(2026, 5, 11), False)
    assert calendar.add_working_days(D(2026, 5, 2), 1) == (D(2026, 5, 6), False)


def test_counting_backwards(calendar):
    assert calendar.add_working_days(D(2026, 5, 15), -10) == (D(2026, 4, 29), False)
    assert calendar.add_working_days(D(2026, 5, 15), 0) == (D(2026, 5, 15), False)


def test_year_boundary_into_an_unloaded_year_is_weekdays_alone_and_provisional(calendar):
    # Up to 2026-12-31 every day counted is in a loaded year.
    assert calendar.add_working_days(D(2026, 12, 24), 5) == (D(2026, 12, 31), False)
    # One more reaches 2027, which the package lacks: Friday 2027-01-01 counts as a weekday.
    assert calendar.add_working_days(D(2026, 12, 24), 6) == (D(2027, 1, 1), True)
    assert calendar.add_working_days(D(2026, 12, 15), 15) == (D(2027, 1, 5), True)


def test_entries_for_an_unloaded_year_are_used_but_stay_provisional_until_it_is_loaded():
    new_year = {D(2027, 1, 1): False, D(2027, 1, 2): False, D(2027, 1, 3): False}
    entered = WorkdayCalendar.build(overrides=new_year)
    assert entered.add_working_days(D(2026, 12, 15), 15) == (D(2027, 1, 6), True)
    assert entered.year_status(2027).loaded is False
    assert entered.year_status(2027).source == "none"

    loaded = WorkdayCalendar.build(overrides=new_year, admin_loaded_years=[2027])
    assert loaded.add_working_days(D(2026, 12, 15), 15) == (D(2027, 1, 6), False)
    assert loaded.year_status(2027).source == "admin"
    assert loaded.year_status(2027).holidays_entered == 3


def test_overrides_win_over_the_package():
    corrected = WorkdayCalendar.build(overrides={D(2026, 5, 4): True, D(2026, 4, 30): False})
    assert corrected.is_working_day(D(2026, 5, 4)) is True
    assert corrected.is_working_day(D(2026, 4, 30)) is False
    assert corrected.year_status(2026).source == "package+admin"
    assert corrected.year_status(2026).loaded is True


@pytest.mark.parametrize("day", [D(1990, 1, 1), D(2003, 6, 2), D(2031, 6, 2), D(2100, 2, 28), D(9000, 1, 1)])
def test_never_crashes_for_any_year(calendar, day):
    assert calendar.is_working_day(day) == (day.weekday() < 5)
    due, provisional = calendar.add_working_days(day, 30)
    assert provisional is True
    assert calendar.working_days_between(day, due) == 30


def test_working_days_between_counts_the_half_open_interval(calendar):
    assert calendar.working_days_between(D(2026, 4, 29), D(2026, 5, 15)) == 10
    assert calendar.working_days_between(D(2026, 5, 15), D(2026, 4, 29)) == -10
    assert calendar.working_days_between(D(2026, 5, 1), D(2026, 5, 5)) == 0


def test_working_day_numbers_give_every_count_between_two_days_of_the_span(calendar):
    # Labour Day and its makeup Saturday, and National Day with its own, inside the span.
    first, last = D(2026, 4, 20), D(2026, 10, 20)
    numbers = calendar.working_day_numbers(first, last)
    days = [first + datetime.timedelta(days=n) for n in range(0, (last - first).days + 1, 11)]
    assert len(numbers) == (last - first).days + 1 and numbers[first] == 0
    for a in days:
        for b in days:
            assert numbers[b] - numbers[a] == calendar.working_days_between(a, b), (a, b)
    assert calendar.working_days_between(D(2026, 5, 15), D(2026, 5, 15)) == 0


def test_a_calendar_without_the_package_counts_weekdays_and_is_always_provisional():
    bare = WorkdayCalendar.build(use_package=False)
    assert bare.add_working_days(D(2026, 4, 29), 10) == (D(2026, 5, 13), True)


def test_deadline_is_the_end_of_the_due_date_in_shanghai():
    due = D(2026, 5, 15)
    assert deadline_end(due) == datetime.datetime(2026, 5, 16, tzinfo=SHANGHAI)
    assert not is_past_deadline(due, datetime.datetime(2026, 5, 15, 23, 59, 59, tzinfo=SHANGHAI))
    assert is_past_deadline(due, datetime.datetime(2026, 5, 16, 0, 0, tzinfo=SHANGHAI))
    # 15:59 UTC is 23:59 in Shanghai (still in time); 16:00 UTC is midnight there.
    assert not is_past_deadline(due, datetime.datetime(2026, 5, 15, 15, 59, tzinfo=UTC))
    assert is_past_deadline(due, datetime.datetime(2026, 5, 15, 16, 0, tzinfo=UTC))
    with pytest.raises(ValueError):
        is_past_deadline(due, datetime.datetime(2026, 5, 16))


def test_the_last_date_there_is_never_passes_and_does_not_overflow():
    assert deadline_end(datetime.date.max) == datetime.datetime.max.replace(tzinfo=SHANGHAI)
    assert not is_past_deadline(datetime.date.max, datetime.datetime(9999, 12, 31, 23, 59, tzinfo=SHANGHAI))

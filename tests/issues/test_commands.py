"""calendar_status and calendar_due, through call_command."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from issues import services
from issues.calendar import DayEntry

D = datetime.date


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def line_for(output, year):
    return next(line for line in output.splitlines() if line.startswith(str(year)))


@pytest.fixture
def november_2026(on):
    on(D(2026, 11, 26))


@pytest.mark.django_db
def test_calendar_status_lists_the_package_years_and_the_missing_next_year(november_2026):
    output = run("calendar_status")
    assert "2004" in output and "loaded" in line_for(output, 2004)
    assert line_for(output, 2026).split()[:3] == ["2026", "loaded", "package"]
    assert "NOT LOADED: provisional" in line_for(output, 2027)
    assert "weekdays alone" in line_for(output, 2027)


def test_calendar_status_after_entries_and_after_loading(admin_user, november_2026):
    services.calendar_set_days(
        entries=[DayEntry(D(2027, 1, 1), "holiday", "元旦"), DayEntry(D(2027, 2, 7), "workday", "春节调休")],
        by=admin_user,
    )
    services.calendar_set_days(entries=[DayEntry(D(2026, 12, 31), "holiday", "更正")], by=admin_user)
    output = run("calendar_status")
    assert "NOT LOADED (partly entered)" in line_for(output, 2027)
    assert line_for(output, 2027).split()[-2:] == ["1", "1"]
    assert "corrected by admin entries" in line_for(output, 2026)

    services.calendar_set_year_loaded(year=2027, loaded=True, by=admin_user, source_note="国办发明电〔2026〕7号")
    line = line_for(run("calendar_status"), 2027)
    assert line.split()[:3] == ["2027", "loaded", "admin"]
    assert line.endswith("国办发明电〔2026〕7号")


@pytest.mark.django_db
def test_calendar_due_prints_the_date_and_whether_it_is_final():
    assert run("calendar_due", "2026-04-29", "10").splitlines() == ["2026-05-15", "final: every year counted is loaded"]
    assert run("calendar_due", "2026-12-15", "15").splitlines() == [
        "2027-01-05",
        "provisional: counted on weekdays alone in 2027, not loaded",
    ]


def test_calendar_due_uses_the_admins_entries(admin_user):
    services.calendar_set_days(entries=[DayEntry(D(2027, 1, 1), "holiday")], mark_years_loaded=[2027], by=admin_user)
    assert run("calendar_due", "2026-12-15", "15").splitlines()[0] == "2027-01-06"
    assert run("calendar_due", "2026-12-15", "15").splitlines()[1].startswith("final")


@pytest.mark.django_db
def test_calendar_due_refuses_a_bad_date():
    with pytest.raises(CommandError, match="not a date"):
        run("calendar_due", "2026-02-30", "10")

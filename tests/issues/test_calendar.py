"""The working-day calendar as stored: the services that change it, and the admin's list format."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from issues import services
from issues.calendar import DayEntry, load_calendar, parse_day_entries
from issues.models import CalendarDay, CalendarYear

D = datetime.date

NEW_YEAR_2027 = [DayEntry(D(2027, 1, d), "holiday", "元旦") for d in (1, 2, 3)]


def test_load_calendar_combines_the_package_and_the_admin_rows(admin_user):
    services.calendar_set_days(entries=[DayEntry(D(2026, 4, 30), "holiday", "更正")], by=admin_user)
    calendar = load_calendar()
    assert calendar.is_working_day(D(2026, 4, 30)) is False
    assert calendar.is_working_day(D(2026, 5, 9)) is True  # the package still answers the rest
    assert calendar.year_status(2026).source == "package+admin"


def test_entering_days_recomputes_open_issues_in_the_same_transaction(make_issue, admin_user, cadre):
    issue = make_issue("C", D(2026, 12, 15))
    closed = make_issue("C", D(2026, 12, 15))
    services.issue_resolve(issue=closed, by=cadre.user, resolution="已办结")
    assert (issue.due_date, issue.due_date_provisional) == (D(2027, 1, 5), True)

    # Entered but not loaded: the date moves, and stays provisional.
    change = services.calendar_set_days(entries=NEW_YEAR_2027, by=admin_user)
    assert change.issues_recomputed == [issue.pk]
    issue.refresh_from_db()
    assert (issue.due_date, issue.due_date_provisional) == (D(2027, 1, 6), True)
    event = issue.events.get(kind="due_date_recomputed")
    assert event.actor == admin_user
    assert (event.before["due_date"], event.after["due_date"]) == ("2027-01-05", "2027-01-06")

    # Loaded: same date, no longer provisional, one more timeline entry.
    services.calendar_set_year_loaded(year=2027, loaded=True, by=admin_user, source_note="国办发明电〔2026〕7号")
    issue.refresh_from_db()
    assert (issue.due_date, issue.due_date_provisional) == (D(2027, 1, 6), False)
    assert issue.events.filter(kind="due_date_recomputed").count() == 2
    assert CalendarYear.objects.get(year=2027).source_note == "国办发明电〔2026〕7号"

    # A closed issue's deadline is history.
    closed.refresh_from_db()
    assert closed.due_date == D(2027, 1, 5) and not closed.events.filter(kind="due_date_recomputed").exists()


def test_an_issue_whose_deadline_does_not_move_gets_no_entry(make_issue, admin_user):
    issue = make_issue("B", D(2026, 4, 29))
    change = services.calendar_set_days(entries=NEW_YEAR_2027, by=admin_user)
    assert change.issues_recomputed == []
    assert not issue.events.filter(kind="due_date_recomputed").exists()


def test_a_working_day_extension_moves_with_the_calendar(make_issue, cadre, bureau_user, admin_user, on):
    issue = make_issue("B", D(2026, 12, 1))  # due 2026-12-15
    extension = services.issue_request_extension(issue=issue, by=cadre.user, reason="x", extra_working_days=15)
    services.issue_decide_extension(extension=extension, by=bureau_user, approve=True)
    issue.refresh_from_db()
    assert (issue.original_due_date, issue.due_date, issue.due_date_provisional) == (D(2026, 12, 15), D(2027, 1, 5), True)
    services.calendar_set_days(entries=NEW_YEAR_2027, mark_years_loaded=[2027], by=admin_user)
    issue.refresh_from_db()
    assert (issue.due_date, issue.due_date_provisional) == (D(2027, 1, 6), False)


def test_removing_an_entry_falls_back_and_recomputes(make_issue, admin_user):
    services.calendar_set_days(entries=[DayEntry(D(2026, 5, 11), "holiday", "临时")], by=admin_user)
    issue = make_issue("B", D(2026, 4, 29))
    assert issue.due_date == D(2026, 5, 18)
    services.calendar_set_days(entries=[], remove=[D(2026, 5, 11)], by=admin_user)
    issue.refresh_from_db()
    assert issue.due_date == D(2026, 5, 15)
    assert not CalendarDay.objects.exists()


def test_a_year_is_not_loaded_until_an_admin_says_so(admin_user):
    services.calendar_set_days(entries=NEW_YEAR_2027[:1], by=admin_user)
    assert load_calendar().is_year_loaded(2027) is False
    with pytest.raises(ValidationError) as error:
        services.calendar_set_year_loaded(year=2028, loaded=True, by=admin_user)
    assert "2028 has no holidays" in str(error.value)
    services.calendar_set_year_loaded(year=2027, loaded=True, by=admin_user)
    assert load_calendar().is_year_loaded(2027) is True
    services.calendar_set_year_loaded(year=2027, loaded=False, by=admin_user)
    assert load_calendar().is_year_loaded(2027) is False


def test_setting_days_is_all_or_nothing(admin_user):
    with pytest.raises(ValidationError):
        services.calendar_set_days(entries=NEW_YEAR_2027, mark_years_loaded=[2027, 2028], by=admin_user)
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists()
    with pytest.raises(ValidationError):
        services.calendar_set_days(
            entries=[DayEntry(D(2027, 2, 7), "workday"), DayEntry(D(2027, 2, 7), "holiday")], by=admin_user
        )
    with pytest.raises(ValidationError, match="no entry to remove"):
        services.calendar_set_days(entries=NEW_YEAR_2027, remove=[D(2027, 5, 1)], by=admin_user)
    assert not CalendarDay.objects.exists()


def test_days_and_years_outside_1900_to_9998_are_refused_however_they_come(admin_user, admin_client):
    # The API checked this range; the admin's import and add form went straight to the service.
    for entries, years in (([DayEntry(D(1, 1, 1), "holiday")], ()), ([DayEntry(D(9999, 12, 31), "holiday")], ()),
                           (NEW_YEAR_2027, [1])):
        with pytest.raises(ValidationError) as error:
            services.calendar_set_days(entries=entries, mark_years_loaded=years, by=admin_user)
        assert list(error.value.message_dict) == ["mark_years_loaded" if years else "entries"]
    response = admin_client.post(
        reverse("admin:issues_calendarday_import"), {"text": "0001-01-01 holiday 公元元年\n", "mark_loaded": "on"}
    )
    assert response.status_code == 200
    assert any("0001-01-01" in message for message in response.context["form"].errors["text"])
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists()


def test_entering_the_same_day_again_updates_it(admin_user):
    first = services.calendar_set_days(entries=[DayEntry(D(2027, 2, 7), "workday", "春节调休")], by=admin_user)
    again = services.calendar_set_days(entries=[DayEntry(D(2027, 2, 7), "workday", "春节调休")], by=admin_user)
    fixed = services.calendar_set_days(entries=[DayEntry(D(2027, 2, 7), "holiday", "更正")], by=admin_user)
    assert (first.created, again.unchanged, fixed.updated) == ([D(2027, 2, 7)], [D(2027, 2, 7)], [D(2027, 2, 7)])
    assert CalendarDay.objects.get().kind == "holiday"


@pytest.mark.parametrize("who", ["bureau_user", "unit_leader"])
def test_only_an_admin_changes_the_calendar(request, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.calendar_set_days(entries=NEW_YEAR_2027, by=user)
    with pytest.raises(PermissionDenied):
        services.calendar_set_year_loaded(year=2027, loaded=True, by=user)
    assert not CalendarDay.objects.exists()


# --- the list format -------------------------------------------------------------------------------


def test_parse_lines_csv_ranges_and_chinese_kinds():
    text = """# 2027年节假日
2027-01-01 holiday 元旦
2027-02-06..2027-02-08 holiday 春节
2027-02-07,workday,"春节调休, 上班"
2027/10/09 班 国庆调休
2027-10-01 休

"""
    # 02-07 is both in the range (holiday) and on its own line (workday): named, not guessed.
    with pytest.raises(ValidationError) as error:
        parse_day_entries(text)
    assert error.value.messages == ["Line 4: 2027-02-07 is already entered as a different kind on line 3."]

    entries = parse_day_entries(text.replace("2027-02-06..2027-02-08", "2027-02-08..2027-02-09"))
    assert [(e.date, e.kind, e.note) for e in entries] == [
        (D(2027, 1, 1), "holiday", "元旦"),
        (D(2027, 2, 7), "workday", "春节调休, 上班"),
        (D(2027, 2, 8), "holiday", "春节"),
        (D(2027, 2, 9), "holiday", "春节"),
        (D(2027, 10, 1), "holiday", ""),
        (D(2027, 10, 9), "workday", "国庆调休"),
    ]


def test_parse_names_every_bad_line():
    text = "date,kind,note\n2027-13-01,holiday,x\n2027-01-02 rest\n2027-01-03\n2027-01-01..2027-03-01 holiday\n"
    with pytest.raises(ValidationError) as error:
        parse_day_entries(text)
    messages = error.value.messages
    assert len(messages) == 4
    assert [m.split(":")[0] for m in messages] == ["Line 2", "Line 3", "Line 4", "Line 5"]
    assert "2027-13-01" in messages[0] and "rest" in messages[1]


def test_parse_tab_separated_and_a_comma_in_a_whitespace_note():
    entries = parse_day_entries("2027-01-01\tholiday\t元旦\n2027-02-14 workday 春节调休，周日上班\n")
    assert [(e.date, e.kind, e.note) for e in entries] == [
        (D(2027, 1, 1), "holiday", "元旦"),
        (D(2027, 2, 14), "workday", "春节调休，周日上班"),
    ]


def test_projected_due_date_refuses_an_unknown_class(db):
    from issues.selectors import projected_due_date

    with pytest.raises(ValidationError):
        projected_due_date("E", D(2026, 4, 29))


def test_parse_refuses_an_empty_list():
    with pytest.raises(ValidationError, match="No dates"):
        parse_day_entries("# nothing\n\n")

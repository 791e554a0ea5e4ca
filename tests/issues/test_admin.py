"""The issues admin through the test client: the calendar's pages and the issue pages."""

import datetime

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from issues import services
from issues.calendar import DayEntry
from issues.models import CalendarDay, CalendarYear, ExtensionRequest, Issue

D = datetime.date

SCHEDULE_2027 = """2027-01-01 holiday 元旦
2027-01-02 holiday 元旦
2027-01-03 holiday 元旦
2027-02-06..2027-02-12 holiday 春节
2027-02-14 workday 春节调休
"""


@pytest.fixture(autouse=True)
def long_sessions(settings):
    # The tests move the clock months back and forth after signing in; keep the session valid.
    settings.SESSION_COOKIE_AGE = 5 * 365 * 24 * 3600


def client_for(user):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # as a user who chose English
    client.force_login(user)
    return client


@pytest.fixture
def admin_client_en(admin_user):
    return client_for(admin_user)


@pytest.fixture
def staff_bureau(bureau_user):
    """Bureau staff with the admin's view permissions on issues (not an admin)."""
    bureau_user.is_staff = True
    bureau_user.save(update_fields=["is_staff"])
    bureau_user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="issues", codename__startswith="view_")
    )
    return bureau_user


# --- the calendar ----------------------------------------------------------------------------------


def test_paste_form_loads_2027_and_recomputes_open_issues(make_issue, admin_client_en, admin_user, on):
    issue = make_issue("C", D(2026, 12, 15))
    assert (issue.due_date, issue.due_date_provisional) == (D(2027, 1, 5), True)
    on(D(2026, 12, 20))

    response = admin_client_en.post(
        reverse("admin:issues_calendarday_import"),
        {"text": SCHEDULE_2027, "mark_loaded": "on", "source_note": "国办发明电〔2026〕7号", "confirm": "1"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("admin:issues_calendaryear_changelist")
    assert "deadlines of 1 open issues recomputed" in response.content.decode()

    assert CalendarDay.objects.count() == 11
    assert CalendarDay.objects.get(date=D(2027, 2, 14)).kind == "workday"
    assert CalendarDay.objects.get(date=D(2027, 2, 8)).note == "春节"
    assert CalendarDay.objects.get(date=D(2027, 1, 1)).entered_by == admin_user
    year = CalendarYear.objects.get(year=2027)
    assert year.loaded and year.source_note == "国办发明电〔2026〕7号"

    issue.refresh_from_db()
    assert (issue.due_date, issue.due_date_provisional) == (D(2027, 1, 6), False)
    event = issue.events.get(kind="due_date_recomputed")
    assert event.actor == admin_user
    assert event.before == {"original_due_date": "2027-01-05", "due_date": "2027-01-05", "due_date_provisional": True}
    assert event.after == {"original_due_date": "2027-01-06", "due_date": "2027-01-06", "due_date_provisional": False}


def test_paste_without_loading_keeps_deadlines_provisional_and_says_so(make_issue, admin_client_en):
    issue = make_issue("C", D(2026, 12, 15))
    response = admin_client_en.post(
        reverse("admin:issues_calendarday_import"), {"text": "2027-01-01 holiday 元旦", "confirm": "1"}, follow=True
    )
    assert "Year 2027 is NOT loaded (1 entries)" in response.content.decode()
    issue.refresh_from_db()
    assert (issue.due_date, issue.due_date_provisional) == (D(2027, 1, 6), True)
    assert not CalendarYear.objects.exists()


def test_paste_with_bad_lines_saves_nothing_and_names_each_line(make_issue, admin_client_en):
    issue = make_issue("C", D(2026, 12, 15))
    text = SCHEDULE_2027 + "2027-02-30 holiday 错日期\n2027-03-01 rest\n"
    response = admin_client_en.post(reverse("admin:issues_calendarday_import"), {"text": text, "mark_loaded": "on"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Line 6: “2027-02-30” is not a date" in page
    assert "Line 7: “rest” is not a kind" in page
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists()
    issue.refresh_from_db()
    assert issue.due_date_provisional is True and not issue.events.filter(kind="due_date_recomputed").exists()


def test_marking_loaded_a_year_without_holidays_is_refused_and_saves_nothing(admin_client_en):
    response = admin_client_en.post(
        reverse("admin:issues_calendarday_import"), {"text": "2027-02-14 workday 春节调休", "mark_loaded": "on"}
    )
    assert response.status_code == 200
    assert "Year 2027 has no holidays entered" in response.content.decode()
    assert not CalendarDay.objects.exists()


def test_upload_a_csv_file_in_gb18030(make_issue, admin_client_en):
    issue = make_issue("C", D(2026, 12, 15))
    csv_text = "date,kind,note\n2027-01-01,holiday,元旦\n2027-02-14,workday,春节调休\n"
    upload = SimpleUploadedFile("2027.csv", csv_text.encode("gb18030"), content_type="text/csv")
    response = admin_client_en.post(
        reverse("admin:issues_calendarday_import"), {"file": upload, "mark_loaded": "on", "confirm": "1"}, follow=True
    )
    assert response.status_code == 200
    assert CalendarDay.objects.get(date=D(2027, 1, 1)).note == "元旦"
    assert CalendarYear.objects.get(year=2027).loaded
    issue.refresh_from_db()
    assert (issue.due_date, issue.due_date_provisional) == (D(2027, 1, 6), False)


def test_enter_one_day_with_the_add_form_and_delete_it(make_issue, admin_client_en, admin_user):
    issue = make_issue("B", D(2026, 4, 29))
    response = admin_client_en.post(
        reverse("admin:issues_calendarday_add"), {"date": "2026-05-11", "kind": "holiday", "note": "临时调整"},
        follow=True,
    )
    assert response.status_code == 200
    day = CalendarDay.objects.get()
    assert (day.date, day.kind, day.entered_by) == (D(2026, 5, 11), "holiday", admin_user)
    issue.refresh_from_db()
    assert issue.due_date == D(2026, 5, 18)
    assert issue.events.filter(kind="due_date_recomputed").count() == 1

    response = admin_client_en.post(reverse("admin:issues_calendarday_delete", args=[day.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not CalendarDay.objects.exists()
    issue.refresh_from_db()
    assert issue.due_date == D(2026, 5, 15)
    assert issue.events.filter(kind="due_date_recomputed").count() == 2


def test_changing_a_days_date_in_the_change_form_moves_the_entry(admin_client_en, admin_user):
    services.calendar_set_days(entries=[DayEntry(D(2027, 1, 4), "holiday", "元旦")], by=admin_user)
    day = CalendarDay.objects.get()
    response = admin_client_en.post(
        reverse("admin:issues_calendarday_change", args=[day.pk]), {"date": "2027-01-01", "kind": "holiday", "note": "元旦"}
    )
    assert response.status_code == 302
    assert list(CalendarDay.objects.values_list("date", flat=True)) == [D(2027, 1, 1)]


def test_the_years_page_says_which_years_are_loaded_and_from_where(admin_client_en, admin_user, on):
    on(D(2026, 11, 26))
    url = reverse("admin:issues_calendaryear_changelist")
    page = admin_client_en.get(url).content.decode()
    assert '<tr class="year-2026">' in page and '<tr class="year-2027">' in page
    row_2027 = page.split('<tr class="year-2027">')[1].split("</tr>")[0]
    assert "NOT loaded: provisional" in row_2027 and "none: weekdays alone" in row_2027
    row_2026 = page.split('<tr class="year-2026">')[1].split("</tr>")[0]
    assert "package (chinesecalendar)" in row_2026

    admin_client_en.post(reverse("admin:issues_calendarday_import"), {"text": SCHEDULE_2027, "mark_loaded": "on", "confirm": "1"})
    row_2027 = admin_client_en.get(url).content.decode().split('<tr class="year-2027">')[1].split("</tr>")[0]
    assert "NOT loaded" not in row_2027 and ">admin<" in row_2027
    assert "<td>10</td>" in row_2027 and "<td>1</td>" in row_2027


def test_set_year_view_marks_a_year_loaded_and_refuses_an_empty_one(make_issue, admin_client_en, admin_user):
    services.calendar_set_days(entries=[DayEntry(D(2027, 1, 1), "holiday")], by=admin_user)
    issue = make_issue("C", D(2026, 12, 15))
    url = reverse("admin:issues_calendaryear_set")
    response = admin_client_en.post(url, {"year": "2028", "loaded": "on"})
    assert response.status_code == 200 and "2028 has no holidays entered" in response.content.decode()
    response = admin_client_en.post(url, {"year": "2027", "loaded": "on", "source_note": "通知"})
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).loaded
    issue.refresh_from_db()
    assert issue.due_date_provisional is False


def test_calendar_changes_are_refused_to_bureau_staff(staff_bureau):
    client = client_for(staff_bureau)
    assert client.get(reverse("admin:issues_calendaryear_changelist")).status_code == 200  # they may look
    assert client.post(reverse("admin:issues_calendarday_import"), {"text": SCHEDULE_2027}).status_code == 403
    assert client.post(reverse("admin:issues_calendaryear_set"), {"year": "2027", "loaded": "on"}).status_code == 403
    response = client.post(reverse("admin:issues_calendarday_add"), {"date": "2027-01-01", "kind": "holiday"})
    assert response.status_code == 403
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists()


# --- issues --------------------------------------------------------------------------------------------


def test_issue_list_filters(make_issue, admin_client_en, cadre, unit, other_unit, on):
    overdue = make_issue("B", D(2026, 4, 29))
    provisional = make_issue("C", D(2026, 12, 15))
    on(D(2026, 12, 16))
    url = reverse("admin:issues_issue_changelist")

    def ids(query):
        response = admin_client_en.get(url + query)
        assert response.status_code == 200
        return {issue.pk for issue in response.context["cl"].result_list}

    assert ids("") == {overdue.pk, provisional.pk}
    assert ids("?overdue=yes") == {overdue.pk}
    assert ids("?overdue=no") == {provisional.pk}
    assert ids("?due_date_provisional__exact=1") == {provisional.pk}
    assert ids("?issue_class__exact=C") == {provisional.pk}
    assert ids(f"?unit={unit.pk}") == {overdue.pk, provisional.pk}
    assert ids(f"?unit={other_unit.pk}") == set()
    assert "(provisional)" in admin_client_en.get(url).content.decode()


def test_issue_page_is_read_only_with_its_timeline_and_actions(make_issue, admin_client_en):
    issue = make_issue("C", D(2026, 12, 15))
    page = admin_client_en.get(reverse("admin:issues_issue_change", args=[issue.pk])).content.decode()
    assert 'name="status"' not in page and 'name="due_date"' not in page
    assert "The due date is provisional" in page
    assert "Classified" in page  # the timeline inline
    assert reverse("admin:issues_issue_act", args=[issue.pk, "reclassify"]) in page
    # Only bureau staff decide extensions; there is nothing pending anyway.
    assert reverse("admin:issues_issue_act", args=[issue.pk, "decide_extension"]) not in page
    assert admin_client_en.get(reverse("admin:issues_issue_add")).status_code == 403


def test_admin_actions_go_through_the_services(make_issue, admin_client_en, admin_user, on):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 6))
    url = reverse("admin:issues_issue_act", args=[issue.pk, "reclassify"])
    response = admin_client_en.post(url, {"new_class": "C", "reason": ""})
    assert response.status_code == 200 and Issue.objects.get().issue_class == "B"

    response = admin_client_en.post(url, {"new_class": "C", "reason": "需跨部门协调"})
    assert response.status_code == 302
    issue.refresh_from_db()
    assert (issue.issue_class, issue.due_date) == ("C", D(2026, 5, 22))
    assert issue.events.get(kind="reclassified").actor == admin_user

    url = reverse("admin:issues_issue_act", args=[issue.pk, "hand_over"])
    response = admin_client_en.post(url, {"note": "x"})
    assert response.status_code == 200
    assert "A class C issue needs a lead unit." in response.content.decode()


def test_bureau_staff_decide_an_extension_in_the_admin(make_issue, cadre, staff_bureau, admin_client_en):
    issue = make_issue("B", D(2026, 4, 29))
    extension = services.issue_request_extension(issue=issue, by=cadre.user, reason="设备延期", extra_working_days=5)
    url = reverse("admin:issues_issue_act", args=[issue.pk, "decide_extension"])
    # An admin who is not bureau staff may not decide.
    assert admin_client_en.post(url, {"decision": "approve"}).status_code == 403

    client = client_for(staff_bureau)
    assert url in client.get(reverse("admin:issues_issue_change", args=[issue.pk])).content.decode()
    response = client.post(url, {"decision": "refuse", "note": ""})
    assert response.status_code == 200 and "Give the reason for refusing" in response.content.decode()
    response = client.post(url, {"decision": "approve", "note": "同意"})
    assert response.status_code == 302
    extension.refresh_from_db()
    issue.refresh_from_db()
    assert extension.status == ExtensionRequest.Status.APPROVED and extension.decided_by == staff_bureau
    assert issue.due_date == D(2026, 5, 22)


def test_bulk_hand_over_action(make_issue, admin_client_en, unit, office):
    b_issue = make_issue("B")
    d_issue = make_issue("D")
    c_issue = make_issue("C")
    response = admin_client_en.post(
        reverse("admin:issues_issue_changelist"),
        {"action": "hand_over_to_default_unit", "_selected_action": [b_issue.pk, c_issue.pk, d_issue.pk]},
    )
    assert response.status_code == 302
    assert Issue.objects.get(pk=b_issue.pk).handed_to_unit == unit
    assert Issue.objects.get(pk=d_issue.pk).handed_to_unit == office
    assert Issue.objects.get(pk=c_issue.pk).status == Issue.Status.OPEN


def test_year_actions_on_the_years_list(admin_client_en, admin_user):
    services.calendar_set_days(entries=[DayEntry(D(2027, 1, 1), "holiday")], mark_years_loaded=[2027], by=admin_user)
    year = CalendarYear.objects.get(year=2027)
    url = reverse("admin:issues_calendaryear_changelist")
    response = admin_client_en.post(url, {"action": "mark_not_loaded", "_selected_action": [year.pk]})
    assert response.status_code == 302
    year.refresh_from_db()
    assert year.loaded is False
    admin_client_en.post(url, {"action": "mark_loaded", "_selected_action": [year.pk]})
    year.refresh_from_db()
    assert year.loaded is True


def test_the_issue_page_costs_the_same_queries_however_long_its_timeline(make_issue, cadre, admin_client_en, bureau_user):
    # The timeline and extension inlines showed each row's user with a query of its own.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    issue = make_issue("B", D(2026, 4, 29))
    url = reverse("admin:issues_issue_change", args=[issue.pk])

    def count() -> int:
        admin_client_en.get(url)  # warm up per-process caches
        with CaptureQueriesContext(connection) as queries:
            response = admin_client_en.get(url)
        assert response.status_code == 200
        return len(queries)

    few = count()
    for n in range(8):
        services.issue_comment(issue=issue, by=cadre.user, text=f"跟进{n}")
    extension = services.issue_request_extension(issue=issue, by=cadre.user, reason="等待", extra_working_days=2)
    services.issue_decide_extension(extension=extension, by=bureau_user, approve=False, note="不同意")
    services.issue_request_extension(issue=issue, by=cadre.user, reason="再等", extra_working_days=2)
    many = count()
    assert Issue.objects.get(pk=issue.pk).events.count() >= 12
    assert many == few


def test_the_years_page_counts_the_years_it_lists_not_an_empty_changelist(admin_client_en, admin_user, on):
    # The table lists the package's years and this year and the next, while the changelist's own
    # rows are only the years an admin marked: it used to say "0 calendar years" under a full table.
    on(D(2026, 11, 26))
    url = reverse("admin:issues_calendaryear_changelist")
    page = admin_client_en.get(url).content.decode()
    listed = page.count('<tr class="year-')
    assert listed >= 2
    assert f"{listed} years listed" in page
    assert "0 calendar years" not in page and 'id="admin-marked-years"' not in page

    services.calendar_set_days(entries=[DayEntry(D(2027, 1, 1), "holiday")], mark_years_loaded=[2027], by=admin_user)
    page = admin_client_en.get(url).content.decode()
    assert 'id="admin-marked-years"' in page and "1 calendar year" in page

"""Next year's holidays from the State Council's notice, and the list of days, through every door:
the admin's pages (preview, then confirm), the API and ``manage.py calendar_notice``."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from drf_spectacular.drainage import GENERATOR_STATS

from issues.models import CalendarDay, CalendarYear, Issue, IssueEvent

D = datetime.date

TITLE = "国务院办公厅关于2027年部分节假日安排的通知"
# A notice for 2027 in the published style (the package does not cover 2027); weekdays as in 2027.
NOTICE_2027 = f"""{TITLE}
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
　　经国务院批准，现将2027年元旦、春节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月6日（周六）至14日（周日）放假调休，共9天。2月20日（周六）上班。
　　节假日期间，各地区、各部门要妥善安排好值班和安全、保卫等工作。
国务院办公厅
2026年11月4日
"""
DAYS_2027 = 3 + 9 + 1


@pytest.fixture(autouse=True)
def long_sessions(settings):
    settings.SESSION_COOKIE_AGE = 5 * 365 * 24 * 3600  # the clock moves after signing in


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def provisional_issue(make_issue, on):
    """An open class C issue due 2027-01-05, counted on weekdays alone (2027 is not loaded)."""
    issue = make_issue("C", D(2026, 12, 15))
    assert (issue.due_date, issue.due_date_provisional) == (D(2027, 1, 5), True)
    on(D(2026, 12, 20))
    return issue


# --- the admin's notice page ------------------------------------------------------------------------


def test_the_notice_page_previews_the_days_and_the_moves_then_confirm_loads_the_year(
    provisional_issue, admin_user
):
    client = signed_in(admin_user)
    url = reverse("admin:issues_calendarday_notice")
    assert client.get(url).status_code == 200

    response = client.post(url, {"text": NOTICE_2027})
    assert response.status_code == 200
    preview = response.context["preview"]
    assert len(preview.days) == DAYS_2027 and preview.years_loaded == [2027] and preview.source_note == TITLE
    [move] = preview.moves
    assert (move.issue_id, move.due_date_before, move.due_date_after) == (provisional_issue.pk, D(2027, 1, 5), D(2027, 1, 6))
    assert move.stops_being_provisional
    page = response.content.decode()
    row = page.split(f'<tr class="issue-{provisional_issue.pk}">')[1].split("</tr>")[0]
    assert "2027-01-05" in row and "2027-01-06" in row
    assert '<tr class="day-2027-02-20 workday">' in page
    # The dry run wrote nothing, not even the timeline entry it read.
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists()
    assert not IssueEvent.objects.filter(kind="due_date_recomputed").exists()
    provisional_issue.refresh_from_db()
    assert provisional_issue.due_date_provisional is True

    # The confirmation carries the pasted text back in a hidden field.
    confirmation = response.context["confirmation"]
    assert 'type="hidden" name="text"' in page
    response = client.post(url, {**{f.name: f.value() or "" for f in confirmation}, "confirm": "1"})
    assert response.status_code == 302 and response.url == reverse("admin:issues_calendaryear_changelist")
    assert CalendarDay.objects.count() == DAYS_2027
    assert CalendarDay.objects.get(date=D(2027, 2, 20)).kind == "workday"
    assert CalendarDay.objects.get(date=D(2027, 2, 10)).note == "春节"
    year = CalendarYear.objects.get(year=2027)
    assert year.loaded and year.source_note == TITLE and year.entered_by == admin_user
    provisional_issue.refresh_from_db()
    assert (provisional_issue.due_date, provisional_issue.due_date_provisional) == (D(2027, 1, 6), False)
    assert provisional_issue.events.filter(kind="due_date_recomputed").count() == 1


def test_a_notice_with_an_unread_sentence_shows_what_it_read_and_loads_nothing(provisional_issue, admin_user):
    text = NOTICE_2027.replace("共9天", "共8天")
    response = signed_in(admin_user).post(
        reverse("admin:issues_calendarday_notice"), {"text": text, "confirm": "1"}
    )
    assert response.status_code == 200
    assert response.context["preview"] is None
    assert len(response.context["form"].errors["text"]) == 1
    assert "共8天" in response.context["form"].errors["text"][0]
    assert {d.date for d in response.context["partial_days"]} == {D(2027, 1, 1), D(2027, 1, 2), D(2027, 1, 3), D(2027, 2, 20)}
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists()


def test_the_preview_reads_a_fixed_number_of_queries_however_many_issues_move(make_issue, admin_user, on):
    client = signed_in(admin_user)
    url = reverse("admin:issues_calendarday_notice")

    def preview_queries():
        on(D(2026, 12, 20))
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url, {"text": NOTICE_2027})
        return len(queries), len(response.context["preview"].moves)

    make_issue("C", D(2026, 12, 15))
    few = preview_queries()
    for _n in range(4):
        make_issue("C", D(2026, 12, 15))
    many = preview_queries()
    assert (few[1], many[1]) == (1, 5)
    assert few[0] == many[0]


def test_the_calendar_pages_are_refused_to_everyone_but_admins(bureau_user, cadre):
    bureau_user.is_staff = True
    bureau_user.save(update_fields=["is_staff"])
    bureau_user.user_permissions.add(*Permission.objects.filter(content_type__app_label="issues", codename__startswith="view_"))
    for name in ("admin:issues_calendarday_notice", "admin:issues_calendarday_import"):
        url = reverse(name)
        assert signed_in(bureau_user).get(url).status_code == 403
        assert signed_in(bureau_user).post(url, {"text": NOTICE_2027, "confirm": "1"}).status_code == 403
        assert signed_in(cadre.user).get(url).status_code == 302  # to the admin's login
    assert not CalendarDay.objects.exists()


def test_the_list_of_days_previews_an_upload_then_confirms_its_text(provisional_issue, admin_user):
    client = signed_in(admin_user)
    url = reverse("admin:issues_calendarday_import")
    csv_text = "date,kind,note\n2027-01-01,holiday,元旦\n2027-02-20,workday,春节调休\n"
    upload = SimpleUploadedFile("2027.csv", csv_text.encode("gb18030"), content_type="text/csv")
    response = client.post(url, {"file": upload, "mark_loaded": "on"})
    assert response.status_code == 200
    preview = response.context["preview"]
    assert [(d.date, d.kind, d.status) for d in preview.days] == [
        (D(2027, 1, 1), "holiday", "new"), (D(2027, 2, 20), "workday", "new")
    ]
    assert [(m.due_date_before, m.due_date_after, m.provisional_after) for m in preview.moves] == [
        (D(2027, 1, 5), D(2027, 1, 6), False)
    ]
    assert not CalendarDay.objects.exists()

    hidden = {f.name: f.value() for f in response.context["confirmation"] if f.name != "file"}
    assert hidden["text"] == csv_text  # the file's text, decoded, for the confirmation
    response = client.post(url, {**hidden, "mark_loaded": "on", "confirm": "1"})
    assert response.status_code == 302
    assert CalendarDay.objects.count() == 2 and CalendarYear.objects.get(year=2027).loaded
    provisional_issue.refresh_from_db()
    assert (provisional_issue.due_date, provisional_issue.due_date_provisional) == (D(2027, 1, 6), False)


def test_the_calendar_pages_link_to_the_notice_page(admin_user):
    client = signed_in(admin_user)
    url = reverse("admin:issues_calendarday_notice")
    for page in ("admin:issues_calendarday_changelist", "admin:issues_calendaryear_changelist", "admin_home"):
        assert f'href="{url}"' in client.get(reverse(page)).content.decode(), page


# --- the API ----------------------------------------------------------------------------------------


def test_the_api_previews_by_default_then_loads(client_for, admin_user, provisional_issue):
    api = client_for(admin_user)
    response = api.post("/api/v1/calendar/notice/", {"text": NOTICE_2027}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["dry_run"] is True and body["years_loaded"] == [2027] and body["source_note"] == TITLE
    assert len(body["days"]) == DAYS_2027 and body["days"][0] == {"date": "2027-01-01", "kind": "holiday", "note": "元旦", "status": "new"}
    assert body["moves"] == [{
        "issue_id": provisional_issue.pk, "issue_title": provisional_issue.title,
        "due_date_before": "2027-01-05", "due_date_after": "2027-01-06",
        "provisional_before": True, "provisional_after": False, "stops_being_provisional": True,
    }]
    assert not CalendarDay.objects.exists()

    response = api.post("/api/v1/calendar/notice/", {"text": NOTICE_2027, "dry_run": False}, format="json")
    assert response.status_code == 200 and response.json()["moves"] == body["moves"]
    assert CalendarDay.objects.count() == DAYS_2027 and CalendarYear.objects.get(year=2027).loaded
    assert Issue.objects.get(pk=provisional_issue.pk).due_date == D(2027, 1, 6)


def test_the_api_names_unread_sentences_and_refuses_non_admins(client_for, admin_user, bureau_user):
    text = NOTICE_2027.replace("2月20日（周六）上班", "2月20日（周六）照常上课")
    response = client_for(admin_user).post("/api/v1/calendar/notice/", {"text": text, "dry_run": False}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["text"] and len(response.json()["text"]) == 1
    assert "照常上课" in response.json()["text"][0]
    response = client_for(bureau_user).post("/api/v1/calendar/notice/", {"text": NOTICE_2027, "dry_run": False}, format="json")
    assert response.status_code == 403
    assert not CalendarDay.objects.exists()


def test_the_schema_documents_the_notice_endpoint(client_for, cadre):
    GENERATOR_STATS.reset()
    schema = client_for(cadre.user).get("/api/v1/schema/", {"format": "json"}).json()
    assert not GENERATOR_STATS
    notice = schema["paths"]["/api/v1/calendar/notice/"]["post"]
    assert notice["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/CalendarNotice")
    assert set(notice["responses"]) >= {"200", "400", "403"}


# --- the command ------------------------------------------------------------------------------------


def test_the_command_prints_the_days_then_loads_them(tmp_path, capsys, admin_user, provisional_issue):
    path = tmp_path / "notice.txt"
    path.write_text(NOTICE_2027, encoding="utf-8")
    call_command("calendar_notice", str(path), "--dry-run")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == DAYS_2027
    assert lines[0] == "2027-01-01 holiday" and "2027-02-20 workday" in lines
    assert not CalendarDay.objects.exists()

    with pytest.raises(CommandError):  # a write names who makes it
        call_command("calendar_notice", str(path))
    call_command("calendar_notice", str(path), "--by", admin_user.username)
    assert CalendarDay.objects.count() == DAYS_2027
    assert CalendarYear.objects.get(year=2027).source_note == TITLE
    provisional_issue.refresh_from_db()
    assert provisional_issue.due_date_provisional is False


def test_the_command_puts_unread_sentences_on_stderr_and_fails(tmp_path, capsys, admin_user):
    path = tmp_path / "notice.txt"
    path.write_text(NOTICE_2027.replace("共3天", "共4天"), encoding="gb18030")
    with pytest.raises(CommandError):
        call_command("calendar_notice", str(path), "--by", admin_user.username)
    captured = capsys.readouterr()
    assert "2027-02-06 holiday" in captured.out and "2027-01-01 holiday" not in captured.out
    assert "共4天" in captured.err
    assert not CalendarDay.objects.exists()

"""No 500 from any input (issue 13): each input that once answered 500 is now a 4xx with a message a
person can act on (or a command error). Through the public door, then the database."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from issues.models import CalendarDay, CalendarYear, Issue
from tests.issues.factories import CalendarDayFactory

D = datetime.date

NEW_ISSUE = {"title": "实验室用房紧张", "service_area": "condition_building", "issue_class": "B"}

pytestmark = pytest.mark.usefixtures("english_api")


def messages_of(response, field):
    """The messages the API gives on ``field``: at least one, each a non-empty string."""
    body = response.json()
    assert field in body, body
    assert body[field] and all(isinstance(m, str) and m for m in body[field]), body
    return body[field]


# --- format-suffix URLs ---------------------------------------------------------------------------


def test_json_suffix_urls_of_the_issues_api_answer_like_the_plain_ones(client_for, cadre, platform, on):
    on(D(2026, 4, 29))
    api = client_for(cadre.user)

    created = api.post("/api/v1/issues.json", {**NEW_ISSUE, "platform": platform.pk}, format="json")
    assert created.status_code == 201, created.content
    issue = Issue.objects.get(pk=created.json()["id"])

    assert api.get("/api/v1/issues.json").json()["count"] == 1
    assert api.get(f"/api/v1/issues/{issue.pk}.json").json()["id"] == issue.pk
    assert [e["kind"] for e in api.get(f"/api/v1/issues/{issue.pk}/timeline.json").json()] == ["created", "classified"]
    comment = api.post(f"/api/v1/issues/{issue.pk}/comments.json", {"text": "已电话沟通"}, format="json")
    assert comment.status_code == 201, comment.content
    refused = api.post(f"/api/v1/issues/{issue.pk}/reclassify.json", {"new_class": "C"}, format="json")
    assert refused.status_code == 400 and messages_of(refused, "reason")
    assert Issue.objects.get(pk=issue.pk).issue_class == "B"


def test_json_suffix_urls_of_the_calendar_api_answer_like_the_plain_ones(client_for, admin_user):
    api = client_for(admin_user)

    assert api.get("/api/v1/calendar/years.json").status_code == 200
    assert api.get("/api/v1/calendar/due.json", {"issue_class": "B", "recorded_on": "2026-04-29"}).json()[
        "due_date"
    ] == "2026-05-15"
    entered = api.post(
        "/api/v1/calendar/days.json", {"entries": [{"date": "2031-01-01", "kind": "holiday"}]}, format="json"
    )
    assert entered.status_code == 200, entered.content
    assert [d["date"] for d in api.get("/api/v1/calendar/days.json").json()] == ["2031-01-01"]
    notice = api.post("/api/v1/calendar/notice.json", {"text": ""}, format="json")
    assert notice.status_code == 400 and messages_of(notice, "text")


# --- the browsable API ----------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/calendar/days/", "/api/v1/calendar/years/", "/api/v1/calendar/due/"])
def test_the_calendar_endpoints_open_in_a_browser(client_for, admin_user, cadre, url):
    CalendarDayFactory(date=D(2031, 1, 1))
    for user in (admin_user, cadre.user):
        response = client_for(user).get(url, HTTP_ACCEPT="text/html")
        assert response.status_code in {200, 400}, (user, response.status_code)
        assert response["Content-Type"].startswith("text/html")


# --- digits that are not ASCII --------------------------------------------------------------------


@pytest.mark.parametrize("year", ["²", "٢٠٣١", "2031x", "0", "10000", "-1"])
def test_a_calendar_year_that_is_not_a_plain_year_is_a_400_on_year(client_for, cadre, year):
    response = client_for(cadre.user).get("/api/v1/calendar/days/", {"year": year})
    assert response.status_code == 400
    messages_of(response, "year")


def test_the_calendar_days_of_a_year_are_listed(client_for, cadre):
    CalendarDayFactory(date=D(2031, 1, 1))
    CalendarDayFactory(date=D(2032, 1, 1))
    response = client_for(cadre.user).get("/api/v1/calendar/days/", {"year": "2031"})
    assert [d["date"] for d in response.json()] == ["2031-01-01"]


@pytest.mark.parametrize("contact", ["²", "١", "1x", "99999999999999999999999"])
def test_the_issue_form_ignores_a_contact_that_is_not_an_id(client, cadre, platform, contact):
    client.force_login(cadre.user)
    response = client.get("/issues/new/", {"contact": contact})
    assert response.status_code == 200


@pytest.mark.parametrize("platform_id", ["²", "99999999999999999999999"])
def test_the_issue_form_ignores_a_platform_that_is_not_an_id(client, cadre, platform, platform_id):
    client.force_login(cadre.user)
    assert client.get("/issues/new/", {"platform": platform_id}).status_code == 200


# --- dates the calendar cannot hold -------------------------------------------------------------


@pytest.fixture
def admin_pages(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize("text", ["9999-12-31 holiday", "9999-12-30..9999-12-31 holiday", "1899-12-31 workday"])
def test_pasting_a_day_the_calendar_cannot_hold_is_a_form_error_and_saves_nothing(admin_pages, text):
    for confirm in ({}, {"confirm": "1"}):
        response = admin_pages.post(reverse("admin:issues_calendarday_import"), {"text": text, **confirm})
        assert response.status_code == 200
        assert response.context["form"].errors["text"]
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists()


def test_the_api_refuses_a_day_the_calendar_cannot_hold(client_for, admin_user):
    response = client_for(admin_user).post(
        "/api/v1/calendar/days/", {"entries": [{"date": "9999-12-31", "kind": "holiday"}]}, format="json"
    )
    assert response.status_code == 400 and "entries" in response.json()
    assert not CalendarDay.objects.exists()


@pytest.mark.parametrize("date", ["9999-12-31", "1899-12-31", "0001-01-01"])
def test_adding_a_calendar_day_outside_1900_to_9998_in_the_admin_is_a_form_error(admin_pages, date):
    response = admin_pages.post(reverse("admin:issues_calendarday_add"), {"date": date, "kind": "holiday", "note": ""})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["date"]
    assert not CalendarDay.objects.exists()


def test_the_admin_still_adds_the_last_day_the_calendar_holds(admin_pages):
    response = admin_pages.post(reverse("admin:issues_calendarday_add"), {"date": "9998-12-31", "kind": "holiday"})
    assert response.status_code == 302
    assert CalendarDay.objects.get().date == D(9998, 12, 31)


# --- the schema says what the API returns -------------------------------------------------------


def _schema_of(api, component):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    return schema, schema["components"]["schemas"][component]


def _allowed_values(schema, field):
    """The enum values a property admits, following its ``$ref`` and ``oneOf``/``allOf`` branches."""
    if "$ref" in field:
        return _allowed_values(schema, schema["components"]["schemas"][field["$ref"].rsplit("/", 1)[1]])
    values = set(field.get("enum", []))
    for branch in field.get("oneOf", []) + field.get("allOf", []) + field.get("anyOf", []):
        values |= _allowed_values(schema, branch)
    if field.get("nullable"):
        values.add(None)
    return values


def test_an_open_issues_closure_kind_is_a_value_the_schema_allows(client_for, cadre, platform, on):
    on(D(2026, 4, 29))
    api = client_for(cadre.user)
    issue = api.post("/api/v1/issues/", {**NEW_ISSUE, "platform": platform.pk}, format="json").json()
    schema, component = _schema_of(api, "Issue")

    allowed = _allowed_values(schema, component["properties"]["closure_kind"])

    assert issue["closure_kind"] in allowed
    assert {"resolved", "solution_determined"} <= allowed


# --- calendar_due ---------------------------------------------------------------------------------


@pytest.mark.parametrize("count", ["2501", "-2501", "1000000000", "-1000000000", "99999999999999999999999"])
def test_calendar_due_refuses_an_absurd_count_with_a_message(db, count):
    with pytest.raises(CommandError) as refused:
        call_command("calendar_due", "2026-04-29", count, stdout=io.StringIO())
    assert str(refused.value)


def test_calendar_due_refuses_a_count_past_the_last_date(db):
    with pytest.raises(CommandError) as refused:
        call_command("calendar_due", "9999-12-30", "10", stdout=io.StringIO())
    assert str(refused.value)

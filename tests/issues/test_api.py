"""The issues API: recording, every action, the timeline, the calendar endpoints, scoping,
the services' refusals as 403 and 400, and flat query counts. Through the API, then the database."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.drainage import GENERATOR_STATS

from issues import services
from issues.models import CalendarDay, CalendarYear, ExtensionRequest, Issue, IssueEvent
from issues.selectors import projected_due_date, with_deadline_status
from tests.helpers import ids
from tests.issues.factories import IssueFactory
from tests.liaison.factories import (
    AssignmentFactory,
    CadreFactory,
    UnitFactory,
    UserFactory,
)
from tests.platforms.factories import PlatformFactory

D = datetime.date

NEW_ISSUE = {"title": "实验室用房紧张", "service_area": "condition_building", "issue_class": "B"}

pytestmark = pytest.mark.usefixtures("english_api")


def kinds(issue):
    return list(IssueEvent.objects.filter(issue=issue).order_by("at", "id").values_list("kind", flat=True))


# --- recording --------------------------------------------------------------------------------------


def test_a_cadre_records_an_issue_and_it_gets_the_worked_examples_due_date(client_for, cadre, platform, on):
    on(D(2026, 4, 29))

    response = client_for(cadre.user).post(
        "/api/v1/issues/", {**NEW_ISSUE, "platform": platform.pk, "description": "需协调周转用房"}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    issue = Issue.objects.get(pk=body["id"])
    assert (issue.platform, issue.recorded_by, issue.recorded_on) == (platform, cadre, D(2026, 4, 29))
    assert (issue.due_date, issue.due_date_provisional) == (D(2026, 5, 15), False)
    assert kinds(issue) == ["created", "classified"]
    assert body["due_date"] == body["original_due_date"] == "2026-05-15"
    assert (body["working_days_left"], body["is_overdue"], body["due_date_provisional"]) == (10, False, False)
    assert (body["status"], body["status_display"]) == ("open", "Open")
    assert (body["issue_class"], body["issue_class_display"]) == ("B", "B: solved by the cadre's own unit")
    assert body["platform"] == {"id": platform.pk, "name": platform.name}
    assert body["responsible_cadre"] == {"id": cadre.pk, "name": cadre.name}
    assert body["responsible_unit"] == {"id": cadre.unit_id, "name": cadre.unit.name}
    assert body["recorded_by"] == {"id": cadre.pk, "name": cadre.name}
    assert (body["handed_to_unit"], body["cooperating_units"], body["extensions"]) == (None, [], [])
    assert (body["closure_kind"], body["on_time"], body["closed_on"], body["rating"]) == ("", None, None, None)
    assert (body["escalation_level"], body["escalation_level_display"]) == (0, "Not escalated")


def test_a_class_a_issue_is_recorded_resolved_with_no_deadline(client_for, cadre, platform, on):
    on(D(2026, 4, 29))

    response = client_for(cadre.user).post(
        "/api/v1/issues/",
        {**NEW_ISSUE, "issue_class": "A", "answer": "已当场解答政策口径", "platform": platform.pk},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["due_date"], body["working_days_left"], body["is_overdue"]) == (
        "resolved",
        None,
        None,
        False,
    )
    assert (body["closure_kind"], body["on_time"], body["closed_on"]) == ("resolved", True, "2026-04-29")
    assert Issue.objects.get(pk=body["id"]).answer == "已当场解答政策口径"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"issue_class": "E"}, "issue_class"),
        ({"title": None}, "title"),
        ({"title": "   "}, "title"),
        ({"service_area": "space"}, "service_area"),
        ({"recorded_on": "2026-04-30"}, "recorded_on"),  # tomorrow
        ({"platform": 999999}, "platform"),
        ({"answer": "当场答复"}, "answer"),  # an answer belongs to class A only
        ({"issue_class": "A"}, "answer"),  # and class A needs one
    ],
)
def test_invalid_issue_input_is_a_400_with_field_messages(client_for, cadre, platform, on, change, field):
    on(D(2026, 4, 29))
    data = {**NEW_ISSUE, "platform": platform.pk, **change}
    data = {key: value for key, value in data.items() if value is not None}

    response = client_for(cadre.user).post("/api/v1/issues/", data, format="json")

    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    assert all(isinstance(message, str) and message for message in response.json()[field])
    assert not Issue.objects.exists()


def test_the_service_messages_reach_the_api_in_english(client_for, cadre, platform, on):
    on(D(2026, 4, 29))
    client = client_for(cadre.user)

    future = client.post("/api/v1/issues/", {**NEW_ISSUE, "platform": platform.pk, "recorded_on": "2026-05-01"})
    no_answer = client.post("/api/v1/issues/", {**NEW_ISSUE, "platform": platform.pk, "issue_class": "A"})

    assert future.json() == {"recorded_on": ["The recorded date cannot be in the future."]}
    assert no_answer.json() == {"answer": ["A class A issue is solved on the spot: say what was answered."]}


def test_only_the_platforms_responsible_cadre_records_its_issues(
    client_for, cadre, platform, other_cadre, unit_leader, bureau_user, on
):
    on(D(2026, 4, 29))
    data = {**NEW_ISSUE, "platform": platform.pk}

    for user in (other_cadre.user, unit_leader, bureau_user):
        response = client_for(user).post("/api/v1/issues/", data, format="json")
        assert response.status_code == 403, (user, response.content)
        assert "Only the cadre responsible for" in response.json()["detail"]
    # Before the assignment started, the cadre was not responsible either.
    early = client_for(cadre.user).post("/api/v1/issues/", {**data, "recorded_on": "2025-12-31"}, format="json")
    assert early.status_code == 403
    assert not Issue.objects.exists()


def test_signing_in_is_required(api_client, make_issue):
    issue = make_issue()

    assert api_client.get("/api/v1/issues/").status_code in (401, 403)
    assert api_client.get(f"/api/v1/issues/{issue.pk}/").status_code in (401, 403)
    assert api_client.get("/api/v1/calendar/due/", {"issue_class": "B"}).status_code in (401, 403)
    assert api_client.post(f"/api/v1/issues/{issue.pk}/comments/", {"text": "x"}).status_code in (401, 403)
    assert not IssueEvent.objects.filter(kind="commented").exists()


# --- who sees what -------------------------------------------------------------------------------


@pytest.fixture
def three_units_issues(cadre, platform, colleague, other_cadre, on):
    """One issue on a platform of ``cadre``, one of ``colleague`` (same unit), one of ``other_cadre``."""
    on(D(2026, 4, 29))
    made = {}
    for name, who, where in (
        ("own", cadre, platform),
        ("colleague", colleague, AssignmentFactory(cadre=colleague).platform),
        ("other", other_cadre, AssignmentFactory(cadre=other_cadre).platform),
    ):
        made[name] = services.issue_create(
            by=who.user, platform=where, title=f"{name}的问题", service_area="other", issue_class="B"
        ).pk
    return made


def test_a_cadre_sees_only_the_issues_of_their_own_platforms(client_for, cadre, three_units_issues):
    client = client_for(cadre.user)

    assert ids(client.get("/api/v1/issues/")) == {three_units_issues["own"]}
    assert client.get(f"/api/v1/issues/{three_units_issues['own']}/").status_code == 200
    assert client.get(f"/api/v1/issues/{three_units_issues['colleague']}/").status_code == 404
    assert client.get(f"/api/v1/issues/{three_units_issues['other']}/timeline/").status_code == 404


def test_a_unit_leader_sees_their_units_issues(client_for, unit_leader, three_units_issues):
    client = client_for(unit_leader)

    assert ids(client.get("/api/v1/issues/")) == {three_units_issues["own"], three_units_issues["colleague"]}
    assert client.get(f"/api/v1/issues/{three_units_issues['other']}/").status_code == 404


def test_bureau_staff_and_admins_see_every_issue(client_for, bureau_user, admin_user, three_units_issues):
    assert ids(client_for(bureau_user).get("/api/v1/issues/")) == set(three_units_issues.values())
    assert ids(client_for(admin_user).get("/api/v1/issues/")) == set(three_units_issues.values())


def test_a_user_with_no_role_sees_no_issue(client_for, three_units_issues):
    client = client_for(UserFactory())

    assert ids(client.get("/api/v1/issues/")) == set()
    assert client.get(f"/api/v1/issues/{three_units_issues['own']}/").status_code == 404


# --- the actions: happy paths -------------------------------------------------------------------


def test_reclassifying_recounts_the_deadline_from_the_recorded_date(client_for, cadre, make_issue, on):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 6))

    response = client_for(cadre.user).post(
        f"/api/v1/issues/{issue.pk}/reclassify/", {"new_class": "C", "reason": "需市发改委配合"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert (response.json()["issue_class"], response.json()["due_date"]) == ("C", "2026-05-22")
    issue.refresh_from_db()
    assert (issue.issue_class, issue.due_date) == ("C", D(2026, 5, 22))
    event = issue.events.get(kind="reclassified")
    assert (event.actor, event.note, event.before["issue_class"], event.after["issue_class"]) == (
        cadre.user,
        "需市发改委配合",
        "B",
        "C",
    )


def test_handing_over_b_c_and_d(client_for, cadre, unit, make_issue, office, other_unit, third_unit):
    client = client_for(cadre.user)
    b, c, d = make_issue("B"), make_issue("C"), make_issue("D")

    to_own_unit = client.post(f"/api/v1/issues/{b.pk}/hand-over/", {"note": "本单位办理"}, format="json")
    to_units = client.post(
        f"/api/v1/issues/{c.pk}/hand-over/",
        {"lead_unit": other_unit.pk, "cooperating_units": [third_unit.pk]},
        format="json",
    )
    to_office = client.post(f"/api/v1/issues/{d.pk}/hand-over/", {}, format="json")

    assert to_own_unit.status_code == to_units.status_code == to_office.status_code == 200
    assert to_own_unit.json()["handed_to_unit"] == {"id": unit.pk, "name": unit.name}
    assert to_units.json()["handed_to_unit"] == {"id": other_unit.pk, "name": other_unit.name}
    assert to_units.json()["cooperating_units"] == [{"id": third_unit.pk, "name": third_unit.name}]
    assert to_office.json()["status"] == "handed_over"
    for issue, target in ((b, unit), (c, other_unit), (d, office)):
        issue.refresh_from_db()
        assert (issue.status, issue.handed_to_unit) == ("handed_over", target)
    assert list(c.cooperating_units.all()) == [third_unit]
    assert b.events.get(kind="handed_over").note == "本单位办理"


def test_handing_over_c_without_cooperating_units_is_a_400_on_that_field(client_for, cadre, make_issue, other_unit):
    issue = make_issue("C")

    response = client_for(cadre.user).post(
        f"/api/v1/issues/{issue.pk}/hand-over/", {"lead_unit": other_unit.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"cooperating_units": ["A class C issue needs at least one cooperating unit."]}
    issue.refresh_from_db()
    assert issue.status == "open"


def test_anyone_who_sees_the_issue_comments_on_it(client_for, cadre, unit_leader, make_issue):
    issue = make_issue()

    response = client_for(unit_leader).post(f"/api/v1/issues/{issue.pk}/comments/", {"text": "请加快办理"})

    assert response.status_code == 201, response.content
    assert response.json()["id"] == issue.pk
    comment = issue.events.get(kind="commented")
    assert (comment.actor, comment.note) == (unit_leader, "请加快办理")
    empty = client_for(cadre.user).post(f"/api/v1/issues/{issue.pk}/comments/", {"text": ""})
    assert empty.status_code == 400 and list(empty.json()) == ["text"]


def test_an_extension_is_asked_by_the_cadre_and_granted_by_bureau_staff(
    client_for, cadre, bureau_user, make_issue, on
):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 12))

    asked = client_for(cadre.user).post(
        f"/api/v1/issues/{issue.pk}/extension-requests/",
        {"reason": "需等待设备到货", "extra_working_days": 5},
        format="json",
    )

    assert asked.status_code == 201, asked.content
    [pending] = asked.json()["extensions"]
    assert (pending["status"], pending["requested_working_days"], pending["requested_by_name"]) == (
        "pending",
        5,
        cadre.name,
    )
    assert ExtensionRequest.objects.get(pk=pending["id"]).status == "pending"

    decided = client_for(bureau_user).post(
        f"/api/v1/issues/{issue.pk}/extension-requests/{pending['id']}/decision/",
        {"approve": True, "note": "同意"},
        format="json",
    )

    assert decided.status_code == 200, decided.content
    # Five working days after 05-15: 05-18 to 05-22.
    assert (decided.json()["due_date"], decided.json()["original_due_date"]) == ("2026-05-22", "2026-05-15")
    assert decided.json()["extensions"][0]["status"] == "approved"
    issue.refresh_from_db()
    assert issue.due_date == D(2026, 5, 22)
    assert kinds(issue)[-2:] == ["extension_requested", "extended"]


def test_refusing_an_extension_needs_a_note(client_for, cadre, bureau_user, make_issue):
    issue = make_issue()
    extension = services.issue_request_extension(
        issue=issue, by=cadre.user, reason="等待批复", new_due_date=D(2026, 6, 1)
    )
    url = f"/api/v1/issues/{issue.pk}/extension-requests/{extension.pk}/decision/"
    client = client_for(bureau_user)

    silent = client.post(url, {"approve": False}, format="json")
    refused = client.post(url, {"approve": False, "note": "理由不充分"}, format="json")

    assert silent.status_code == 400 and list(silent.json()) == ["note"]
    assert refused.status_code == 200, refused.content
    assert refused.json()["due_date"] == "2026-05-15"
    extension.refresh_from_db()
    assert (extension.status, extension.decision_note, extension.decided_by) == ("refused", "理由不充分", bureau_user)


def test_an_extension_of_another_issue_is_not_found(client_for, cadre, bureau_user, make_issue):
    issue, other = make_issue(), make_issue()
    extension = services.issue_request_extension(issue=other, by=cadre.user, reason="等待", extra_working_days=3)

    response = client_for(bureau_user).post(
        f"/api/v1/issues/{issue.pk}/extension-requests/{extension.pk}/decision/", {"approve": True}, format="json"
    )

    assert response.status_code == 404
    extension.refresh_from_db()
    assert extension.status == "pending"


def test_asking_for_both_a_date_and_days_is_a_400(client_for, cadre, make_issue):
    issue = make_issue()

    response = client_for(cadre.user).post(
        f"/api/v1/issues/{issue.pk}/extension-requests/",
        {"reason": "等待", "new_due_date": "2026-06-01", "extra_working_days": 3},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["new_due_date"]
    assert not ExtensionRequest.objects.exists()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"reason": "等待", "new_due_date": "9999-12-31"}, "new_due_date"),
        ({"reason": "等待", "new_due_date": "0001-01-01"}, "new_due_date"),
        ({"reason": "等待", "extra_working_days": 10**20}, "extra_working_days"),
        ({"reason": "等待", "extra_working_days": -1}, "extra_working_days"),
        ({"reason": "等待", "extra_working_days": "many"}, "extra_working_days"),
        ({"reason": "", "extra_working_days": 3}, "reason"),
    ],
)
def test_odd_extension_requests_are_a_400_on_their_field(client_for, cadre, bureau_user, make_issue, data, field):
    issue = make_issue()

    response = client_for(cadre.user).post(f"/api/v1/issues/{issue.pk}/extension-requests/", data, format="json")

    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    assert not ExtensionRequest.objects.exists()
    # The issue and the list still read (a far due date used to overflow the deadline checks).
    assert client_for(bureau_user).get("/api/v1/issues/").status_code == 200


def test_granting_a_date_past_the_limit_is_a_400(client_for, cadre, bureau_user, make_issue):
    issue = make_issue()
    extension = services.issue_request_extension(issue=issue, by=cadre.user, reason="等待", extra_working_days=3)

    response = client_for(bureau_user).post(
        f"/api/v1/issues/{issue.pk}/extension-requests/{extension.pk}/decision/",
        {"approve": True, "new_due_date": "9999-12-31"},
        format="json",
    )

    assert response.status_code == 400 and list(response.json()) == ["new_due_date"]
    extension.refresh_from_db()
    assert extension.status == "pending"


def test_determining_a_solution_stops_the_clock_on_time(client_for, cadre, make_issue, on):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 15), hour=23, minute=30)  # the last half hour of the due day

    response = client_for(cadre.user).post(
        f"/api/v1/issues/{issue.pk}/determine-solution/", {"solution": "协调周转用房"}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["closure_kind"], body["on_time"], body["closed_on"]) == (
        "solution_determined",
        "solution_determined",
        True,
        "2026-05-15",
    )
    assert (body["working_days_left"], body["is_overdue"]) == (None, False)
    issue.refresh_from_db()
    assert (issue.status, issue.solution, issue.on_time) == ("solution_determined", "协调周转用房", True)


def test_resolving_late_records_it_late(client_for, unit_leader, make_issue, on):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 18))

    response = client_for(unit_leader).post(f"/api/v1/issues/{issue.pk}/resolve/", {"resolution": "已解决"})

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["on_time"], response.json()["closed_on"]) == (
        "resolved",
        False,
        "2026-05-18",
    )
    issue.refresh_from_db()
    assert (issue.status, issue.resolved_on, issue.closure_kind) == ("resolved", D(2026, 5, 18), "resolved")


def test_reopening_keeps_the_due_date(client_for, cadre, make_issue, on):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 8))
    services.issue_resolve(issue=issue, by=cadre.user, resolution="已解决")
    on(D(2026, 5, 11))

    response = client_for(cadre.user).post(f"/api/v1/issues/{issue.pk}/reopen/", {"reason": "平台反映未落实"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["due_date"], body["reopen_count"], body["closed_on"]) == (
        "open",
        "2026-05-15",
        1,
        None,
    )
    assert body["working_days_left"] == 4
    issue.refresh_from_db()
    assert (issue.status, issue.reopen_count) == ("open", 1)
    assert issue.events.get(kind="reopened").note == "平台反映未落实"


def test_the_platform_rates_through_its_cadre_and_a_low_rating_reopens(client_for, cadre, make_issue, on):
    good, poor = make_issue(), make_issue()
    on(D(2026, 5, 8))
    for issue in (good, poor):
        services.issue_resolve(issue=issue, by=cadre.user, resolution="已解决")
    client = client_for(cadre.user)

    rated = client.post(f"/api/v1/issues/{good.pk}/rate/", {"rating": 5, "comment": "满意"}, format="json")
    reopened = client.post(f"/api/v1/issues/{poor.pk}/rate/", {"rating": 2, "comment": "未落实"}, format="json")

    assert rated.status_code == reopened.status_code == 200
    assert (rated.json()["rating"], rated.json()["rating_comment"], rated.json()["status"]) == (5, "满意", "resolved")
    assert (reopened.json()["status"], reopened.json()["rating"]) == ("open", None)
    good.refresh_from_db()
    poor.refresh_from_db()
    assert (good.rating, poor.status, poor.reopen_count) == (5, "open", 1)
    assert kinds(poor)[-2:] == ["rated", "reopened"]


@pytest.mark.parametrize(
    "data, field",
    [({"rating": 7}, "rating"), ({"rating": 0}, "rating"), ({"rating": "good"}, "rating"), ({"rating": 1}, "comment")],
)
def test_an_invalid_rating_is_a_400_with_field_messages(client_for, cadre, make_issue, on, data, field):
    issue = make_issue()
    on(D(2026, 5, 8))
    services.issue_resolve(issue=issue, by=cadre.user, resolution="已解决")

    response = client_for(cadre.user).post(f"/api/v1/issues/{issue.pk}/rate/", data, format="json")

    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    issue.refresh_from_db()
    assert (issue.rating, issue.status) == (None, "resolved")


def test_a_state_error_without_a_field_is_a_non_field_error(client_for, cadre, make_issue):
    issue = make_issue()

    response = client_for(cadre.user).post(f"/api/v1/issues/{issue.pk}/rate/", {"rating": 4}, format="json")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Only a resolved issue or one with a solution determined can be rated."]}


# --- the actions: refused and not found ---------------------------------------------------------

ACTIONS = {
    "reclassify": {"new_class": "D", "reason": "需市级调度"},
    "hand-over": {"lead_unit": None, "cooperating_units": []},
    "comments": {"text": "关注"},
    "extension-requests": {"reason": "等待", "extra_working_days": 3},
    "decision": {"approve": True},
    "determine-solution": {"solution": "方案"},
    "resolve": {"resolution": "已解决"},
    "reopen": {"reason": "未落实"},
    "rate": {"rating": 4},
}


@pytest.fixture
def handed_over_c(cadre, make_issue, other_unit, third_unit):
    """A class C issue handed over to ``other_unit`` (lead) and ``third_unit`` (cooperating), with an
    extension request waiting; the cooperating unit's leader sees it but may take no action."""
    issue = make_issue("C", D(2026, 4, 29))
    services.issue_hand_over(issue=issue, by=cadre.user, lead_unit=other_unit, cooperating_units=[third_unit])
    extension = services.issue_request_extension(issue=issue, by=cadre.user, reason="等待", extra_working_days=3)
    return issue, extension


def action_url(issue, extension, name):
    if name == "decision":
        return f"/api/v1/issues/{issue.pk}/extension-requests/{extension.pk}/decision/"
    return f"/api/v1/issues/{issue.pk}/{name}/"


@pytest.mark.parametrize("name", [name for name in ACTIONS if name != "comments"])
def test_an_action_is_refused_to_a_user_who_sees_the_issue_but_may_not_take_it(
    client_for, handed_over_c, third_unit, name
):
    issue, extension = handed_over_c
    before = (kinds(issue), Issue.objects.values().get(pk=issue.pk))
    client = client_for(third_unit.leader)
    assert client.get(f"/api/v1/issues/{issue.pk}/").status_code == 200

    response = client.post(action_url(issue, extension, name), ACTIONS[name], format="json")

    assert response.status_code == 403, response.content
    assert response.json()["detail"]
    assert (kinds(issue), Issue.objects.values().get(pk=issue.pk)) == before


@pytest.mark.parametrize(
    "name, who, message",
    [
        ("extension-requests", "unit_leader", "Only the platform's responsible cadre may ask for an extension."),
        ("decision", "cadre", "Only bureau staff may decide on extensions."),
        ("decision", "unit_leader", "Only bureau staff may decide on extensions."),
        ("rate", "unit_leader", "Only the platform's responsible cadre may enter its rating."),
    ],
)
def test_the_refusal_says_who_may_act(client_for, handed_over_c, cadre, unit_leader, name, who, message):
    issue, extension = handed_over_c
    user = {"cadre": cadre.user, "unit_leader": unit_leader}[who]

    response = client_for(user).post(action_url(issue, extension, name), ACTIONS[name], format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": message}
    extension.refresh_from_db()
    assert extension.status == "pending"


@pytest.mark.parametrize("name", [*ACTIONS, "timeline"])
def test_a_user_who_cannot_see_the_issue_gets_404_for_every_action(client_for, handed_over_c, other_cadre, name):
    issue, extension = handed_over_c
    before = kinds(issue)
    client = client_for(other_cadre.user)

    if name == "timeline":
        response = client.get(f"/api/v1/issues/{issue.pk}/timeline/")
    else:
        response = client.post(action_url(issue, extension, name), ACTIONS[name], format="json")

    assert response.status_code == 404, response.content
    assert kinds(issue) == before


def test_the_former_cadre_still_sees_what_they_recorded_but_the_new_cadre_acts(
    client_for, cadre, platform, assignment, make_issue, other_cadre, on
):
    issue = make_issue()
    on(D(2026, 5, 6))
    assignment.end_date, assignment.end_reason = D(2026, 5, 5), "调整"
    assignment.save(update_fields=["end_date", "end_reason"])
    AssignmentFactory(cadre=other_cadre, platform=platform, start_date=D(2026, 5, 6))

    seen = client_for(cadre.user).get(f"/api/v1/issues/{issue.pk}/")
    refused = client_for(cadre.user).post(f"/api/v1/issues/{issue.pk}/resolve/", {"resolution": "已解决"})
    resolved = client_for(other_cadre.user).post(f"/api/v1/issues/{issue.pk}/resolve/", {"resolution": "已解决"})

    assert seen.status_code == 200
    assert seen.json()["responsible_cadre"] == {"id": other_cadre.pk, "name": other_cadre.name}
    assert seen.json()["responsible_unit"]["id"] == other_cadre.unit_id
    assert refused.status_code == 403
    assert resolved.status_code == 200
    assert Issue.objects.get(pk=issue.pk).status == "resolved"


# --- the timeline -------------------------------------------------------------------------------


def test_the_timeline_says_what_who_when_and_what_changed(client_for, cadre, unit, unit_leader, make_issue, on):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 4, 30))
    services.issue_comment(issue=issue, by=unit_leader, text="请尽快处理")
    services.issue_hand_over(issue=issue, by=cadre.user)

    response = client_for(unit_leader).get(f"/api/v1/issues/{issue.pk}/timeline/")

    assert response.status_code == 200, response.content
    events = response.json()
    assert [e["kind"] for e in events] == ["created", "classified", "commented", "handed_over"]
    assert [e["actor"] for e in events] == [cadre.user.pk, cadre.user.pk, unit_leader.pk, cadre.user.pk]
    assert events[2]["actor_name"] == f"{unit_leader.last_name}{unit_leader.first_name}"
    assert (events[2]["kind_display"], events[2]["note"]) == ("Commented", "请尽快处理")
    assert events[1]["after"]["due_date"] == "2026-05-15"
    assert events[3]["before"]["status"] == "open"
    assert events[3]["after"]["handed_to_unit"] == {"id": unit.pk, "name": unit.name}
    assert events[0]["at"].startswith("2026-04-29T10:00:00")
    assert events[2]["at"].startswith("2026-04-30T10:00:00")


# --- filters and ordering -----------------------------------------------------------------------


@pytest.fixture
def assorted(cadre, platform, other_cadre, office, on):
    """Seen on 2026-06-15: ``cadre``'s B, overdue since 05-15, C, due in July, and A, resolved when
    recorded; and ``other_cadre``'s D (another unit), handed over to the office, overdue since 06-12."""
    elsewhere = AssignmentFactory(cadre=other_cadre).platform
    on(D(2026, 4, 29))
    late_b = services.issue_create(by=cadre.user, platform=platform, title="用房紧张", service_area="condition_building",
                                   issue_class="B")
    d = services.issue_create(by=other_cadre.user, platform=elsewhere, title="人才公寓", service_area="talent_cultivation",
                              issue_class="D")
    on(D(2026, 6, 10))
    c = services.issue_create(by=cadre.user, platform=platform, title="设备共享平台", service_area="other",
                              issue_class="C")
    a = services.issue_create(by=cadre.user, platform=platform, title="政策咨询", service_area="other",
                              issue_class="A", answer="已解答")
    services.issue_hand_over(issue=d, by=other_cadre.user)
    on(D(2026, 6, 15))
    return {"late_b": late_b.pk, "d": d.pk, "c": c.pk, "a": a.pk}


def test_filters(client_for, bureau_user, cadre, platform, other_cadre, office, assorted):
    client = client_for(bureau_user)
    get = lambda **params: ids(client.get("/api/v1/issues/", params))  # noqa: E731

    assert get() == set(assorted.values())
    # Overdue as of today, 2026-06-15: B was due 05-15 and D 06-12; C runs, A has no clock.
    assert get(overdue="true") == {assorted["late_b"], assorted["d"]}
    assert get(overdue="false") == {assorted["c"], assorted["a"]}
    assert get(issue_class="B") == {assorted["late_b"]}
    assert get(issue_class=["B", "D"]) == {assorted["late_b"], assorted["d"]}
    assert get(**{"class": "C"}) == {assorted["c"]}
    assert get(status="handed_over") == {assorted["d"]}
    assert get(status=["open", "resolved"]) == {assorted["late_b"], assorted["c"], assorted["a"]}
    assert get(unit=cadre.unit_id) == {assorted["late_b"], assorted["c"], assorted["a"]}
    assert get(unit=other_cadre.unit_id) == {assorted["d"]}
    assert get(cadre=other_cadre.pk) == {assorted["d"]}
    assert get(platform=platform.pk) == {assorted["late_b"], assorted["c"], assorted["a"]}
    assert get(handed_to_unit=office.pk) == {assorted["d"]}
    assert get(due_before="2026-06-12") == {assorted["late_b"], assorted["d"]}
    assert get(due_before="2026-06-11") == {assorted["late_b"]}
    assert get(due_after="2026-06-13") == {assorted["c"]}
    assert get(recorded_after="2026-06-01") == {assorted["c"], assorted["a"]}
    assert get(service_area="talent_cultivation") == {assorted["d"]}
    assert get(provisional="false") == set(assorted.values())
    assert get(provisional="true") == set()
    assert get(search="设备") == {assorted["c"]}
    for bad in ({"issue_class": "E"}, {"due_before": "June"}, {"unit": 999999}, {"status": "closed"}):
        assert client.get("/api/v1/issues/", bad).status_code == 400, bad


def test_the_overdue_flag_and_filter_follow_the_shanghai_clock(client_for, cadre, make_issue, on):
    issue = make_issue("B", D(2026, 4, 29))

    on(D(2026, 5, 15), hour=23, minute=59)
    client = client_for(cadre.user)  # signed in now: a session from the recorded date has expired
    assert client.get(f"/api/v1/issues/{issue.pk}/").json()["is_overdue"] is False
    assert ids(client.get("/api/v1/issues/", {"overdue": "true"})) == set()

    on(D(2026, 5, 16), hour=0, minute=1)
    row = client.get(f"/api/v1/issues/{issue.pk}/").json()
    assert (row["is_overdue"], row["working_days_left"]) == (True, -1)
    assert ids(client.get("/api/v1/issues/", {"overdue": "true"})) == {issue.pk}


def test_the_extension_pending_filter(client_for, bureau_user, cadre, make_issue):
    waiting, other = make_issue(), make_issue()
    services.issue_request_extension(issue=waiting, by=cadre.user, reason="等待", extra_working_days=3)
    client = client_for(bureau_user)

    assert ids(client.get("/api/v1/issues/", {"extension_pending": "true"})) == {waiting.pk}
    assert ids(client.get("/api/v1/issues/", {"extension_pending": "false"})) == {other.pk}


def test_ordering_by_due_date_and_recorded_on(client_for, bureau_user, assorted):
    client = client_for(bureau_user)

    def order(ordering):
        response = client.get("/api/v1/issues/", {"ordering": ordering, "issue_class": ["B", "C", "D"]})
        return [row["id"] for row in response.json()["results"]]

    assert order("due_date") == [assorted["late_b"], assorted["d"], assorted["c"]]
    assert order("-due_date") == [assorted["c"], assorted["d"], assorted["late_b"]]
    assert order("-recorded_on")[0] == assorted["c"]


# --- the API and the pages agree ------------------------------------------------------------------


def test_the_api_and_the_selectors_agree_on_due_dates_and_working_days_left(
    client_for, bureau_user, assorted, cadre, platform, on
):
    on(D(2026, 12, 10))
    services.issue_create(by=cadre.user, platform=platform, title="跨年", service_area="other", issue_class="D")
    on(D(2026, 12, 21))

    rows = {row["id"]: row for row in client_for(bureau_user).get("/api/v1/issues/").json()["results"]}

    issues = with_deadline_status(Issue.objects.all())
    assert len(rows) == len(issues) == 5
    for issue in issues:
        row = rows[issue.pk]
        projected, provisional = projected_due_date(issue.issue_class, issue.recorded_on)
        assert row["due_date"] == (issue.due_date.isoformat() if issue.due_date else None)
        assert row["due_date"] == (projected.isoformat() if projected else None)
        assert row["due_date_provisional"] == issue.due_date_provisional == provisional
        assert (row["working_days_left"], row["is_overdue"]) == (issue.working_days_left, issue.is_overdue)
    assert any(row["due_date_provisional"] for row in rows.values())
    assert any(row["working_days_left"] and row["working_days_left"] > 0 for row in rows.values())
    assert any(row["is_overdue"] for row in rows.values())


# --- the calendar -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "issue_class, working_days, due_date",
    [("B", 10, "2026-05-15"), ("C", 15, "2026-05-22"), ("D", 30, "2026-06-12"), ("A", None, None)],
)
def test_the_projected_due_date(client_for, cadre, issue_class, working_days, due_date):
    response = client_for(cadre.user).get(
        "/api/v1/calendar/due/", {"issue_class": issue_class, "recorded_on": "2026-04-29"}
    )

    assert response.status_code == 200, response.content
    assert response.json() == {
        "issue_class": issue_class,
        "recorded_on": "2026-04-29",
        "working_days": working_days,
        "due_date": due_date,
        "due_date_provisional": False,
    }


def test_a_due_date_reaching_into_an_unloaded_year_is_provisional_until_an_admin_loads_it(
    client_for, cadre, platform, admin_user, on
):
    on(D(2026, 12, 10))
    issue = services.issue_create(by=cadre.user, platform=platform, title="跨年问题",
                                  service_area="other", issue_class="D")
    preview = {"issue_class": "D", "recorded_on": "2026-12-10"}
    client = client_for(cadre.user)

    before = client.get("/api/v1/calendar/due/", preview).json()
    # 2027 is not loaded: weekdays alone, so New Year's Day counts as a working day.
    assert (before["due_date"], before["due_date_provisional"]) == ("2027-01-21", True)
    assert client.get(f"/api/v1/issues/{issue.pk}/").json()["due_date_provisional"] is True
    years = {row["year"]: row for row in client.get("/api/v1/calendar/years/").json()}
    assert (years[2026]["loaded"], years[2026]["source"]) == (True, "package")
    assert (years[2027]["loaded"], years[2027]["source"]) == (False, "none")

    loaded = client_for(admin_user).post(
        "/api/v1/calendar/days/",
        {
            "entries": [{"date": "2027-01-01", "kind": "holiday", "note": "元旦"}],
            "mark_years_loaded": [2027],
            "source_note": "国办发明电〔2026〕号",
        },
        format="json",
    )

    assert loaded.status_code == 200, loaded.content
    assert loaded.json()["created"] == ["2027-01-01"]
    assert (loaded.json()["years_loaded"], loaded.json()["issues_recomputed"]) == ([2027], [issue.pk])
    after = client_for(cadre.user).get("/api/v1/calendar/due/", preview).json()
    assert (after["due_date"], after["due_date_provisional"]) == ("2027-01-22", False)
    row = client.get(f"/api/v1/issues/{issue.pk}/").json()
    assert (row["due_date"], row["due_date_provisional"]) == ("2027-01-22", False)
    years = {row["year"]: row for row in client.get("/api/v1/calendar/years/").json()}
    assert (years[2027]["loaded"], years[2027]["source"], years[2027]["holidays_entered"]) == (True, "admin", 1)
    assert years[2027]["source_note"] == "国办发明电〔2026〕号"
    assert [day["date"] for day in client.get("/api/v1/calendar/days/", {"year": 2027}).json()] == ["2027-01-01"]
    assert client.get("/api/v1/calendar/days/", {"year": 2026}).json() == []
    assert list(client.get("/api/v1/calendar/days/", {"year": "next"}).json()) == ["year"]
    # Found by fuzzing the API with its own schema: a year past 9999 was a 500.
    response = client.get("/api/v1/calendar/days/", {"year": 5990323})
    assert response.status_code == 400 and list(response.json()) == ["year"]


def test_the_projected_due_date_counts_from_today_by_default(client_for, cadre, on):
    on(D(2026, 4, 29))

    response = client_for(cadre.user).get("/api/v1/calendar/due/", {"issue_class": "B"})

    assert response.json()["recorded_on"] == "2026-04-29"
    assert response.json()["due_date"] == "2026-05-15"


@pytest.mark.parametrize(
    "params, field",
    [
        ({"issue_class": "E", "recorded_on": "2026-04-29"}, "issue_class"),
        ({"recorded_on": "2026-04-29"}, "issue_class"),
        ({"issue_class": "B", "recorded_on": "2026-13-01"}, "recorded_on"),
        ({"issue_class": "B", "recorded_on": "9999-12-31"}, "recorded_on"),
        ({"issue_class": "D", "recorded_on": "0001-01-01"}, "recorded_on"),
    ],
)
def test_an_invalid_projection_is_a_400_with_field_messages(client_for, cadre, params, field):
    response = client_for(cadre.user).get("/api/v1/calendar/due/", params)

    assert response.status_code == 400
    assert list(response.json()) == [field]


@pytest.mark.parametrize("who", ["cadre", "bureau_user"])
def test_only_admins_change_the_calendar(client_for, request, who):
    user = request.getfixturevalue(who)
    user = getattr(user, "user", user)

    response = client_for(user).post(
        "/api/v1/calendar/days/", {"entries": [{"date": "2026-05-11", "kind": "holiday"}]}, format="json"
    )

    assert response.status_code == 403
    assert not CalendarDay.objects.exists()


def test_invalid_calendar_changes_are_400s_and_change_nothing(client_for, admin_user):
    client = client_for(admin_user)

    empty = client.post("/api/v1/calendar/days/", {}, format="json")
    bad_kind = client.post("/api/v1/calendar/days/", {"entries": [{"date": "2027-01-01", "kind": "rest"}]},
                           format="json")
    unentered = client.post("/api/v1/calendar/days/", {"mark_years_loaded": [2028]}, format="json")
    nothing_to_remove = client.post("/api/v1/calendar/days/", {"remove": ["2027-01-01"]}, format="json")

    assert empty.status_code == 400 and list(empty.json()) == ["non_field_errors"]
    assert bad_kind.status_code == 400 and list(bad_kind.json()) == ["entries"]
    assert unentered.status_code == 400 and list(unentered.json()) == ["mark_years_loaded"]
    assert nothing_to_remove.status_code == 400 and list(nothing_to_remove.json()) == ["entries"]
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists()


def test_an_admins_correction_moves_open_deadlines(client_for, admin_user, cadre, make_issue):
    issue = make_issue("B", D(2026, 4, 29))

    response = client_for(admin_user).post(
        "/api/v1/calendar/days/", {"entries": [{"date": "2026-05-11", "kind": "holiday", "note": "测试"}]},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["issues_recomputed"] == [issue.pk]
    issue.refresh_from_db()
    assert issue.due_date == D(2026, 5, 18)
    assert client_for(cadre.user).get(f"/api/v1/issues/{issue.pk}/").json()["due_date"] == "2026-05-18"


# --- query counts -------------------------------------------------------------------------------


def make_rows(count, office, other_unit):
    """``count`` issues, each on its own cadre's platform, handed over, with an extension request."""
    for _ in range(count):
        cadre = CadreFactory(unit=UnitFactory())
        platform = AssignmentFactory(cadre=cadre).platform
        issue = IssueFactory(platform=platform, recorded_by=cadre, issue_class="C", status="handed_over",
                             handed_to_unit=other_unit)
        issue.cooperating_units.add(office)
        ExtensionRequest.objects.create(issue=issue, requested_by=cadre.user, reason="等待", requested_working_days=3,
                                        due_date_at_request=issue.due_date)


@pytest.mark.parametrize("who", ["bureau_user", "unit_leader"])
def test_the_list_costs_the_same_queries_for_3_issues_as_for_30(client_for, request, office, other_unit, on, who):
    on(D(2026, 5, 6))
    user = request.getfixturevalue(who)
    if who == "unit_leader":
        # The leader of the unit the issues are handed to sees them all.
        other_unit.leader = user
        other_unit.save(update_fields=["leader"])
    IssueFactory(platform=PlatformFactory(), recorded_by=CadreFactory())  # a platform with no cadre now
    client = client_for(user)

    def queries_for_list():
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/api/v1/issues/")
        assert response.status_code == 200
        return len(captured), response.json()["count"]

    make_rows(3, office, other_unit)
    few, few_rows = queries_for_list()
    make_rows(27, office, other_unit)
    many, many_rows = queries_for_list()

    expected = (4, 31) if who == "bureau_user" else (3, 30)
    assert (few_rows, many_rows) == expected
    assert few == many
    assert few <= 12


# --- the schema ---------------------------------------------------------------------------------


def test_the_schema_documents_the_issue_and_calendar_endpoints_without_warnings(client_for, cadre):
    GENERATOR_STATS.reset()

    schema = client_for(cadre.user).get("/api/v1/schema/", {"format": "json"}).json()

    assert not GENERATOR_STATS, "the schema generator warned: see the captured stderr"
    for path in [
        "/api/v1/issues/",
        "/api/v1/issues/{id}/",
        "/api/v1/issues/{id}/reclassify/",
        "/api/v1/issues/{id}/hand-over/",
        "/api/v1/issues/{id}/comments/",
        "/api/v1/issues/{id}/extension-requests/",
        "/api/v1/issues/{id}/extension-requests/{extension_pk}/decision/",
        "/api/v1/issues/{id}/determine-solution/",
        "/api/v1/issues/{id}/resolve/",
        "/api/v1/issues/{id}/reopen/",
        "/api/v1/issues/{id}/rate/",
        "/api/v1/issues/{id}/timeline/",
        "/api/v1/calendar/due/",
        "/api/v1/calendar/years/",
        "/api/v1/calendar/days/",
    ]:
        assert path in schema["paths"], path
    rate = schema["paths"]["/api/v1/issues/{id}/rate/"]["post"]
    assert rate["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/IssueRate")
    assert rate["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Issue")
    due = {p["name"] for p in schema["paths"]["/api/v1/calendar/due/"]["get"]["parameters"]}
    assert due == {"issue_class", "recorded_on"}
    assert {"IssueClassEnum", "IssueStatusEnum", "CalendarDayKindEnum"} <= set(schema["components"]["schemas"])


@pytest.mark.parametrize(
    "action, payload, field, limit",
    [
        ("comments", {"text": "催" * 501}, "text", 500),
        ("resolve", {"resolution": "办" * 2001}, "resolution", 2000),
    ],
)
def test_an_over_long_text_in_an_action_is_a_400_naming_the_field(
    client_for, cadre, make_issue, action, payload, field, limit
):
    issue = make_issue()

    response = client_for(cadre.user).post(f"/api/v1/issues/{issue.pk}/{action}/", payload, format="json")

    assert response.status_code == 400
    assert response.json() == {field: [f"At most {limit} characters (this has {limit + 1}): please shorten it."]}
    assert not issue.events.filter(kind__in=["commented", "resolved"]).exists()


def test_an_over_long_description_of_a_new_issue_is_a_400(client_for, cadre, platform):
    response = client_for(cadre.user).post(
        "/api/v1/issues/",
        {"platform": platform.pk, "title": "用房紧张", "service_area": "condition_building", "issue_class": "B",
         "description": "缺" * 2001},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"description": ["At most 2000 characters (this has 2001): please shorten it."]}
    assert not Issue.objects.exists()


@pytest.mark.parametrize("route", ["/api/v1/calendar/days/", "/api/v1/calendar/years/"])
def test_the_calendar_lists_open_in_the_browsable_api(client, cadre, route):
    """Regression (found by the journey test): a browser asking for HTML got a 500, the browsable
    API wanting the viewset's queryset for its filter form."""
    client.force_login(cadre.user)
    response = client.get(route, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")

"""Supervision (督办): its life on the issue page and through the API, the overdue sweep, the
supervision list (with the issues escalated to the office that have none yet), its filters and
export, who sees what, and query counts that do not grow with the rows."""

import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from issues import enforcement, services, tasks
from issues.calendar import DayEntry
from issues.models import EscalationLevel, Issue, Supervision
from issues.supervision import supervision_open, supervision_renew, supervision_reply
from issues.supervision_enforcement import sweep_supervisions
from notices.models import Notification
from notices.registry import render
from notices.sweeps import catch_up_sweeps
from tests.helpers import ids, race
from tests.issues.conftest import shanghai
from tests.issues.factories import IssueFactory, SupervisionFactory
from tests.liaison.factories import AssignmentFactory, BureauStaffFactory, CadreFactory, UserFactory

D = datetime.date
LIST = "/issues/supervisions/"
API = "/api/v1/supervisions/"


def post_action(client, user, action: str, issue: Issue, **fields):
    """Post one supervision action's form from the issue page, as ``user``."""
    client.force_login(user)
    return client.post(reverse(f"issues:{action}", args=[issue.pk]), {f"{action}-{k}": v for k, v in fields.items()})


def recipients(kind: str) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def row_ids(html: str, testid: str, attribute: str) -> set[int]:
    return {int(pk) for pk in re.findall(rf'data-testid="{testid}" data-{attribute}="(\d+)"', html)}


def open_now(issue, by, *, days=3, instruction="请报告用房协调进展"):
    return supervision_open(issue=issue, by=by, instruction=instruction, reply_working_days=days)


# --- the whole life, on the issue page -------------------------------------------------------------


def test_open_reply_renew_reply_close_each_told_once_and_all_on_the_timeline(
    client, make_issue, on, cadre, unit, bureau_user, english_pages
):
    issue = make_issue("B", D(2026, 4, 29))
    leader = unit.leader
    detail = reverse("issues:detail", args=[issue.pk])

    on(D(2026, 5, 6))  # Wednesday, after the Labour Day holiday
    response = post_action(client, bureau_user, "supervision_open", issue,
                           instruction="请说明用房协调进展", reply_working_days=3)
    assert response.status_code == 302
    supervision = Supervision.objects.get(issue=issue)
    # 05-07, 05-08, then Saturday 05-09: a makeup workday.
    assert (supervision.status, supervision.unit, supervision.counted_from, supervision.reply_by,
            supervision.reply_by_provisional) == ("open", unit, D(2026, 5, 6), D(2026, 5, 9), False)
    assert recipients("supervision_opened") == sorted([leader.username, "cadre1"])

    client.force_login(leader)
    page = client.get(detail)
    assert {name for name in page.context["actions"] if name.startswith("supervision")} == {"supervision_reply"}
    assert "请说明用房协调进展" in page.content.decode() and 'id="live-supervision"' in page.content.decode()

    on(D(2026, 5, 8))
    response = post_action(client, leader, "supervision_reply", issue, supervision=supervision.pk,
                           reply="已召开协调会，初步落实过渡用房")
    assert response.status_code == 302
    supervision.refresh_from_db()
    assert (supervision.status, supervision.replied_by) == ("replied", leader)
    assert recipients("supervision_replied") == [bureau_user.username]

    response = post_action(client, bureau_user, "supervision_renew", issue, supervision=supervision.pk,
                           instruction="请报送书面方案", reply_working_days=2)
    assert response.status_code == 302
    supervision.refresh_from_db()
    assert (supervision.status, supervision.renew_count, supervision.reply, supervision.instruction,
            supervision.reply_by) == ("open", 1, "", "请报送书面方案", D(2026, 5, 11))
    assert recipients("supervision_renewed") == sorted([leader.username, "cadre1"])

    response = post_action(client, cadre.user, "supervision_reply", issue, supervision=supervision.pk,
                           reply="书面方案已报送")
    assert response.status_code == 302
    response = post_action(client, bureau_user, "supervision_close", issue, supervision=supervision.pk, note="已阅")
    assert response.status_code == 302
    supervision.refresh_from_db()
    assert (supervision.status, supervision.closed_by, supervision.close_note) == ("closed", bureau_user, "已阅")

    # Each person was told once per round; none twice.
    assert Notification.objects.filter(recipient=leader).count() == 2
    assert Notification.objects.filter(recipient=cadre.user).count() == 2
    events = list(issue.events.order_by("at", "pk").values_list("kind", "actor__username", "note"))
    assert events[2:] == [
        ("supervised", bureau_user.username, "请说明用房协调进展"),
        ("supervision_replied", leader.username, "已召开协调会，初步落实过渡用房"),
        ("supervision_renewed", bureau_user.username, "请报送书面方案"),
        ("supervision_replied", "cadre1", "书面方案已报送"),
        ("supervision_closed", bureau_user.username, "已阅"),
    ]
    renewed = issue.events.get(kind="supervision_renewed")
    assert (renewed.before["reply_by"], renewed.after["reply_by"], renewed.after["renew_count"]) == (
        "2026-05-09", "2026-05-11", 1)

    client.force_login(bureau_user)
    html = client.get(detail).content.decode()
    assert 'id="live-supervision"' not in html and 'data-testid="closed-supervision"' in html
    assert "已召开协调会，初步落实过渡用房" in html  # the first round's reply, kept on the timeline
    assert "reply by" in html and "reply_by" not in re.sub(r'data-[\w-]+="[^"]*"', "", html)  # labels, not keys
    assert 'id="action-supervision-open"' in html  # closed: staff may open another


def test_the_notice_reads_in_the_readers_language_with_the_instruction_as_typed(make_issue, on, bureau_user):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 6))
    open_now(issue, bureau_user, instruction="请于三日内报告")
    notice = Notification.objects.filter(kind="supervision_opened").first()
    subject, body = render(notice.kind, notice.params)  # English: the tests' active language
    assert subject == f"Supervision: issue #{issue.pk} 实验室用房紧张, reply by 2026-05-09"
    assert "Instruction: 请于三日内报告" in body and "within 3 working days" in body


# --- refusals -----------------------------------------------------------------------------------


def test_who_may_not_act_and_what_is_refused(client, client_for, make_issue, on, cadre, unit, bureau_user, office,
                                              other_leader, english_api, english_pages):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 6))
    data = {"issue": issue.pk, "instruction": "请报告进展", "reply_working_days": 3}

    assert client_for(cadre.user).post(API, data).status_code == 403  # a cadre cannot open one
    assert post_action(client, cadre.user, "supervision_open", issue, instruction="x",
                       reply_working_days=3).status_code == 403
    assert not Supervision.objects.exists()

    api = client_for(bureau_user)
    empty = api.post(API, {**data, "instruction": "   "})
    assert empty.status_code == 400 and "instruction" in empty.json()
    too_long = api.post(API, {**data, "reply_working_days": 0})
    assert too_long.status_code == 400 and "reply_working_days" in too_long.json()
    created = api.post(API, data)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["reply_by"], body["unit"]["id"], body["issue"]["id"]) == (
        "open", "2026-05-09", unit.pk, issue.pk)
    second = api.post(API, data)
    assert second.status_code == 400 and "already under supervision" in second.json()["non_field_errors"][0]
    page = post_action(client, bureau_user, "supervision_open", issue, instruction="再次督办", reply_working_days=3)
    assert page.status_code == 400 and "already under supervision" in page.content.decode()

    pk = body["id"]
    assert client_for(cadre.user).post(f"{API}{pk}/close/", {}).status_code == 403  # nor close it
    assert client_for(cadre.user).post(f"{API}{pk}/renew/", {"instruction": "x", "reply_working_days": 2}).status_code == 403
    # The office's leader sees every issue but replies for no unit; another unit's leader sees none of it.
    assert client_for(office.leader).post(f"{API}{pk}/reply/", {"reply": "代为答复"}).status_code == 403
    assert client_for(other_leader).post(f"{API}{pk}/reply/", {"reply": "代为答复"}).status_code == 404
    empty_reply = client_for(unit.leader).post(f"{API}{pk}/reply/", {"reply": ""})
    assert empty_reply.status_code == 400 and "reply" in empty_reply.json()

    supervision = Supervision.objects.get()
    assert (supervision.status, supervision.reply) == ("open", "")
    assert list(issue.events.filter(kind__startswith="supervis").values_list("kind", flat=True)) == ["supervised"]

    resolved = make_issue("A")
    refused = client_for(bureau_user).post(API, {**data, "issue": resolved.pk})
    assert refused.status_code == 400 and "resolved" in refused.json()["non_field_errors"][0]


def test_a_form_left_open_after_the_supervision_closed_asks_to_reload(client, make_issue, on, unit, bureau_user,
                                                                       english_pages):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 6))
    supervision = open_now(issue, bureau_user)
    post_action(client, bureau_user, "supervision_close", issue, supervision=supervision.pk)
    response = post_action(client, unit.leader, "supervision_reply", issue, supervision=supervision.pk, reply="迟到的答复")
    assert response.status_code == 400
    assert "reload" in response.content.decode()
    assert Supervision.objects.get().reply == ""


# --- the overdue sweep --------------------------------------------------------------------------


def test_an_overdue_supervision_is_escalated_to_the_office_leader_once_per_round(make_issue, on, bureau_user, office):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 6))
    supervision = open_now(issue, bureau_user, days=3)  # reply by Saturday 05-09, a makeup workday

    assert not sweep_supervisions(now=shanghai(2026, 5, 9, 9)).notifications  # the reply-by day itself
    assert not sweep_supervisions(now=shanghai(2026, 5, 10, 9)).ran  # Sunday
    on(D(2026, 5, 11), 9)
    result = tasks.sweep_supervisions.apply(kwargs={"at": "2026-05-11T09:00"}).get()
    assert (result["ran"], result["notifications"], result["escalations"]) == (True, 1, 1)
    for moment in (shanghai(2026, 5, 11, 9, 30), shanghai(2026, 5, 12, 9), shanghai(2026, 5, 13, 9)):
        assert not sweep_supervisions(now=moment).notifications

    assert recipients("supervision_escalation") == [office.leader.username]
    event = issue.events.get(kind="supervision_escalated")
    assert event.actor is None and event.after["supervision"] == supervision.pk
    assert office.leader.last_name in event.note and "2026-05-09" in event.note
    supervision.refresh_from_db()
    assert supervision.escalated_at is not None

    # A renewal is a new round: escalated afresh once its new date has passed, and once only.
    on(D(2026, 5, 13))
    supervision_renew(supervision=supervision, by=bureau_user, instruction="请立即报告", reply_working_days=1)
    supervision.refresh_from_db()
    assert (supervision.reply_by, supervision.escalated_at) == (D(2026, 5, 14), None)
    assert not sweep_supervisions(now=shanghai(2026, 5, 14, 9)).notifications
    assert len(sweep_supervisions(now=shanghai(2026, 5, 15, 9)).notifications) == 1
    assert not sweep_supervisions(now=shanghai(2026, 5, 18, 9)).notifications
    assert Notification.objects.filter(kind="supervision_escalation").count() == 2
    assert issue.events.filter(kind="supervision_escalated").count() == 2


def test_nothing_is_escalated_on_a_day_off_and_missed_days_are_caught_up_once(make_issue, on, bureau_user, office):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 6))
    open_now(issue, bureau_user, days=5)  # 05-07, 05-08, 05-09 (makeup), 05-11, 05-12
    saturday = sweep_supervisions(now=shanghai(2026, 5, 16, 9))
    assert not saturday.ran and not Notification.objects.filter(kind="supervision_escalation").exists()

    on(D(2026, 5, 18), 10)
    catch_up_sweeps(now=shanghai(2026, 5, 18, 10))
    catch_up_sweeps(now=shanghai(2026, 5, 18, 11))
    assert recipients("supervision_escalation") == [office.leader.username]
    assert issue.events.filter(kind="supervision_escalated").count() == 1


def test_a_reply_in_time_is_not_escalated(make_issue, on, unit, bureau_user, office):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 6))
    supervision = open_now(issue, bureau_user, days=3)
    on(D(2026, 5, 9))
    supervision_reply(supervision=supervision, by=unit.leader, reply="按期答复")
    for day in (11, 12, 13):
        assert not sweep_supervisions(now=shanghai(2026, 5, day, 9)).notifications
    assert not issue.events.filter(kind="supervision_escalated").exists()


def test_a_reply_by_date_in_an_unloaded_year_is_provisional_until_the_year_is_loaded(
    make_issue, on, bureau_user, admin_user
):
    issue = make_issue("D", D(2026, 12, 1))
    on(D(2026, 12, 29))
    supervision = open_now(issue, bureau_user, days=5)  # 12-30, 12-31, then 2027 on weekdays alone
    assert (supervision.reply_by, supervision.reply_by_provisional) == (D(2027, 1, 5), True)

    services.calendar_set_days(entries=[DayEntry(date=D(2027, 1, 1), kind="holiday", note="元旦")],
                               mark_years_loaded=[2027], by=admin_user)

    supervision.refresh_from_db()
    assert (supervision.reply_by, supervision.reply_by_provisional) == (D(2027, 1, 6), False)
    event = issue.events.filter(kind="due_date_recomputed", after__supervision=supervision.pk).get()
    assert (event.before["reply_by"], event.after["reply_by"]) == ("2027-01-05", "2027-01-06")


# --- the list: escalated issues by themselves, filters, export ---------------------------------------


def test_an_issue_escalated_to_the_office_is_on_the_list_until_a_supervision_is_opened(
    client, make_issue, on, unit, bureau_user, office, english_pages
):
    escalated = make_issue("B", D(2026, 4, 29))
    calm = make_issue("B", D(2026, 5, 20))
    enforcement.sweep_deadlines(now=shanghai(2026, 5, 25, 9))  # six working days overdue: to the office
    escalated.refresh_from_db()
    assert escalated.escalation_level == EscalationLevel.OFFICE
    on(D(2026, 5, 25))

    client.force_login(bureau_user)
    html = client.get(LIST).content.decode()
    assert row_ids(html, "unsupervised-row", "issue-id") == {escalated.pk}
    assert f'href="/issues/{escalated.pk}/#action-supervision-open"' in html
    assert row_ids(client.get(LIST, {"status": "unsupervised"}).content.decode(), "unsupervised-row", "issue-id") == {
        escalated.pk}
    assert not row_ids(client.get(LIST, {"status": "open"}).content.decode(), "unsupervised-row", "issue-id")
    # A unit leader's list is their unit's supervisions: the office's rows are not theirs.
    client.force_login(unit.leader)
    assert 'data-testid="unsupervised-row"' not in client.get(LIST).content.decode()

    supervision = open_now(escalated, bureau_user)
    client.force_login(bureau_user)
    html = client.get(LIST).content.decode()
    assert not row_ids(html, "unsupervised-row", "issue-id")
    assert row_ids(html, "supervision-row", "supervision-id") == {supervision.pk}
    assert calm.pk not in row_ids(html, "supervision-row", "issue-id")


@pytest.fixture
def four(unit, other_unit, bureau_user):
    """One supervision in each state, as of Thursday 2026-05-14: two of ``unit``'s, two of ``other_unit``'s."""
    now = timezone.now()
    return {
        "overdue": SupervisionFactory(unit=unit, reply_by=D(2026, 5, 12), opened_by=bureau_user),
        "open": SupervisionFactory(unit=unit, reply_by=D(2026, 5, 20), opened_by=bureau_user),
        "replied": SupervisionFactory(unit=other_unit, status="replied", reply="已答复", replied_at=now,
                                      replied_by=other_unit.leader, opened_by=bureau_user),
        "closed": SupervisionFactory(unit=other_unit, status="closed", closed_at=now, closed_by=bureau_user,
                                     opened_by=bureau_user),
    }


@pytest.mark.parametrize("query, expected", [
    ({}, {"overdue", "open", "replied", "closed"}),
    ({"status": "open"}, {"overdue", "open"}),
    ({"status": "overdue"}, {"overdue"}),
    ({"status": "replied"}, {"replied"}),
    ({"status": "closed"}, {"closed"}),
    ({"unit": "other"}, {"replied", "closed"}),
    ({"status": "overdue", "unit": "other"}, set()),
])
def test_the_list_and_the_api_filter_by_status_and_unit(client, client_for, on, four, other_unit, bureau_user,
                                                        query, expected):
    on(D(2026, 5, 14))
    query = {**query, **({"unit": other_unit.pk} if "unit" in query else {})}
    wanted = {four[name].pk for name in expected}
    client.force_login(bureau_user)
    assert row_ids(client.get(LIST, query).content.decode(), "supervision-row", "supervision-id") == wanted
    assert ids(client_for(bureau_user).get(API, query)) == wanted


def test_the_export_has_the_filtered_rows_with_their_headers(client, on, four, unit, bureau_user, english_pages):
    on(D(2026, 5, 14))
    client.force_login(bureau_user)
    response = client.get(reverse("issues:supervision_export"), {"status": "open", "unit": unit.pk})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="supervisions-2026-05-14.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("Supervision No.", "Issue No.", "Issue") and rows[0][7] == "Overdue"
    assert {(row[0], row[7]) for row in rows[1:]} == {(four["overdue"].pk, "yes"), (four["open"].pk, "no")}
    assert 'id="export-supervisions"' in client.get(LIST).content.decode()


# --- who sees what --------------------------------------------------------------------------------


def test_a_leader_sees_only_their_units_and_a_cadre_only_their_issues(client, client_for, on, four, unit, cadre,
                                                                      platform, bureau_user):
    on(D(2026, 5, 14))
    leader = unit.leader
    client.force_login(leader)
    mine = {four["overdue"].pk, four["open"].pk}
    assert row_ids(client.get(LIST).content.decode(), "supervision-row", "supervision-id") == mine
    assert ids(client_for(leader).get(API)) == mine
    assert client_for(leader).get(f"{API}{four['replied'].pk}/").status_code == 404
    sheet = load_workbook(io.BytesIO(client.get(reverse("issues:supervision_export")).content)).active
    assert {row[0] for row in list(sheet.values)[1:]} == mine

    own = SupervisionFactory(issue=IssueFactory(platform=platform, recorded_by=cadre), unit=unit, opened_by=bureau_user)
    client.force_login(cadre.user)
    assert row_ids(client.get(LIST).content.decode(), "supervision-row", "supervision-id") == {own.pk}
    assert ids(client_for(cadre.user).get(API)) == {own.pk}
    assert client_for(cadre.user).get(f"{API}{four['overdue'].pk}/").status_code == 404
    assert client.get(reverse("issues:supervision_export")).status_code == 403

    client.logout()
    assert client.get(LIST).status_code == 302  # to sign in


# --- query counts ------------------------------------------------------------------------------------


def _rows_of(count: int, bureau_user, *, start: int = 0):
    for n in range(count):
        cadre = CadreFactory(user=UserFactory(username=f"q-cadre-{start + n}"))
        assignment = AssignmentFactory(cadre=cadre)
        issue = IssueFactory(platform=assignment.platform, recorded_by=cadre)
        SupervisionFactory(issue=issue, unit=cadre.unit, opened_by=bureau_user,
                           **({"status": "replied", "reply": "已答复", "replied_at": timezone.now(),
                               "replied_by": cadre.user} if n % 2 else {}))
        IssueFactory(platform=assignment.platform, recorded_by=cadre, escalation_level=EscalationLevel.OFFICE)


def test_the_list_page_and_the_api_list_make_as_many_queries_for_more_rows(client, client_for, on, bureau_user):
    on(D(2026, 5, 14))
    client.force_login(bureau_user)
    api = client_for(bureau_user)

    def counts():
        with CaptureQueriesContext(connection) as page:
            assert client.get(LIST).status_code == 200
        with CaptureQueriesContext(connection) as listed:
            assert api.get(API).status_code == 200
        with CaptureQueriesContext(connection) as exported:
            assert client.get(reverse("issues:supervision_export")).status_code == 200
        return len(page), len(listed), len(exported)

    _rows_of(2, bureau_user)
    few = counts()
    _rows_of(6, bureau_user, start=2)
    assert counts() == few
    assert len(re.findall(r'data-testid="(?:supervision|unsupervised)-row"',
                          client.get(LIST).content.decode())) == 16


@pytest.mark.django_db
def test_the_api_schema_has_the_supervisions_and_their_actions(client):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    for path in (API, f"{API}{{id}}/", f"{API}{{id}}/reply/", f"{API}{{id}}/close/", f"{API}{{id}}/renew/"):
        assert path in schema["paths"], path
    opened = schema["paths"][API]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert opened.endswith("/SupervisionOpen")


def test_the_admin_shows_supervisions_read_only(client, admin_user, on, four):
    on(D(2026, 5, 14))
    client.force_login(admin_user)
    assert client.get(reverse("admin:issues_supervision_changelist")).status_code == 200
    page = client.get(reverse("admin:issues_supervision_change", args=[four["replied"].pk]))
    assert page.status_code == 200 and "已答复" in page.content.decode()
    assert client.get(reverse("admin:issues_supervision_add")).status_code == 403
    assert client.post(reverse("admin:issues_supervision_delete", args=[four["open"].pk]), {"post": "yes"}).status_code == 403
    assert Supervision.objects.count() == 4


# --- at the same moment (PostgreSQL's row locks) ------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_staff_opening_at_once_make_one_supervision(make_issue, on, bureau_user):
    issue = make_issue("B", D(2026, 4, 29))
    other_staff = BureauStaffFactory(username="bureau2")
    on(D(2026, 5, 6))

    outcomes = race([lambda: open_now(issue, bureau_user), lambda: open_now(issue, other_staff)])

    assert sorted(type(o).__name__ for o in outcomes) == ["Supervision", "ValidationError"], outcomes
    assert Supervision.objects.count() == 1
    assert issue.events.filter(kind="supervised").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sweeps_as_of_two_days_at_once_escalate_a_supervision_once(make_issue, on, bureau_user, office):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 6))
    open_now(issue, bureau_user, days=3)
    on(D(2026, 5, 12), 9)

    outcomes = race([lambda: sweep_supervisions(now=shanghai(2026, 5, 11, 9)),
                     lambda: sweep_supervisions(now=shanghai(2026, 5, 12, 9)),
                     lambda: sweep_supervisions(now=shanghai(2026, 5, 11, 9))])

    assert sum(len(o.notifications) for o in outcomes) == 1, outcomes
    assert Notification.objects.filter(kind="supervision_escalation").count() == 1
    assert issue.events.filter(kind="supervision_escalated").count() == 1

"""The issue pages through the test client: the list, one issue with every action, the form and
its projected due date; then the database. Time is moved with time-machine."""

import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from issues import enforcement, services, supervision
from issues.models import ExtensionRequest, Issue, IssueEvent
from liaison.services import assignment_transfer
from tests.issues.factories import IssueFactory
from tests.liaison.factories import AssignmentFactory, CadreFactory, ContactFactory, UnitFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]

TODAY = datetime.date(2026, 5, 6)  # a Wednesday


@pytest.fixture
def issue(make_issue, on):
    """Class B, recorded on 2026-04-29, due 2026-05-15; today is 2026-05-06."""
    issue = make_issue("B")
    on(TODAY)
    return issue


@pytest.fixture
def signed_in(client, cadre):
    client.force_login(cadre.user)
    return client


def html(response) -> str:
    return response.content.decode()


def detail_url(issue) -> str:
    return reverse("issues:detail", args=[issue.pk])


def act(client, name, issue, data):
    return client.post(reverse(f"issues:{name}", args=[issue.pk]), {f"{name}-{k}": v for k, v in data.items()})


def fresh(issue) -> Issue:
    return Issue.objects.get(pk=issue.pk)


def events(issue) -> list[str]:
    return list(IssueEvent.objects.filter(issue=issue).order_by("at", "id").values_list("kind", flat=True))


def assert_done(response, issue):
    assert response.status_code == 302
    assert response["Location"] == detail_url(issue)


def field_errors(response, name) -> list[str]:
    return response.context["actions"][name].errors


# --- the list --------------------------------------------------------------------------------------


def test_my_issues_are_the_open_ones_due_soonest_first(signed_in, cadre, platform, make_issue, on):
    late = make_issue("D", recorded_on=datetime.date(2026, 4, 1), title="三十日")
    soon = make_issue("B", recorded_on=datetime.date(2026, 4, 17), title="十日")  # due 05-06
    middle = make_issue("C", recorded_on=datetime.date(2026, 4, 22), title="十五日")
    done = make_issue("A", recorded_on=datetime.date(2026, 4, 23), title="当场")
    on(TODAY)
    response = signed_in.get(reverse("issues:list"))
    assert response.status_code == 200
    assert [i.pk for i in response.context["issues"]] == [soon.pk, middle.pk, late.pk]
    page = html(response)
    assert "My issues" in page
    assert f'data-issue-id="{done.pk}"' not in page
    assert [int(pk) for pk in re.findall(r'data-issue-id="(\d+)"', page)] == [soon.pk, middle.pk, late.pk]
    # Each row: platform, class, status, due date and working days left.
    row = page[page.index(f'data-issue-id="{soon.pk}"'):page.index(f'data-issue-id="{middle.pk}"')]
    assert platform.name in row and ">B<" in row and "Open" in row
    assert 'data-due-date="2026-05-06"' in row and "Due today" in row


def test_list_filters_status_class_and_overdue(signed_in, make_issue, cadre, on):
    overdue = make_issue("B", recorded_on=datetime.date(2026, 4, 1))
    current = make_issue("C", recorded_on=datetime.date(2026, 4, 29))
    closed = make_issue("A", recorded_on=datetime.date(2026, 4, 29))
    on(TODAY)

    def listed(**params):
        return [i.pk for i in signed_in.get(reverse("issues:list"), params).context["issues"]]

    assert listed() == [overdue.pk, current.pk]
    assert listed(status="closed") == [closed.pk]
    assert set(listed(status="all")) == {overdue.pk, current.pk, closed.pk}
    assert listed(issue_class="C") == [current.pk]
    assert listed(overdue="1") == [overdue.pk]
    response = signed_in.get(reverse("issues:list"), {"overdue": "1"})
    page = html(response)
    assert 'data-testid="overdue"' in page
    assert "working days late" in page
    assert 'id="clear-filters"' in page


def test_list_marks_provisional_due_dates(signed_in, cadre, make_issue, on):
    make_issue("D", recorded_on=datetime.date(2026, 12, 10))
    on(datetime.date(2026, 12, 14))
    signed_in.force_login(cadre.user)  # again, in the moved time: the first session has expired
    page = html(signed_in.get(reverse("issues:list")))
    assert 'data-due-date="2027-01-21"' in page
    assert 'data-testid="provisional"' in page
    assert "the holidays of that year are not loaded yet" in page


def test_bureau_staff_filter_by_unit_and_pending_extension(client, bureau_user, cadre, other_cadre, make_issue, on):
    mine = make_issue("B")
    other_platform = AssignmentFactory(cadre=other_cadre).platform
    theirs = services.issue_create(
        by=other_cadre.user, platform=other_platform, title="他单位", service_area="other", issue_class="B",
        recorded_on=datetime.date(2026, 4, 29),
    )
    on(TODAY)
    services.issue_request_extension(issue=theirs, by=other_cadre.user, reason="等待", extra_working_days=3)
    client.force_login(bureau_user)

    def listed(**params):
        response = client.get(reverse("issues:list"), params)
        assert response.status_code == 200
        return {i.pk for i in response.context["issues"]}

    assert listed() == {mine.pk, theirs.pk}
    assert listed(unit=cadre.unit.pk) == {mine.pk}
    assert listed(unit=other_cadre.unit.pk) == {theirs.pk}
    assert listed(extension_pending="1") == {theirs.pk}
    assert "My issues" not in html(client.get(reverse("issues:list")))


def test_unit_leader_sees_the_units_issues(client, unit_leader, issue, colleague, on):
    colleague_platform = AssignmentFactory(cadre=colleague).platform
    on(datetime.date(2026, 4, 30))
    colleagues = services.issue_create(
        by=colleague.user, platform=colleague_platform, title="同事", service_area="other", issue_class="C"
    )
    on(TODAY)
    client.force_login(unit_leader)
    response = client.get(reverse("issues:list"))
    assert {i.pk for i in response.context["issues"]} == {issue.pk, colleagues.pk}
    assert 'name="unit"' in html(response)


def test_a_leader_who_is_also_a_cadre_starts_with_their_own(client, unit, unit_leader, issue, on):
    own_platform = AssignmentFactory(cadre=CadreFactory(user=unit_leader, unit=unit)).platform
    on(datetime.date(2026, 4, 30))
    own = services.issue_create(
        by=unit_leader, platform=own_platform, title="自己的", service_area="other", issue_class="B"
    )
    on(TODAY)
    client.force_login(unit_leader)
    response = client.get(reverse("issues:list"))
    assert [i.pk for i in response.context["issues"]] == [own.pk]
    assert "My issues" in html(response) and 'name="scope"' in html(response)
    response = client.get(reverse("issues:list"), {"scope": "all"})
    assert {i.pk for i in response.context["issues"]} == {own.pk, issue.pk}


def test_list_is_paginated_and_keeps_its_filters(signed_in, cadre, platform, on):
    on(TODAY)
    for n in range(25):
        IssueFactory(platform=platform, recorded_by=cadre, issue_class="C", due_date=datetime.date(2026, 6, 1) + datetime.timedelta(days=n),
                     original_due_date=datetime.date(2026, 6, 1) + datetime.timedelta(days=n))
    first = signed_in.get(reverse("issues:list"), {"issue_class": "C"})
    assert len(first.context["issues"]) == 20
    assert first.context["page"].paginator.count == 25
    page = html(first)
    assert "issue_class=C" in page and "page=2" in page
    second = signed_in.get(reverse("issues:list"), {"issue_class": "C", "page": "2"})
    assert len(second.context["issues"]) == 5
    assert {i.due_date for i in second.context["issues"]} == {datetime.date(2026, 6, 21) + datetime.timedelta(days=n) for n in range(5)}


# --- one issue -------------------------------------------------------------------------------------


def test_issue_page_shows_the_fields_the_deadline_and_the_timeline(signed_in, issue, cadre, platform):
    response = signed_in.get(detail_url(issue))
    assert response.status_code == 200
    page = html(response)
    assert 'id="issue-due-date" data-due-date="2026-05-15" data-provisional="false"' in page
    # 2026-05-06 to 05-15: 7, 8, 9 (a makeup Saturday), 11, 12, 13, 14, 15.
    assert 'id="issue-working-days-left" data-value="8"' in page
    assert "8 working days left" in page
    assert 'data-testid="provisional"' not in page
    assert platform.name in page and issue.title in page and "Condition building" in page
    assert [e.kind for e in response.context["timeline"]] == ["created", "classified"]
    timeline = page[page.index('id="issue-timeline"'):]
    assert timeline.count('data-testid="timeline-event"') == 2
    assert cadre.name in timeline
    assert 'data-field="due_date"' in timeline and "2026-05-15" in timeline


def test_issue_page_marks_a_provisional_due_date(signed_in, cadre, make_issue, on):
    issue = make_issue("D", recorded_on=datetime.date(2026, 12, 10))
    on(datetime.date(2026, 12, 14))
    signed_in.force_login(cadre.user)
    page = html(signed_in.get(detail_url(issue)))
    assert 'id="issue-due-date" data-due-date="2027-01-21" data-provisional="true"' in page
    assert 'data-testid="provisional"' in page


def test_issue_page_marks_an_overdue_issue(signed_in, issue, on):
    on(datetime.date(2026, 5, 19))  # Tuesday after the Friday due date: two working days late
    page = html(signed_in.get(detail_url(issue)))
    assert 'data-testid="overdue"' in page
    assert 'id="issue-working-days-left" data-value="-2"' in page
    assert "2 working days late" in page


# --- each action through its page ----------------------------------------------------------------


def test_reclassify(signed_in, issue, cadre):
    response = act(signed_in, "reclassify", issue, {"new_class": "C", "reason": "需跨部门协调"})
    assert_done(response, issue)
    issue = fresh(issue)
    assert issue.issue_class == "C"
    assert issue.due_date == datetime.date(2026, 5, 22)  # 15 working days after 04-29
    event = IssueEvent.objects.get(issue=issue, kind="reclassified")
    assert (event.actor, event.note, event.before["issue_class"], event.after["issue_class"]) == (
        cadre.user, "需跨部门协调", "B", "C"
    )
    page = html(signed_in.get(detail_url(issue)))
    assert "The issue was reclassified" in page
    assert 'data-kind="reclassified"' in page and "需跨部门协调" in page


def test_reclassify_to_a_without_an_answer_keeps_what_was_typed(signed_in, issue):
    response = act(signed_in, "reclassify", issue, {"new_class": "A", "reason": "其实当场可答"})
    assert response.status_code == 400
    assert field_errors(response, "reclassify")["answer"] == ["A class A issue is solved on the spot: say what was answered."]
    page = html(response)
    assert 'id="action-reclassify" data-testid="action-reclassify" open' in page
    assert "其实当场可答</textarea>" in page
    assert re.search(r'value="A"[^>]*checked', page)
    assert 'is-invalid' in page
    assert fresh(issue).issue_class == "B"


def test_hand_over_class_b_goes_to_the_cadres_unit(signed_in, issue, cadre):
    page = html(signed_in.get(detail_url(issue)))
    assert f"own unit: {cadre.unit.name}" in page
    assert 'name="hand_over-lead_unit"' not in page
    assert_done(act(signed_in, "hand_over", issue, {"note": "交本单位"}), issue)
    issue = fresh(issue)
    assert (issue.status, issue.handed_to_unit) == (Issue.Status.HANDED_OVER, cadre.unit)


def test_hand_over_class_c_names_lead_and_cooperating_units(signed_in, make_issue, other_unit, third_unit, on):
    issue = make_issue("C")
    on(TODAY)
    response = act(signed_in, "hand_over", issue, {"lead_unit": other_unit.pk})
    assert response.status_code == 400
    assert field_errors(response, "hand_over")["cooperating_units"] == [
        "A class C issue needs at least one cooperating unit."
    ]
    assert re.search(rf'<option value="{other_unit.pk}" selected>', html(response))
    assert fresh(issue).status == Issue.Status.OPEN

    signed_in.post(
        reverse("issues:hand_over", args=[issue.pk]),
        {"hand_over-lead_unit": other_unit.pk, "hand_over-cooperating_units": [third_unit.pk]},
    )
    issue = fresh(issue)
    assert issue.handed_to_unit == other_unit
    assert list(issue.cooperating_units.all()) == [third_unit]
    page = html(signed_in.get(detail_url(issue)))
    assert 'id="issue-handed-to"' in page and third_unit.name in page
    # Handing over again starts from the units as they are.
    assert re.search(rf'<option value="{other_unit.pk}" selected>', page)
    assert re.search(rf'name="hand_over-cooperating_units" value="{third_unit.pk}"[^>]*checked', page)


def test_hand_over_class_d_goes_to_the_office(signed_in, make_issue, office, on):
    issue = make_issue("D")
    on(TODAY)
    assert f"city committee's office: {office.name}" in html(signed_in.get(detail_url(issue)))
    assert_done(act(signed_in, "hand_over", issue, {"note": ""}), issue)
    assert fresh(issue).handed_to_unit == office


def test_comment(signed_in, issue, cadre):
    response = act(signed_in, "comment", issue, {"text": "   "})
    assert response.status_code == 400
    assert field_errors(response, "comment")["text"]
    assert_done(act(signed_in, "comment", issue, {"text": "已电话沟通"}), issue)
    event = IssueEvent.objects.get(issue=issue, kind="commented")
    assert (event.actor, event.note) == (cadre.user, "已电话沟通")


def test_request_and_approve_an_extension(signed_in, client, issue, bureau_user):
    response = act(signed_in, "request_extension", issue, {"reason": "等待专家评审"})
    assert response.status_code == 400
    assert field_errors(response, "request_extension")["new_due_date"] == [
        "Ask for either a new due date or a number of extra working days."
    ]
    assert "等待专家评审</textarea>" in html(response)

    assert_done(act(signed_in, "request_extension", issue, {"extra_working_days": "5", "reason": "等待专家评审"}), issue)
    extension = ExtensionRequest.objects.get(issue=issue)
    assert (extension.status, extension.requested_working_days) == ("pending", 5)
    # The cadre may not ask twice while one waits.
    assert "request_extension" not in signed_in.get(detail_url(issue)).context["actions"]

    client.force_login(bureau_user)
    page = html(client.get(detail_url(issue)))
    assert 'id="pending-extension"' in page and "等待专家评审" in page
    response = client.post(
        reverse("issues:decide_extension", args=[issue.pk]),
        {"decide_extension-extension": extension.pk, "decide_extension-decision": "approve", "decide_extension-note": "同意"},
    )
    assert_done(response, issue)
    assert ExtensionRequest.objects.get(pk=extension.pk).status == "approved"
    assert fresh(issue).due_date == datetime.date(2026, 5, 22)  # five working days after 05-15


def test_refusing_an_extension_needs_a_note(client, issue, cadre, bureau_user):
    extension = services.issue_request_extension(issue=issue, by=cadre.user, reason="等待", new_due_date=datetime.date(2026, 6, 1))
    client.force_login(bureau_user)
    url = reverse("issues:decide_extension", args=[issue.pk])
    response = client.post(url, {"decide_extension-extension": extension.pk, "decide_extension-decision": "refuse"})
    assert response.status_code == 400
    assert field_errors(response, "decide_extension")["note"] == ["Give the reason for refusing, for the cadre to read."]
    assert ExtensionRequest.objects.get(pk=extension.pk).status == "pending"

    response = client.post(
        url, {"decide_extension-extension": extension.pk, "decide_extension-decision": "refuse", "decide_extension-note": "理由不充分"}
    )
    assert_done(response, issue)
    assert ExtensionRequest.objects.get(pk=extension.pk).status == "refused"
    assert fresh(issue).due_date == datetime.date(2026, 5, 15)
    # A request already decided cannot be decided again from a stale page.
    response = client.post(
        url, {"decide_extension-extension": extension.pk, "decide_extension-decision": "approve"}
    )
    assert response.status_code == 400
    assert "no longer waiting for a decision" in html(response)


def test_determine_solution_then_resolve(signed_in, issue, on):
    response = act(signed_in, "determine_solution", issue, {"solution": ""})
    assert response.status_code == 400
    assert_done(act(signed_in, "determine_solution", issue, {"solution": "协调周边用房"}), issue)
    issue = fresh(issue)
    assert (issue.status, issue.closure_kind, issue.closed_on, issue.on_time) == (
        "solution_determined", "solution_determined", TODAY, True
    )
    on(datetime.date(2026, 5, 25))
    assert_done(act(signed_in, "resolve", issue, {"resolution": "已搬入新用房"}), issue)
    issue = fresh(issue)
    assert (issue.status, issue.closed_on, issue.resolved_on) == ("resolved", TODAY, datetime.date(2026, 5, 25))
    page = html(signed_in.get(detail_url(issue)))
    assert 'id="issue-closed"' in page and "on time" in page


def test_resolve_reopen_and_rate(signed_in, issue):
    assert_done(act(signed_in, "resolve", issue, {"resolution": "已解决"}), issue)
    assert_done(act(signed_in, "reopen", issue, {"reason": "平台反映仍有问题"}), issue)
    assert fresh(issue).status == "open"
    assert_done(act(signed_in, "resolve", issue, {"resolution": "再次解决"}), issue)

    response = act(signed_in, "rate", issue, {"rating": "1"})
    assert response.status_code == 400
    assert field_errors(response, "rate")["comment"]
    assert fresh(issue).rating is None

    assert_done(act(signed_in, "rate", issue, {"rating": "4", "comment": "满意"}), issue)
    issue = fresh(issue)
    assert (issue.rating, issue.rating_comment) == (4, "满意")
    assert events(issue)[2:] == ["resolved", "reopened", "resolved", "rated"]
    assert 'id="issue-rating" data-value="4"' in html(signed_in.get(detail_url(issue)))


def test_a_low_rating_reopens(signed_in, issue):
    act(signed_in, "resolve", issue, {"resolution": "已解决"})
    assert_done(act(signed_in, "rate", issue, {"rating": "2", "comment": "未真正解决"}), issue)
    assert fresh(issue).status == "open"
    assert events(issue)[-2:] == ["rated", "reopened"]


def test_the_reopening_note_reads_in_each_readers_language(signed_in, issue, settings):
    """Regression: the note was stored in the rater's language, so a reader of the other read it so."""
    act(signed_in, "resolve", issue, {"resolution": "已解决"})
    act(signed_in, "rate", issue, {"rating": "2", "comment": "未真正解决"})
    assert "The platform rated the result 2 of 5: 未真正解决" in html(signed_in.get(detail_url(issue)))
    signed_in.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "平台对办理结果评分2分（满分5分）：未真正解决" in html(signed_in.get(detail_url(issue)))


def test_a_state_error_shows_on_top_of_the_form(signed_in, issue):
    act(signed_in, "resolve", issue, {"resolution": "已解决"})
    # A second tab still shows the resolve form.
    response = act(signed_in, "resolve", issue, {"resolution": "又一次"})
    assert response.status_code == 400
    assert response.context["actions"]["resolve"].non_field_errors() == ["This issue is already resolved."]
    assert 'data-testid="form-errors"' in html(response)


# --- the form to record an issue -------------------------------------------------------------------


def test_form_defaults_and_preselected_platform(signed_in, cadre, platform, on):
    second = AssignmentFactory(cadre=cadre).platform
    on(TODAY)
    response = signed_in.get(reverse("issues:create"), {"platform": second.pk})
    form = response.context["form"]
    assert form["recorded_on"].value() == TODAY
    assert str(form["platform"].value()) == str(second.pk)
    page = html(response)
    assert re.search(rf'<option value="{second.pk}" selected>', page)
    assert 'value="2026-05-06"' in page
    for value in "ABCD":
        assert f'data-testid="class-meaning-{value}"' in page
    assert 'id="projected-due-date"' in page
    assert 'hx-get="/issues/due-preview/"' in page


def test_form_from_a_contact_and_odd_parameters(signed_in, cadre, platform, on):
    contact = ContactFactory(cadre=cadre, platform=platform, date=datetime.date(2026, 4, 29))
    on(TODAY)
    form = signed_in.get(reverse("issues:create"), {"contact": contact.pk}).context["form"]
    assert (form["contact"].value(), form["platform"].value(), form["recorded_on"].value()) == (
        contact.pk, platform.pk, contact.date
    )
    assert signed_in.get(reverse("issues:create"), {"contact": "x", "platform": "y"}).status_code == 200


def test_projected_due_date_fragment(signed_in):
    url = reverse("issues:due_preview")
    page = html(signed_in.get(url, {"issue_class": "B", "recorded_on": "2026-04-29"}))
    # A fragment, swapped into the issue form and into each issue row of the contact form: no id.
    assert 'class="projected-due-date' in page and " id=" not in page
    assert 'data-due-date="2026-05-15"' in page and 'data-provisional="false"' in page
    assert "10 working days after 2026-04-29" in page

    page = html(signed_in.get(url, {"issue_class": "D", "recorded_on": "2026-12-10"}))
    assert 'data-due-date="2027-01-21"' in page and 'data-provisional="true"' in page
    assert 'data-testid="provisional"' in page

    assert "Class A has no deadline" in html(signed_in.get(url, {"issue_class": "A", "recorded_on": "2026-04-29"}))
    assert "Choose the class and the recorded date" in html(signed_in.get(url, {"issue_class": "B", "recorded_on": "x"}))


def test_projected_due_date_without_javascript(signed_in, platform, on):
    on(TODAY)
    response = signed_in.post(
        reverse("issues:create"),
        {"platform": platform.pk, "title": "用房", "issue_class": "B", "recorded_on": "2026-04-29", "preview": "1"},
    )
    assert response.status_code == 200
    page = html(response)
    assert 'data-due-date="2026-05-15"' in page
    assert 'value="用房"' in page  # kept as typed, and no errors for what is still missing
    assert "is-invalid" not in page
    assert not Issue.objects.exists()


def test_record_an_issue(signed_in, cadre, platform, on):
    on(TODAY)
    response = signed_in.post(
        reverse("issues:create"),
        {"platform": platform.pk, "title": "实验室用房紧张", "description": "需协调用房", "service_area": "condition_building",
         "issue_class": "B", "recorded_on": "2026-04-29"},
    )
    issue = Issue.objects.get()
    assert_done(response, issue)
    assert (issue.platform, issue.recorded_by, issue.issue_class, issue.due_date, issue.status) == (
        platform, cadre, "B", datetime.date(2026, 5, 15), "open"
    )
    assert events(issue) == ["created", "classified"]


def test_record_a_class_a_issue_needs_its_answer(signed_in, platform, on):
    on(TODAY)
    data = {"platform": platform.pk, "title": "政策咨询", "service_area": "other", "issue_class": "A", "recorded_on": "2026-05-06"}
    response = signed_in.post(reverse("issues:create"), data)
    assert response.status_code == 400
    assert response.context["form"].errors["answer"] == ["A class A issue is solved on the spot: say what was answered."]
    page = html(response)
    assert 'value="政策咨询"' in page and re.search(r'value="A"[^>]*checked', page)
    assert not Issue.objects.exists()

    response = signed_in.post(reverse("issues:create"), {**data, "answer": "已当场解答"})
    issue = Issue.objects.get()
    assert_done(response, issue)
    assert (issue.status, issue.answer, issue.due_date) == ("resolved", "已当场解答", None)


def test_record_an_issue_in_the_future_is_refused_in_place(signed_in, platform, on):
    on(TODAY)
    response = signed_in.post(
        reverse("issues:create"),
        {"platform": platform.pk, "title": "未来", "service_area": "other", "issue_class": "B", "recorded_on": "2026-05-07"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["recorded_on"] == ["The recorded date cannot be in the future."]
    assert not Issue.objects.exists()


@pytest.mark.parametrize("recorded_on", ["9999-12-31", "0001-01-01", "1899-12-31"])
def test_dates_no_deadline_can_be_counted_from_are_refused_not_a_500(signed_in, platform, on, recorded_on):
    # 9999-12-31 overflowed the projection on the form and in the preview (a 500).
    on(TODAY)
    preview = signed_in.get(reverse("issues:due_preview"), {"issue_class": "D", "recorded_on": recorded_on})
    assert preview.status_code == 200
    assert "Choose the class and the recorded date" in html(preview)

    response = signed_in.post(
        reverse("issues:create"),
        {"platform": platform.pk, "title": "越界", "service_area": "other", "issue_class": "D", "recorded_on": recorded_on},
    )
    assert response.status_code == 400
    expected = (
        "The recorded date cannot be in the future."
        if recorded_on > "2026"
        else f"You were not responsible for {platform.name} on {recorded_on}."
    )
    assert response.context["form"].errors["recorded_on"] == [expected]
    assert not Issue.objects.exists()

    response = signed_in.post(
        reverse("issues:create"),
        {"platform": platform.pk, "title": "越界", "issue_class": "D", "recorded_on": recorded_on, "preview": "1"},
    )
    assert response.status_code == 200


def test_a_far_extension_date_is_refused_in_place(signed_in, issue):
    response = act(signed_in, "request_extension", issue, {"new_due_date": "9999-12-31", "reason": "等待"})
    assert response.status_code == 400
    assert field_errors(response, "request_extension")["new_due_date"] == [
        "The new due date may be at most 250 working days after the current one: 2027-05-07 at the latest."
    ]
    assert not ExtensionRequest.objects.exists()


@pytest.mark.parametrize(
    "issue_class, recorded_on, due_date, provisional",
    [("B", "2026-04-29", "2026-05-15", False), ("C", "2026-09-25", "2026-10-22", False), ("D", "2026-12-10", "2027-01-21", True)],
)
def test_the_form_the_api_and_the_issue_page_agree(
    signed_in, cadre, platform, on, issue_class, recorded_on, due_date, provisional
):
    on(datetime.date(2026, 12, 14))
    signed_in.force_login(cadre.user)
    preview = html(signed_in.get(reverse("issues:due_preview"), {"issue_class": issue_class, "recorded_on": recorded_on}))
    shown = re.search(r'data-due-date="([\d-]+)" data-provisional="(true|false)"', preview)
    assert shown.groups() == (due_date, str(provisional).lower())

    api = signed_in.get("/api/v1/calendar/due/", {"issue_class": issue_class, "recorded_on": recorded_on})
    assert api.status_code == 200
    assert (api.json()["due_date"], api.json()["due_date_provisional"]) == (shown[1], shown[2] == "true")

    signed_in.post(
        reverse("issues:create"),
        {"platform": platform.pk, "title": "一致", "service_area": "other", "issue_class": issue_class, "recorded_on": recorded_on},
    )
    issue = Issue.objects.get()
    assert (issue.due_date.isoformat(), issue.due_date_provisional) == (shown[1], shown[2] == "true")
    page = html(signed_in.get(detail_url(issue)))
    assert f'id="issue-due-date" data-due-date="{shown[1]}" data-provisional="{shown[2]}"' in page


# --- the query count does not grow with the data ---------------------------------------------------


def count_queries(client, url) -> int:
    client.get(url)  # warm up per-process caches (content types, the package calendar)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _many_issues(cadre, n, start=0):
    platforms = [a.platform for a in cadre.assignments.all()]
    units = [UnitFactory(), UnitFactory()]
    for i in range(start, start + n):
        due = datetime.date(2026, 5, 1) + datetime.timedelta(days=i)
        status = ["open", "handed_over"][i % 2]
        IssueFactory(
            platform=platforms[i % len(platforms)], recorded_by=cadre, issue_class="BCD"[i % 3],
            original_due_date=due, due_date=due, due_date_provisional=i % 4 == 0, status=status,
            handed_to_unit=units[i % 2] if status == "handed_over" else None,
        )


@pytest.mark.parametrize("who", ["cadre", "unit_leader", "bureau_user"])
def test_list_query_count_does_not_grow(request, client, cadre, platform, on, who):
    AssignmentFactory(cadre=cadre)
    AssignmentFactory(cadre=cadre)
    on(TODAY)
    user = cadre.user if who == "cadre" else request.getfixturevalue(who)
    client.force_login(user)
    url = reverse("issues:list") + "?status=all"
    _many_issues(cadre, 3)
    few = count_queries(client, url)
    _many_issues(cadre, 27, start=3)
    assert Issue.objects.count() == 30
    assert count_queries(client, url) == few


def test_issue_page_query_count_does_not_grow_with_the_timeline(client, cadre, make_issue, other_unit, third_unit, bureau_user, unit_leader, on):
    def handed_over_c():
        issue = make_issue("C")
        return services.issue_hand_over(issue=issue, by=cadre.user, lead_unit=other_unit, cooperating_units=[third_unit])

    short, long = handed_over_c(), handed_over_c()
    on(TODAY)
    for n in range(3):
        services.issue_request_extension(issue=long, by=cadre.user, reason=f"理由{n}", extra_working_days=2)
        services.issue_decide_extension(
            extension=ExtensionRequest.objects.get(issue=long, status="pending"), by=bureau_user, approve=False, note="不同意"
        )
    for n, user in enumerate([cadre.user, unit_leader, bureau_user] * 10):
        services.issue_comment(issue=long, by=user, text=f"意见{n}")
    assert IssueEvent.objects.filter(issue=long).count() > 35
    for user in (cadre.user, bureau_user):
        client.force_login(user)
        assert count_queries(client, detail_url(long)) == count_queries(client, detail_url(short))


@pytest.mark.parametrize("who", ["cadre", "unit_leader", "bureau_user"])
def test_the_issue_page_asks_each_question_once(request, client, cadre, make_issue, bureau_user, on, who):
    """The issue read through the reader's visibility is not asked about again (``can_view_issue``),
    its supervisions are read once (the live one among them), the platform's cadre once, and a
    closed issue needs no calendar."""
    issue, closed = make_issue("B"), make_issue("B")
    on(TODAY)
    supervision.supervision_open(issue=issue, by=bureau_user, instruction="请加快办理。", reply_working_days=3)
    closed = services.issue_resolve(issue=closed, by=bureau_user, resolution="已解决。")
    client.force_login(cadre.user if who == "cadre" else request.getfixturevalue(who))

    def tables_read(url) -> list[str]:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return [re.search(r'FROM "(\w+)"', q["sql"]).group(1) for q in queries if q["sql"].startswith("SELECT")]

    read = tables_read(detail_url(issue))
    assert read.count("issues_issue") == 1, read
    assert read.count("issues_supervision") == 1, read
    assert read.count("liaison_assignment") == 1, read
    assert "issues_calendarday" in read
    assert "issues_calendarday" not in tables_read(detail_url(closed))


def test_an_issue_reminded_and_escalated_by_the_sweep_opens_for_every_role_who_may_see_it(
    client, issue, cadre, unit_leader, bureau_user, office, on
):
    """Regression: the sweep's timeline events carry ``notifications`` and ``recipients`` (a reverse
    relation and user ids); the page answered 500 for every reminded or escalated issue."""
    on(datetime.date(2026, 5, 13))  # 2 working days left: a reminder
    call_command("enforce", stdout=io.StringIO())
    on(datetime.date(2026, 5, 18))  # the first overdue working day: escalated to the leader
    call_command("enforce", stdout=io.StringIO())
    assert set(events(issue)) >= {"reminded", "escalated"}
    for user in (cadre.user, unit_leader, bureau_user):
        client.force_login(user)
        response = client.get(detail_url(issue))
        assert response.status_code == 200, user
        page = html(response)
        assert "working days left" in page and "working days overdue" in page


# --- the timeline in the reader's language --------------------------------------------------------------


def test_a_transfer_shows_on_the_timeline_from_whom_to_whom_and_why(issue, cadre, other_cadre, client):
    assignment_transfer(platform=issue.platform, to_cadre=other_cadre, reason="干部退休", by=cadre.unit.leader)

    client.force_login(other_cadre.user)
    response = client.get(detail_url(issue))
    assert response.status_code == 200
    timeline = html(response)[html(response).index('id="issue-timeline"'):]
    event = timeline[timeline.index('data-kind="transferred"'):]
    event = event.split('class="timeline-event"')[0]  # up to the next entry, if any
    assert "Platform transferred to another cadre" in event and cadre.unit.leader.last_name in event
    assert "responsible cadre" in event and cadre.name in event and other_cadre.name in event
    assert "responsible from" in event and TODAY.isoformat() in event
    assert "干部退休" in event


def test_a_reminder_written_in_chinese_reads_in_english_on_the_timeline_and_in_the_api(issue, cadre, signed_in, on,
                                                                                         client_for):
    on(datetime.date(2026, 5, 15), 9)
    enforcement.sweep_deadlines()
    assert issue.events.get(kind="reminded").note == f"已向{cadre.name}发送提醒。"

    page = html(signed_in.get(detail_url(issue)))
    assert f"Reminder sent to {cadre.name}." in page and "发送提醒" not in page
    api = client_for(cadre.user)
    events = api.get(f"/api/v1/issues/{issue.pk}/timeline/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert [e["note"] for e in events if e["kind"] == "reminded"] == [f"Reminder sent to {cadre.name}."]


# --- long texts folded ------------------------------------------------------------------------------


def test_a_long_description_and_a_long_comment_are_folded_on_the_issue_page(signed_in, cadre, make_issue, on):
    description, comment = "缺少实验用房" * 300, "请尽快协调" * 90
    issue = make_issue("B", description=description)
    on(TODAY)
    services.issue_comment(issue=issue, by=cadre.user, text=comment)

    page = html(signed_in.get(detail_url(issue)))

    folds = re.findall(
        r'<details class="folded-text"><summary>(.*?)</summary><div class="folded-text-full">(.*?)</div></details>',
        page,
        re.S,
    )
    assert [full for _preview, full in folds] == [description, comment]
    assert all(len(re.sub(r"<[^>]+>", "", preview)) < 200 for preview, _full in folds)
    # Each text is on the page once: inside its fold, not also in the open.
    assert page.count(description) == page.count(comment) == 1

"""The issue actions, through issues.services, then the database."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from issues import services
from issues.calendar import DayEntry
from issues.models import ExtensionRequest, Issue, IssueEvent
from notices.models import Notification
from issues.notices import event_note
from notices.selectors import notification_text
from tests.liaison.factories import ContactFactory, UserFactory
from tests.platforms.factories import PlatformFactory

D = datetime.date


def kinds(issue):
    return list(IssueEvent.objects.filter(issue=issue).order_by("at", "id").values_list("kind", flat=True))


# --- create ---------------------------------------------------------------------------------------


def test_create_class_b_gets_the_worked_example_deadline(make_issue, cadre, platform):
    issue = make_issue("B", D(2026, 4, 29))
    issue.refresh_from_db()
    assert issue.status == Issue.Status.OPEN
    assert issue.recorded_by == cadre and issue.platform == platform
    assert (issue.original_due_date, issue.due_date, issue.due_date_provisional) == (D(2026, 5, 15), D(2026, 5, 15), False)
    assert kinds(issue) == ["created", "classified"]
    classified = issue.events.get(kind="classified")
    assert classified.actor == cadre.user
    assert classified.after["due_date"] == "2026-05-15"


@pytest.mark.parametrize("issue_class, due", [("C", D(2026, 5, 22)), ("D", D(2026, 6, 12))])
def test_create_class_c_and_d_count_15_and_30_working_days(make_issue, issue_class, due):
    # D: 30 working days from 04-29 skip Labour Day and count Saturday 05-09; 06-12 is a Friday.
    assert make_issue(issue_class, D(2026, 4, 29)).due_date == due


def test_create_class_a_is_solved_at_once_with_its_answer(make_issue):
    issue = make_issue("A", D(2026, 4, 29), answer="已当场解答人才政策")
    issue.refresh_from_db()
    assert issue.status == Issue.Status.RESOLVED
    assert issue.closure_kind == Issue.ClosureKind.RESOLVED
    assert (issue.closed_on, issue.resolved_on, issue.on_time) == (D(2026, 4, 29), D(2026, 4, 29), True)
    assert issue.due_date is None and issue.answer == "已当场解答人才政策"
    assert kinds(issue) == ["created", "classified", "resolved"]


def test_create_class_a_without_an_answer_is_refused(make_issue):
    with pytest.raises(ValidationError) as error:
        make_issue("A", D(2026, 4, 29), answer="  ")
    assert "answer" in error.value.message_dict
    assert not Issue.objects.exists()


def test_create_refuses_a_future_date_and_missing_fields(cadre, platform, on):
    on(D(2026, 4, 29))
    with pytest.raises(ValidationError) as error:
        services.issue_create(by=cadre.user, platform=platform, title="x", service_area="other", issue_class="B",
                              recorded_on=D(2026, 4, 30))
    assert "recorded_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.issue_create(by=cadre.user, platform=platform, title=" ", service_area="nope", issue_class="E")
    assert {"title", "service_area", "issue_class"} <= set(error.value.message_dict)


def test_create_with_a_contact_defaults_to_its_date_and_checks_its_platform(cadre, platform, on):
    on(D(2026, 5, 6))
    contact = ContactFactory(cadre=cadre, platform=platform, date=D(2026, 4, 29))
    issue = services.issue_create(by=cadre.user, platform=platform, title="设备共享", service_area="other",
                                  issue_class="B", contact=contact)
    assert issue.recorded_on == D(2026, 4, 29) and issue.contact == contact
    elsewhere = ContactFactory(cadre=cadre, platform=PlatformFactory(), date=D(2026, 4, 29))
    with pytest.raises(ValidationError) as error:
        services.issue_create(by=cadre.user, platform=platform, title="x", service_area="other", issue_class="B",
                              contact=elsewhere)
    assert "contact" in error.value.message_dict


def test_a_deadline_reaching_into_2027_is_provisional(make_issue):
    issue = make_issue("C", D(2026, 12, 15))
    assert (issue.due_date, issue.due_date_provisional) == (D(2027, 1, 5), True)


# --- reclassify -----------------------------------------------------------------------------------


def test_reclassify_recomputes_from_the_recorded_date(make_issue, cadre, on):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 12))
    services.issue_reclassify(issue=issue, by=cadre.user, new_class="C", reason="需市发改委协调用地")
    issue.refresh_from_db()
    assert issue.issue_class == "C"
    assert issue.due_date == D(2026, 5, 22)  # 15 working days from 04-29, not from today
    event = issue.events.get(kind="reclassified")
    assert event.before["issue_class"] == "B" and event.after["issue_class"] == "C"
    assert (event.before["due_date"], event.after["due_date"]) == ("2026-05-15", "2026-05-22")
    assert event.note == "需市发改委协调用地" and event.actor == cadre.user


def test_reclassify_needs_a_reason_and_a_new_class(make_issue, cadre):
    issue = make_issue("B")
    with pytest.raises(ValidationError) as error:
        services.issue_reclassify(issue=issue, by=cadre.user, new_class="B", reason="")
    assert {"new_class", "reason"} <= set(error.value.message_dict)


def test_reclassify_to_a_solves_it_now(make_issue, cadre, on):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 6))
    with pytest.raises(ValidationError):
        services.issue_reclassify(issue=issue, by=cadre.user, new_class="A", reason="可当场答复")
    services.issue_reclassify(issue=issue, by=cadre.user, new_class="A", reason="可当场答复", answer="政策已答复")
    issue.refresh_from_db()
    assert issue.status == Issue.Status.RESOLVED and issue.issue_class == "A"
    assert (issue.closed_on, issue.on_time, issue.due_date) == (D(2026, 5, 6), True, None)
    assert kinds(issue)[-2:] == ["reclassified", "resolved"]


def test_reclassify_clears_the_handover(make_issue, cadre, other_unit, third_unit):
    issue = make_issue("C")
    services.issue_hand_over(issue=issue, by=cadre.user, lead_unit=other_unit, cooperating_units=[third_unit])
    services.issue_reclassify(issue=issue, by=cadre.user, new_class="B", reason="本单位可解决")
    issue.refresh_from_db()
    assert issue.status == Issue.Status.OPEN and issue.handed_to_unit is None
    assert not issue.cooperating_units.exists()
    assert issue.events.get(kind="reclassified").before["handed_to_unit"]["id"] == other_unit.pk


def test_a_closed_issue_is_not_reclassified(make_issue, cadre):
    issue = make_issue("B")
    services.issue_resolve(issue=issue, by=cadre.user, resolution="已解决")
    with pytest.raises(ValidationError, match="reopen it first"):
        services.issue_reclassify(issue=issue, by=cadre.user, new_class="C", reason="x")


# --- hand over ------------------------------------------------------------------------------------


def test_hand_over_class_b_goes_to_the_cadres_own_unit(make_issue, cadre, unit, other_unit):
    issue = make_issue("B")
    with pytest.raises(ValidationError) as error:
        services.issue_hand_over(issue=issue, by=cadre.user, lead_unit=other_unit)
    assert "lead_unit" in error.value.message_dict
    services.issue_hand_over(issue=issue, by=cadre.user, note="交本单位办理")
    issue.refresh_from_db()
    assert issue.status == Issue.Status.HANDED_OVER and issue.handed_to_unit == unit
    event = issue.events.get(kind="handed_over")
    assert event.after["handed_to_unit"]["id"] == unit.pk and event.before["status"] == "open"


def test_hand_over_class_c_names_a_lead_unit_and_cooperating_units(make_issue, unit_leader, other_unit, third_unit):
    issue = make_issue("C")
    with pytest.raises(ValidationError) as error:
        services.issue_hand_over(issue=issue, by=unit_leader, lead_unit=other_unit)
    assert "cooperating_units" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.issue_hand_over(issue=issue, by=unit_leader, lead_unit=other_unit, cooperating_units=[other_unit])
    services.issue_hand_over(issue=issue, by=unit_leader, lead_unit=other_unit, cooperating_units=[third_unit])
    issue.refresh_from_db()
    assert issue.handed_to_unit == other_unit
    assert list(issue.cooperating_units.all()) == [third_unit]
    assert issue.events.get(kind="handed_over").actor == unit_leader


def test_hand_over_class_d_goes_to_the_office(make_issue, bureau_user, db):
    issue = make_issue("D")
    with pytest.raises(ValidationError, match="office"):
        services.issue_hand_over(issue=issue, by=bureau_user)
    from tests.liaison.factories import UnitFactory

    office = UnitFactory(name="市委科技办", is_office=True)
    services.issue_hand_over(issue=issue, by=bureau_user)
    issue.refresh_from_db()
    assert issue.handed_to_unit == office and issue.status == Issue.Status.HANDED_OVER


def test_class_a_is_not_handed_over(make_issue, cadre):
    with pytest.raises(ValidationError):
        services.issue_hand_over(issue=make_issue("A"), by=cadre.user)


# --- comments -------------------------------------------------------------------------------------


def test_comment_lands_on_the_timeline(make_issue, unit_leader):
    issue = make_issue("B")
    services.issue_comment(issue=issue, by=unit_leader, text="请抓紧办理")
    event = issue.events.get(kind="commented")
    assert (event.actor, event.note) == (unit_leader, "请抓紧办理")
    with pytest.raises(ValidationError):
        services.issue_comment(issue=issue, by=unit_leader, text=" ")


# --- extensions -----------------------------------------------------------------------------------


def test_extension_requested_and_approved_by_bureau_staff(make_issue, cadre, bureau_user, on):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 12))
    extension = services.issue_request_extension(issue=issue, by=cadre.user, reason="需等待设备到货",
                                                 extra_working_days=5)
    assert extension.status == ExtensionRequest.Status.PENDING and extension.due_date_at_request == D(2026, 5, 15)
    with pytest.raises(ValidationError, match="already waiting"):
        services.issue_request_extension(issue=issue, by=cadre.user, reason="再延", extra_working_days=2)

    on(D(2026, 5, 13))
    services.issue_decide_extension(extension=extension, by=bureau_user, approve=True, note="同意延期")
    extension.refresh_from_db()
    issue.refresh_from_db()
    assert extension.status == ExtensionRequest.Status.APPROVED and extension.decided_by == bureau_user
    assert extension.granted_working_days == 5 and extension.decision_note == "同意延期"
    assert issue.original_due_date == D(2026, 5, 15)
    assert issue.due_date == D(2026, 5, 22)
    event = issue.events.get(kind="extended")
    assert (event.before["due_date"], event.after["due_date"], event.note) == ("2026-05-15", "2026-05-22", "同意延期")
    assert kinds(issue) == ["created", "classified", "extension_requested", "extended"]


def test_extension_approved_with_a_different_date(make_issue, cadre, bureau_user):
    issue = make_issue("B", D(2026, 4, 29))
    extension = services.issue_request_extension(issue=issue, by=cadre.user, reason="x", new_due_date=D(2026, 6, 30))
    services.issue_decide_extension(extension=extension, by=bureau_user, approve=True, new_due_date=D(2026, 5, 29),
                                    note="最多延至5月底")
    issue.refresh_from_db()
    assert issue.due_date == D(2026, 5, 29) and issue.due_date_provisional is False
    extension.refresh_from_db()
    assert extension.granted_due_date == D(2026, 5, 29)


def test_extension_refused_keeps_the_due_date_and_the_reason(make_issue, cadre, bureau_user):
    issue = make_issue("B", D(2026, 4, 29))
    extension = services.issue_request_extension(issue=issue, by=cadre.user, reason="人手不足",
                                                 new_due_date=D(2026, 5, 29))
    with pytest.raises(ValidationError) as error:
        services.issue_decide_extension(extension=extension, by=bureau_user, approve=False)
    assert "note" in error.value.message_dict
    services.issue_decide_extension(extension=extension, by=bureau_user, approve=False, note="理由不充分")
    extension.refresh_from_db()
    issue.refresh_from_db()
    assert extension.status == ExtensionRequest.Status.REFUSED and extension.decision_note == "理由不充分"
    assert issue.due_date == D(2026, 5, 15)
    assert issue.events.get(kind="extension_refused").note == "理由不充分"
    with pytest.raises(ValidationError, match="already decided"):
        services.issue_decide_extension(extension=extension, by=bureau_user, approve=True)


def test_extension_request_must_move_the_date_later(make_issue, cadre):
    issue = make_issue("B", D(2026, 4, 29))
    with pytest.raises(ValidationError) as error:
        services.issue_request_extension(issue=issue, by=cadre.user, reason="x", new_due_date=D(2026, 5, 15))
    assert "new_due_date" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.issue_request_extension(issue=issue, by=cadre.user, reason="x")
    with pytest.raises(ValidationError):
        services.issue_request_extension(issue=issue, by=cadre.user, reason="x", extra_working_days=0)


def test_an_extension_date_is_at_most_the_working_day_limit_after_the_current_one(make_issue, cadre, bureau_user):
    # A date typed by mistake (9999-12-31) was accepted, then overflowed every deadline check (a 500).
    issue = make_issue("B")  # due 2026-05-15; 250 working days later is 2027-05-07
    for too_late in (D(2027, 5, 8), D(9999, 12, 31)):
        with pytest.raises(ValidationError) as error:
            services.issue_request_extension(issue=issue, by=cadre.user, reason="x", new_due_date=too_late)
        assert error.value.message_dict["new_due_date"] == [
            "The new due date may be at most 250 working days after the current one: 2027-05-07 at the latest."
        ]
    extension = services.issue_request_extension(issue=issue, by=cadre.user, reason="x", new_due_date=D(2027, 5, 7))
    with pytest.raises(ValidationError) as error:
        services.issue_decide_extension(extension=extension, by=bureau_user, approve=True, new_due_date=D(9999, 12, 31))
    assert list(error.value.message_dict) == ["new_due_date"]
    services.issue_decide_extension(extension=extension, by=bureau_user, approve=True)
    assert Issue.objects.get(pk=issue.pk).due_date == D(2027, 5, 7)


def test_closing_withdraws_a_pending_extension(make_issue, cadre):
    issue = make_issue("B", D(2026, 4, 29))
    extension = services.issue_request_extension(issue=issue, by=cadre.user, reason="x", extra_working_days=3)
    services.issue_resolve(issue=issue, by=cadre.user, resolution="已办结")
    extension.refresh_from_db()
    assert extension.status == ExtensionRequest.Status.WITHDRAWN


# --- stopping the clock ----------------------------------------------------------------------------


def test_solution_determined_on_time_then_resolved_later_keeps_the_clock(make_issue, cadre, on):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 14))
    services.issue_determine_solution(issue=issue, by=cadre.user, solution="协调共享实验场地")
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SOLUTION_DETERMINED
    assert (issue.closed_on, issue.closure_kind, issue.on_time) == (D(2026, 5, 14), "solution_determined", True)

    on(D(2026, 6, 30))
    services.issue_resolve(issue=issue, by=cadre.user, resolution="场地已投入使用")
    issue.refresh_from_db()
    assert issue.status == Issue.Status.RESOLVED and issue.resolved_on == D(2026, 6, 30)
    assert (issue.closed_on, issue.closure_kind, issue.on_time) == (D(2026, 5, 14), "solution_determined", True)
    assert kinds(issue)[-2:] == ["solution_determined", "resolved"]


def test_resolved_on_the_due_day_at_23_59_is_on_time(make_issue, cadre, on):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 15), hour=23, minute=59)
    services.issue_resolve(issue=issue, by=cadre.user, resolution="已办结")
    issue.refresh_from_db()
    assert (issue.closed_on, issue.closure_kind, issue.on_time) == (D(2026, 5, 15), "resolved", True)


def test_resolved_the_next_morning_is_late(make_issue, cadre, on):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 16), hour=0, minute=5)
    services.issue_resolve(issue=issue, by=cadre.user, resolution="已办结")
    issue.refresh_from_db()
    assert (issue.closed_on, issue.on_time) == (D(2026, 5, 16), False)


def test_solution_determined_late(make_issue, cadre, on):
    issue = make_issue("C", D(2026, 4, 29))
    on(D(2026, 5, 25))
    services.issue_determine_solution(issue=issue, by=cadre.user, solution="方案已定")
    issue.refresh_from_db()
    assert (issue.closure_kind, issue.on_time) == ("solution_determined", False)


def test_closing_needs_a_note_and_an_open_issue(make_issue, cadre):
    issue = make_issue("B")
    with pytest.raises(ValidationError):
        services.issue_resolve(issue=issue, by=cadre.user, resolution="")
    with pytest.raises(ValidationError):
        services.issue_determine_solution(issue=issue, by=cadre.user, solution=" ")
    services.issue_resolve(issue=issue, by=cadre.user, resolution="已办结")
    with pytest.raises(ValidationError, match="already resolved"):
        services.issue_resolve(issue=issue, by=cadre.user, resolution="again")


# --- reopen ---------------------------------------------------------------------------------------


def test_reopen_keeps_the_original_due_date_and_is_late_once_past_it(make_issue, cadre, unit, on):
    issue = make_issue("B", D(2026, 4, 29))
    services.issue_hand_over(issue=issue, by=cadre.user)
    on(D(2026, 5, 14))
    services.issue_resolve(issue=issue, by=cadre.user, resolution="已办结")
    on(D(2026, 5, 20))
    with pytest.raises(ValidationError):
        services.issue_reopen(issue=issue, by=cadre.user, reason="")
    services.issue_reopen(issue=issue, by=cadre.user, reason="问题复现")
    issue.refresh_from_db()
    assert issue.status == Issue.Status.HANDED_OVER and issue.handed_to_unit == unit
    assert (issue.closed_on, issue.on_time, issue.resolved_on, issue.closure_kind) == (None, None, None, "")
    assert issue.due_date == D(2026, 5, 15) and issue.reopen_count == 1
    assert issue.events.get(kind="reopened").note == "问题复现"

    on(D(2026, 5, 21))
    services.issue_resolve(issue=issue, by=cadre.user, resolution="彻底解决")
    issue.refresh_from_db()
    assert issue.on_time is False
    with pytest.raises(ValidationError, match="still open"):
        services.issue_reopen(issue=make_issue("B"), by=cadre.user, reason="x")


# --- rating ---------------------------------------------------------------------------------------


def test_a_good_rating_is_kept(make_issue, cadre):
    issue = make_issue("B")
    with pytest.raises(ValidationError, match="resolved"):
        services.issue_rate(issue=issue, by=cadre.user, rating=5)
    services.issue_resolve(issue=issue, by=cadre.user, resolution="已办结")
    services.issue_rate(issue=issue, by=cadre.user, rating=4, comment="满意")
    issue.refresh_from_db()
    assert (issue.status, issue.rating, issue.rating_comment) == (Issue.Status.RESOLVED, 4, "满意")
    assert issue.events.get(kind="rated").after == {"rating": 4, "comment": "满意", "source": "cadre"}
    with pytest.raises(ValidationError, match="already rated"):
        services.issue_rate(issue=issue, by=cadre.user, rating=5)


@pytest.mark.parametrize("rating", [0, 6, "5", True])
def test_rating_must_be_1_to_5(make_issue, cadre, rating):
    issue = make_issue("B")
    services.issue_resolve(issue=issue, by=cadre.user, resolution="已办结")
    with pytest.raises(ValidationError) as error:
        services.issue_rate(issue=issue, by=cadre.user, rating=rating)
    assert "rating" in error.value.message_dict


def test_a_low_rating_reopens_the_issue(make_issue, cadre, on):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 12))
    services.issue_resolve(issue=issue, by=cadre.user, resolution="已办结")
    with pytest.raises(ValidationError) as error:
        services.issue_rate(issue=issue, by=cadre.user, rating=2)
    assert "comment" in error.value.message_dict

    services.issue_rate(issue=issue, by=cadre.user, rating=2, comment="问题未真正解决")
    issue.refresh_from_db()
    assert issue.status == Issue.Status.OPEN and issue.reopen_count == 1
    assert issue.rating is None and issue.on_time is None
    assert issue.due_date == D(2026, 5, 15)
    assert kinds(issue)[-3:] == ["resolved", "rated", "reopened"]
    assert issue.events.get(kind="rated").after["rating"] == 2
    assert "问题未真正解决" in issue.events.get(kind="reopened").note


def test_a_low_rating_of_a_class_a_issue_makes_it_class_b_counted_from_the_reopening(make_issue, cadre, on):
    issue = make_issue("A", D(2026, 4, 29))
    on(D(2026, 5, 6))
    services.issue_rate(issue=issue, by=cadre.user, rating=1, comment="答复不准确")
    issue.refresh_from_db()
    assert issue.issue_class == "B" and issue.status == Issue.Status.OPEN
    assert issue.clock_started_on == D(2026, 5, 6) and issue.recorded_on == D(2026, 4, 29)
    assert issue.due_date == D(2026, 5, 19)  # 10 working days after 05-06 (Saturday 05-09 counts)
    assert kinds(issue)[-3:] == ["rated", "reclassified", "reopened"]


# --- who may act ----------------------------------------------------------------------------------


@pytest.fixture
def people(cadre, colleague, unit_leader, other_cadre, other_leader, bureau_user, admin_user):
    return {
        "cadre": cadre.user,
        "colleague": colleague.user,  # same unit, not this platform's cadre
        "leader": unit_leader,
        "other_cadre": other_cadre.user,
        "other_leader": other_leader,
        "bureau": bureau_user,
        "admin": admin_user,
    }


def _resolved(issue, cadre):
    services.issue_resolve(issue=issue, by=cadre.user, resolution="已办结")
    return issue


def _pending(issue, cadre):
    return services.issue_request_extension(issue=issue, by=cadre.user, reason="x", extra_working_days=3)


#: action -> (prepare the issue as its cadre, then act as ``user`` on what was prepared)
ACTIONS = {
    "reclassify": (None, lambda issue, user: services.issue_reclassify(issue=issue, by=user, new_class="C", reason="x")),
    "hand_over": (None, lambda issue, user: services.issue_hand_over(issue=issue, by=user)),
    "comment": (None, lambda issue, user: services.issue_comment(issue=issue, by=user, text="x")),
    "request_extension": (
        None,
        lambda issue, user: services.issue_request_extension(issue=issue, by=user, reason="x", extra_working_days=3),
    ),
    "decide_extension": (
        _pending,
        lambda extension, user: services.issue_decide_extension(extension=extension, by=user, approve=True),
    ),
    "determine_solution": (
        None,
        lambda issue, user: services.issue_determine_solution(issue=issue, by=user, solution="x"),
    ),
    "resolve": (None, lambda issue, user: services.issue_resolve(issue=issue, by=user, resolution="x")),
    "reopen": (_resolved, lambda issue, user: services.issue_reopen(issue=issue, by=user, reason="x")),
    "rate": (_resolved, lambda issue, user: services.issue_rate(issue=issue, by=user, rating=5)),
}

REFUSED = [
    ("reclassify", ["colleague", "other_cadre", "other_leader"]),
    ("hand_over", ["colleague", "other_cadre", "other_leader"]),
    ("comment", ["colleague", "other_cadre", "other_leader"]),
    ("request_extension", ["leader", "bureau", "admin", "colleague", "other_cadre"]),
    ("decide_extension", ["cadre", "leader", "admin", "other_cadre"]),
    ("determine_solution", ["colleague", "other_cadre", "other_leader"]),
    ("resolve", ["colleague", "other_cadre", "other_leader"]),
    ("reopen", ["colleague", "other_cadre", "other_leader"]),
    ("rate", ["leader", "bureau", "admin", "colleague", "other_cadre"]),
]
ALLOWED = [
    ("reclassify", ["cadre", "leader", "bureau", "admin"]),
    ("hand_over", ["cadre", "leader", "bureau", "admin"]),
    ("comment", ["cadre", "leader", "bureau"]),
    ("request_extension", ["cadre"]),
    ("decide_extension", ["bureau"]),
    ("determine_solution", ["cadre", "leader", "bureau"]),
    ("resolve", ["cadre", "leader", "bureau"]),
    ("reopen", ["cadre", "leader", "bureau"]),
    ("rate", ["cadre"]),
]


def _prepare(action, issue, cadre):
    prepare, act = ACTIONS[action]
    return (prepare(issue, cadre) if prepare else issue), act


@pytest.mark.parametrize("action, who", [(action, who) for action, people_ in REFUSED for who in people_])
def test_each_action_is_refused_to_those_who_may_not_take_it(make_issue, cadre, people, action, who):
    issue = make_issue("B")
    target, act = _prepare(action, issue, cadre)
    events_before = list(issue.events.values_list("pk", flat=True))
    issue.refresh_from_db()
    state_before = (issue.status, issue.issue_class, issue.due_date, issue.handed_to_unit_id, issue.rating)
    with pytest.raises(PermissionDenied):
        act(target, people[who])
    issue.refresh_from_db()
    assert list(issue.events.values_list("pk", flat=True)) == events_before
    assert (issue.status, issue.issue_class, issue.due_date, issue.handed_to_unit_id, issue.rating) == state_before
    assert issue.extensions.exclude(status=ExtensionRequest.Status.PENDING).count() == 0


@pytest.mark.parametrize("action, who", [(action, who) for action, people_ in ALLOWED for who in people_])
def test_each_action_is_allowed_to_those_who_may(make_issue, cadre, people, action, who):
    issue = make_issue("B")
    target, act = _prepare(action, issue, cadre)
    last = issue.events.order_by("-pk").values_list("pk", flat=True).first()
    act(target, people[who])
    assert issue.events.filter(pk__gt=last, actor=people[who]).exists()


def test_only_the_responsible_cadre_records_issues(platform, people, on):
    on(D(2026, 4, 29))
    for who in ["colleague", "leader", "bureau", "admin", "other_cadre"]:
        with pytest.raises(PermissionDenied):
            services.issue_create(by=people[who], platform=platform, title="x", service_area="other", issue_class="B")
    assert not Issue.objects.exists()


def test_responsibility_follows_the_platform_when_it_is_transferred(make_issue, cadre, colleague, platform, on):
    from liaison.services import assignment_transfer

    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 6))
    assignment_transfer(platform=platform, to_cadre=colleague, reason="工作调整")
    with pytest.raises(PermissionDenied):
        services.issue_request_extension(issue=issue, by=cadre.user, reason="x", extra_working_days=2)
    services.issue_request_extension(issue=issue, by=colleague.user, reason="接手后需时间", extra_working_days=2)


def test_record_event_accepts_only_reminders_and_escalations(make_issue):
    issue = make_issue("B")
    event = services.issue_record_event(issue=issue, kind="reminded", note="到期前3个工作日提醒", details={"days_left": 3})
    assert event.actor is None and event.after == {"days_left": 3}
    with pytest.raises(ValueError):
        services.issue_record_event(issue=issue, kind="resolved")


# --- who is told -----------------------------------------------------------------------------------


def test_a_hand_over_tells_the_lead_and_cooperating_leaders_once_in_the_inbox_and_by_email(
    make_issue, cadre, unit_leader, other_unit, third_unit, eager_celery, django_capture_on_commit_callbacks
):
    issue = make_issue("C")
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_hand_over(issue=issue, by=cadre.user, lead_unit=other_unit, cooperating_units=[third_unit],
                                 note="请牵头协调用地")
    with pytest.raises(ValidationError, match="already handed over"), django_capture_on_commit_callbacks(execute=True):
        services.issue_hand_over(issue=issue, by=cadre.user, lead_unit=other_unit, cooperating_units=[third_unit])

    told = Notification.objects.filter(kind="issue_handed_over", topic=f"issue:{issue.pk}").order_by("id")
    assert [(n.recipient, n.params["role"], n.params["unit"]) for n in told] == [
        (other_unit.leader, "lead", other_unit.name), (third_unit.leader, "cooperating", third_unit.name)
    ]
    assert all(n.email_status == "sent" for n in told)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([other_unit.leader.email, third_unit.leader.email])
    # Nobody else: not the cadre's own unit's leader, not the cadre who handed it over.
    assert not Notification.objects.exclude(recipient__in=[other_unit.leader, third_unit.leader]).exists()


def test_handing_over_again_to_other_units_tells_the_new_leaders(make_issue, cadre, other_unit, third_unit, unit):
    issue = make_issue("C")
    services.issue_hand_over(issue=issue, by=cadre.user, lead_unit=other_unit, cooperating_units=[third_unit])
    services.issue_hand_over(issue=issue, by=cadre.user, lead_unit=third_unit, cooperating_units=[unit])

    told = Notification.objects.filter(topic=f"issue:{issue.pk}").order_by("id")
    assert [(n.recipient, n.params["role"]) for n in told] == [
        (other_unit.leader, "lead"), (third_unit.leader, "cooperating"),
        (third_unit.leader, "lead"), (unit.leader, "cooperating"),
    ]


def test_a_leader_who_hands_over_to_their_own_unit_is_not_told_what_they_did(make_issue, unit_leader):
    services.issue_hand_over(issue=make_issue("B"), by=unit_leader)
    assert not Notification.objects.exists()


def test_a_decided_extension_tells_the_requester_whether_approved_or_refused(make_issue, cadre, bureau_user):
    first = make_issue("B", D(2026, 4, 29))
    second = make_issue("B", D(2026, 4, 29), title="设备采购受阻")
    approved = services.issue_request_extension(issue=first, by=cadre.user, reason="需等待设备到货",
                                                extra_working_days=5)
    refused = services.issue_request_extension(issue=second, by=cadre.user, reason="人手不足",
                                               new_due_date=D(2026, 5, 29))
    services.issue_decide_extension(extension=approved, by=bureau_user, approve=True)
    services.issue_decide_extension(extension=refused, by=bureau_user, approve=False, note="理由不充分")

    told = {int(n.topic.removeprefix("issue:")): n for n in Notification.objects.filter(kind="extension_decided")}
    assert set(told) == {first.pk, second.pk}
    assert {n.recipient for n in told.values()} == {cadre.user}
    assert told[first.pk].params["approved"] is True and told[first.pk].params["due"] == "2026-05-22"
    assert told[second.pk].params["approved"] is False and told[second.pk].params["note"] == "理由不充分"
    with translation.override("en"):
        text = notification_text(told[second.pk])
    assert text.subject == f"Extension refused: issue #{second.pk} 设备采购受阻"
    assert "It is still due on 2026-05-15." in text.body and "Reason: 理由不充分" in text.body


def test_a_calendar_change_note_is_kept_as_a_message_each_reader_sees_in_their_language(make_issue, db):
    admin = UserFactory(username="calendar-admin", is_superuser=True, is_staff=True)
    issue = make_issue("B", D(2026, 4, 29))
    services.calendar_set_days(entries=[DayEntry(date=D(2026, 5, 6), kind="holiday", note="调休")], by=admin)

    event = issue.events.get(kind="due_date_recomputed")
    assert event.message == "calendar_changed" and event.message_params["days"] == ["2026-05-06"]
    with translation.override("en"):
        assert event_note(event) == "Working-day calendar changed (days entered: 2026-05-06)."
    with translation.override("zh-hans"):
        assert event_note(event) == event.note and "2026-05-06" in event.note and "Working-day" not in event.note


def test_an_entry_whose_parameters_do_not_fit_its_message_shows_its_stored_note(make_issue, db, client):
    issue = make_issue("B", D(2026, 4, 29))
    event = issue.events.create(kind="reminded", message="reminder_sent", message_params={},
                                note="已提醒联络员。")
    assert event_note(event) == "已提醒联络员。"
    client.force_login(UserFactory(username="timeline-admin", is_superuser=True, is_staff=True))
    for url in (f"/issues/{issue.pk}/", f"/api/v1/issues/{issue.pk}/timeline/"):
        response = client.get(url)
        assert response.status_code == 200 and "已提醒联络员。" in response.content.decode(), url


@pytest.mark.parametrize(
    "act, field, limit",
    [
        (lambda issue, by, text: services.issue_comment(issue=issue, by=by, text=text), "text", 500),
        (lambda issue, by, text: services.issue_determine_solution(issue=issue, by=by, solution=text), "solution", 2000),
        (lambda issue, by, text: services.issue_request_extension(issue=issue, by=by, reason=text,
                                                                   extra_working_days=5), "reason", 500),
    ],
)
def test_an_over_long_text_from_a_caller_that_skips_the_forms_is_refused_naming_the_field(
    make_issue, cadre, act, field, limit
):
    issue = make_issue("B")
    before = list(issue.events.values_list("pk", flat=True))

    with pytest.raises(ValidationError) as refused:
        act(issue, cadre.user, "长" * (limit + 1))

    assert refused.value.message_dict[field] == [f"At most {limit} characters (this has {limit + 1}): please shorten it."]
    assert list(issue.events.values_list("pk", flat=True)) == before

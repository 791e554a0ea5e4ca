"""Who may open the issue pages and take each action: 404 for an issue one may not see, 403 for
an action one may not take, the login page for anonymous visitors. Every refusal leaves the
database as it was."""

import datetime

import pytest
from django.urls import reverse

from issues import services
from issues.models import ExtensionRequest, Issue, IssueEvent
from tests.liaison.factories import AssignmentFactory, CadreFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]

TODAY = datetime.date(2026, 5, 6)

#: Every action's URL name, with a valid POST for a class B issue (prefixed as the page's forms are).
ACTION_POSTS = {
    "reclassify": {"reclassify-new_class": "C", "reclassify-reason": "需要跨部门协调"},
    "hand_over": {"hand_over-note": "交本单位办理"},
    "comment": {"comment-text": "已电话沟通"},
    "request_extension": {"request_extension-extra_working_days": "5", "request_extension-reason": "等待评审结果"},
    "decide_extension": {"decide_extension-decision": "approve", "decide_extension-note": "同意"},
    "determine_solution": {"determine_solution-solution": "协调周边用房"},
    "resolve": {"resolve-resolution": "已解决"},
    "reopen": {"reopen-reason": "平台反映仍未解决"},
    "rate": {"rate-rating": "5", "rate-comment": "满意"},
}


@pytest.fixture
def issue(make_issue, on):
    issue = make_issue("B")
    on(TODAY)
    return issue


def _snapshot():
    return (
        list(Issue.objects.order_by("pk").values()),
        IssueEvent.objects.count(),
        list(ExtensionRequest.objects.order_by("pk").values("pk", "status")),
    )


def _post_action(client, name, issue, data=None):
    return client.post(reverse(f"issues:{name}", args=[issue.pk]), data if data is not None else ACTION_POSTS[name])


# --- anonymous ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["issues:list", "issues:create", "issues:due_preview"])
def test_anonymous_pages_redirect_to_login(client, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_anonymous_issue_page_and_actions_redirect_to_login(client, issue):
    before = _snapshot()
    url = reverse("issues:detail", args=[issue.pk])
    assert client.get(url)["Location"] == f"{reverse('login')}?next={url}"
    for name in ACTION_POSTS:
        response = _post_action(client, name, issue)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), name
    assert _snapshot() == before


# --- issues one may not see: 404 ------------------------------------------------------------------


def test_other_cadre_gets_404_for_the_issue_and_every_action(client, issue, other_cadre):
    before = _snapshot()
    client.force_login(other_cadre.user)
    assert client.get(reverse("issues:detail", args=[issue.pk])).status_code == 404
    for name in ACTION_POSTS:
        assert _post_action(client, name, issue).status_code == 404, name
    assert _snapshot() == before


def test_colleague_of_the_same_unit_gets_404(client, issue, colleague):
    client.force_login(colleague.user)
    assert client.get(reverse("issues:detail", args=[issue.pk])).status_code == 404


def test_leader_of_another_unit_gets_404(client, issue, other_leader):
    client.force_login(other_leader)
    assert client.get(reverse("issues:detail", args=[issue.pk])).status_code == 404


def test_unknown_issue_is_404(client, cadre):
    client.force_login(cadre.user)
    assert client.get(reverse("issues:detail", args=[999999])).status_code == 404


def test_user_without_a_role_sees_no_issue(client, issue):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(reverse("issues:detail", args=[issue.pk])).status_code == 404
    response = client.get(reverse("issues:list"))
    assert response.status_code == 200
    assert list(response.context["issues"]) == []


def test_cadre_keeps_seeing_the_issue_they_recorded_after_the_platform_moved(client, issue, cadre, platform):
    platform.assignments.update(end_date=TODAY)
    AssignmentFactory(platform=platform, start_date=TODAY)
    client.force_login(cadre.user)
    response = client.get(reverse("issues:detail", args=[issue.pk]))
    assert response.status_code == 200
    # ...but it is no longer theirs to act on: only the comment form is offered.
    assert set(response.context["actions"]) == {"comment"}
    assert _post_action(client, "resolve", issue).status_code == 403


# --- actions one may not take: 403 -------------------------------------------------------------


@pytest.mark.parametrize("name", ["decide_extension"])
def test_cadre_may_not_decide_extensions(client, issue, cadre, name):
    services.issue_request_extension(issue=issue, by=cadre.user, reason="等待评审", extra_working_days=5)
    before = _snapshot()
    client.force_login(cadre.user)
    assert _post_action(client, name, issue).status_code == 403
    assert _snapshot() == before


@pytest.mark.parametrize("name", ["request_extension", "rate", "decide_extension"])
def test_unit_leader_refusals(client, issue, unit_leader, cadre, name):
    services.issue_request_extension(issue=issue, by=cadre.user, reason="等待评审", extra_working_days=5)
    before = _snapshot()
    client.force_login(unit_leader)
    assert _post_action(client, name, issue).status_code == 403
    assert _snapshot() == before


@pytest.mark.parametrize("name", ["request_extension", "rate"])
def test_bureau_staff_may_not_take_the_cadres_own_actions(client, issue, bureau_user, name):
    before = _snapshot()
    client.force_login(bureau_user)
    assert _post_action(client, name, issue).status_code == 403
    assert _snapshot() == before


def test_bureau_staff_cannot_decide_another_issues_extension_through_this_issues_form(
    client, issue, make_issue, cadre, bureau_user
):
    # The request's id is a form parameter: it must be one pending on the issue in the URL.
    other = make_issue("C")
    on_other = services.issue_request_extension(issue=other, by=cadre.user, reason="等待评审", extra_working_days=5)
    services.issue_request_extension(issue=issue, by=cadre.user, reason="等待评审", extra_working_days=5)
    before = _snapshot()
    client.force_login(bureau_user)
    response = _post_action(
        client, "decide_extension", issue, {**ACTION_POSTS["decide_extension"], "decide_extension-extension": on_other.pk}
    )
    assert response.status_code == 400
    assert _snapshot() == before
    assert ExtensionRequest.objects.get(pk=on_other.pk).status == "pending"


@pytest.fixture
def class_c_handed_over(make_issue, cadre, other_unit, third_unit, on):
    issue = make_issue("C")
    on(TODAY)
    return services.issue_hand_over(issue=issue, by=cadre.user, lead_unit=other_unit, cooperating_units=[third_unit])


@pytest.mark.parametrize("name", ["reclassify", "hand_over", "reopen", "request_extension", "rate"])
def test_leader_of_the_lead_unit_may_only_work_on_it(client, class_c_handed_over, other_leader, name):
    """The lead unit's leader sees a class C issue handed to their unit and may determine its
    solution or resolve it, but not steer it."""
    issue = class_c_handed_over
    before = _snapshot()
    client.force_login(other_leader)
    assert client.get(reverse("issues:detail", args=[issue.pk])).status_code == 200
    assert _post_action(client, name, issue).status_code == 403
    assert _snapshot() == before


def test_leader_of_the_lead_unit_may_resolve_it(client, class_c_handed_over, other_leader):
    client.force_login(other_leader)
    response = client.get(reverse("issues:detail", args=[class_c_handed_over.pk]))
    assert set(response.context["actions"]) == {"comment", "determine_solution", "resolve"}
    response = _post_action(client, "resolve", class_c_handed_over)
    assert response.status_code == 302
    assert Issue.objects.get(pk=class_c_handed_over.pk).status == Issue.Status.RESOLVED


# --- the forms offered match the predicates -------------------------------------------------------


def test_forms_offered_to_the_cadre_on_an_open_issue(client, issue, cadre):
    client.force_login(cadre.user)
    response = client.get(reverse("issues:detail", args=[issue.pk]))
    actions = set(response.context["actions"])
    assert actions == {"reclassify", "hand_over", "comment", "request_extension", "determine_solution", "resolve"}
    html = response.content.decode()
    for slug in ("reclassify", "hand-over", "comment", "request-extension", "determine-solution", "resolve"):
        assert f'id="action-{slug}"' in html
    for slug in ("decide-extension", "reopen", "rate"):
        assert f'id="action-{slug}"' not in html


def test_forms_offered_to_bureau_staff_with_a_pending_request(client, issue, cadre, bureau_user):
    services.issue_request_extension(issue=issue, by=cadre.user, reason="等待评审", extra_working_days=5)
    client.force_login(bureau_user)
    response = client.get(reverse("issues:detail", args=[issue.pk]))
    assert set(response.context["actions"]) == {
        "reclassify", "hand_over", "comment", "decide_extension", "determine_solution", "resolve", "supervision_open"
    }
    assert 'id="action-decide-extension"' in response.content.decode()


def test_forms_offered_on_a_resolved_issue(client, issue, cadre, unit_leader):
    services.issue_resolve(issue=issue, by=cadre.user, resolution="已解决")
    client.force_login(cadre.user)
    assert set(client.get(reverse("issues:detail", args=[issue.pk])).context["actions"]) == {
        "comment", "reopen", "rate"
    }
    client.force_login(unit_leader)
    assert set(client.get(reverse("issues:detail", args=[issue.pk])).context["actions"]) == {"comment", "reopen"}


def test_actions_only_accept_post(client, issue, cadre):
    client.force_login(cadre.user)
    assert client.get(reverse("issues:resolve", args=[issue.pk])).status_code == 405


# --- the list and the form ---------------------------------------------------------------------


def test_list_shows_each_role_what_it_may_see(client, issue, cadre, other_cadre, unit_leader, bureau_user, on):
    other_assignment = AssignmentFactory(cadre=other_cadre)
    on(datetime.date(2026, 4, 30))
    others = services.issue_create(
        by=other_cadre.user, platform=other_assignment.platform, title="他人问题", service_area="other", issue_class="B"
    )
    on(TODAY)

    def listed(user):
        client.force_login(user)
        return {i.pk for i in client.get(reverse("issues:list")).context["issues"]}

    assert listed(cadre.user) == {issue.pk}
    assert listed(other_cadre.user) == {others.pk}
    assert listed(unit_leader) == {issue.pk}
    assert listed(bureau_user) == {issue.pk, others.pk}


def test_unit_filter_cannot_reach_beyond_what_the_leader_sees(client, issue, other_cadre, other_unit, unit_leader):
    client.force_login(unit_leader)
    response = client.get(reverse("issues:list"), {"unit": other_unit.pk})
    # Not one of the leader's units: the filter is refused, and the list stays the leader's.
    assert "unit" in response.context["filters"].errors
    assert {i.pk for i in response.context["issues"]} == {issue.pk}


def test_only_cadres_record_issues(client, bureau_user, unit_leader):
    for user in (bureau_user, unit_leader):
        client.force_login(user)
        assert client.get(reverse("issues:create")).status_code == 403
        assert client.post(reverse("issues:create"), {}).status_code == 403


def test_the_form_offers_only_the_cadres_own_platforms(client, cadre, platform, other_cadre):
    other = AssignmentFactory(cadre=other_cadre).platform
    ended = AssignmentFactory(cadre=cadre, end_date=datetime.date(2026, 3, 1)).platform
    client.force_login(cadre.user)
    response = client.get(reverse("issues:create"))
    assert list(response.context["form"].fields["platform"].queryset) == [platform]
    assert f'value="{other.pk}"' not in response.content.decode()
    assert f'value="{ended.pk}"' not in response.content.decode()

    response = client.post(
        reverse("issues:create"),
        {"platform": other.pk, "title": "越权", "service_area": "other", "issue_class": "B", "recorded_on": "2026-04-29"},
    )
    assert response.status_code == 400
    assert "platform" in response.context["form"].errors
    assert not Issue.objects.exists()


def test_a_cadre_cannot_record_for_a_day_before_their_assignment(client, cadre, platform, on):
    on(TODAY)
    client.force_login(cadre.user)
    response = client.post(
        reverse("issues:create"),
        {"platform": platform.pk, "title": "早于联点", "service_area": "other", "issue_class": "B",
         "recorded_on": "2025-12-01"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["recorded_on"] == [
        f"You were not responsible for {platform.name} on 2025-12-01."
    ]
    assert not Issue.objects.exists()


def test_new_cadre_without_platforms_is_told_so(client):
    lonely = CadreFactory(user=UserFactory(username="lonely"))
    client.force_login(lonely.user)
    response = client.get(reverse("issues:create"))
    assert response.status_code == 200
    assert 'id="no-platforms"' in response.content.decode()

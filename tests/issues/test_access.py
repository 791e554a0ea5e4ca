"""Who sees which issues (issues.access.issues_visible_to)."""

import datetime

from issues import services
from notices.models import Notification
from issues.access import can_view_issue, issues_visible_to, seen_through_visibility

D = datetime.date


def test_visibility_by_role(make_issue, cadre, colleague, unit_leader, other_cadre, other_leader, bureau_user,
                            admin_user, other_unit, third_unit):
    issue = make_issue("C")
    assert list(issues_visible_to(cadre.user)) == [issue]
    assert list(issues_visible_to(unit_leader)) == [issue]
    assert list(issues_visible_to(bureau_user)) == [issue]
    assert list(issues_visible_to(admin_user)) == [issue]
    for outsider in (colleague.user, other_cadre.user, other_leader, third_unit.leader):
        assert not issues_visible_to(outsider).exists()

    # The units it is handed over to see it: their leaders do the work.
    services.issue_hand_over(issue=issue, by=cadre.user, lead_unit=other_unit, cooperating_units=[third_unit])
    assert list(issues_visible_to(other_leader)) == [issue]
    assert list(issues_visible_to(third_unit.leader)) == [issue]
    assert not issues_visible_to(other_cadre.user).exists()


def test_an_issue_read_through_one_users_visibility_is_asked_about_again_for_another(make_issue, cadre, other_cadre):
    """``seen_through_visibility`` spares the reader's own check a query; it opens nothing to others."""
    issue = seen_through_visibility(issues_visible_to(cadre.user).get(pk=make_issue("B").pk), cadre.user)
    assert can_view_issue(cadre.user, issue)
    assert not can_view_issue(other_cadre.user, issue)


def test_a_cadre_keeps_seeing_what_they_recorded_after_a_transfer(make_issue, cadre, colleague, platform, on):
    from liaison.services import assignment_transfer

    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 6))
    assignment_transfer(platform=platform, to_cadre=colleague, reason="工作调整")
    assert list(issues_visible_to(cadre.user)) == [issue]
    assert list(issues_visible_to(colleague.user)) == [issue]


def test_anonymous_sees_nothing(make_issue, db):
    from django.contrib.auth.models import AnonymousUser

    make_issue("B")
    assert not issues_visible_to(AnonymousUser()).exists()


def test_the_offices_leader_opens_every_issue_escalated_to_the_office(client, make_issue, office, on):
    """Regression (found by the journey test): the office's leader receives every office escalation
    but saw only the issues handed to the office, so the notice's link answered 404."""
    import io

    from django.core.management import call_command

    issue = make_issue("B", D(2026, 4, 29))  # due 2026-05-15
    on(D(2026, 5, 26))  # 7 working days overdue: escalated to the leader, then the office
    call_command("enforce", stdout=io.StringIO())
    assert Notification.objects.filter(topic=f"issue:{issue.pk}", recipient=office.leader).exists()
    assert list(issues_visible_to(office.leader)) == [issue]
    client.force_login(office.leader)
    assert client.get(f"/issues/{issue.pk}/").status_code == 200

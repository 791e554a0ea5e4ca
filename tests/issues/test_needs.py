"""A need a platform raises (issues.needs): raised through its standing link or by its cadre,
classified into an issue, and chased by the needs sweep (a reminder, then an escalation, once each)."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

from config.schedules import SCHEDULES
from issues import needs, notices
from issues.models import Issue, IssueEvent, PlatformNeed
from notices.models import Notification
from voice.links import standing_url
from voice.services import standing_link_issue

WEDNESDAY = datetime.date(2026, 6, 10)
FRIDAY = datetime.date(2026, 6, 12)
MONDAY = datetime.date(2026, 6, 15)

NEED = {
    "what": "大型仪器共享平台需要协调电力增容",
    "service_area": "condition_building",
    "urgency": "soon",
    "callback_name": "李老师",
    "callback_phone": "0731-8888 1234",
}


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()  # the links' rate limits count in the cache; the clock stands still in these tests
    yield
    cache.clear()


def _raise(platform, *, source="platform", by=None, **changes):
    return needs.need_raise(platform=platform, source=source, by=by, **{**NEED, **changes})


def _sweep(on, day):
    on(day, hour=9)
    return needs.sweep_needs()


def _need_notices(kind=None):
    rows = Notification.objects.filter(kind__in=[notices.Kind.NEED_REMINDER, notices.Kind.NEED_ESCALATION])
    return rows.filter(kind=kind) if kind else rows


def test_a_need_raised_through_the_link_and_classified_in_time(client, cadre, platform, on):
    on(WEDNESDAY)
    link = standing_link_issue(platform=platform, by=None)
    response = client.post(reverse("voice:standing_need", args=[standing_url(link).split("/")[2]]), NEED)
    assert response.status_code == 200
    need = PlatformNeed.objects.get()
    assert (need.platform, need.source, need.entered_by, need.received_on) == (platform, "platform", None, WEDNESDAY)
    assert need.classify_by == datetime.date(2026, 6, 11)  # one working day: day 1 is the next one

    on(datetime.date(2026, 6, 11))
    client.force_login(cadre.user)
    assert client.get(reverse("issues:need_classify", args=[need.pk])).status_code == 200
    response = client.post(reverse("issues:need_classify", args=[need.pk]), {"issue_class": "B", "title": "电力增容"})
    issue = Issue.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("issues:detail", args=[issue.pk])
    need.refresh_from_db()
    assert need.issue == issue and need.classified_by == cadre.user
    # The platform's clock started when it asked: recorded on the need's day, and counted from it.
    assert (issue.recorded_on, issue.clock_started_on, issue.recorded_by) == (WEDNESDAY, WEDNESDAY, cadre)
    assert issue.description == NEED["what"]
    created = IssueEvent.objects.get(issue=issue, kind=IssueEvent.Kind.CREATED)
    assert created.message == notices.EventMessage.RAISED_AS_NEED
    assert created.message_params["source"] == "platform" and created.message_params["need"] == need.pk
    page = client.get(reverse("issues:detail", args=[issue.pk]))
    assert notices.event_note(created) in page.content.decode()

    # Classified in time: the sweep has nothing to chase, then or later.
    for day in (datetime.date(2026, 6, 11), FRIDAY, MONDAY):
        _sweep(on, day)
    assert not _need_notices().exists()
    # Classified once only.
    again = client.post(reverse("issues:need_classify", args=[need.pk]), {"issue_class": "C", "title": "再次"})
    assert again.status_code == 400 and Issue.objects.count() == 1


def test_an_unclassified_need_is_reminded_then_escalated_once_each(cadre, unit_leader, platform, on):
    on(FRIDAY)
    need = _raise(platform)
    assert need.classify_by == MONDAY  # over the weekend

    assert _sweep(on, FRIDAY).notifications == []
    assert _sweep(on, datetime.date(2026, 6, 13)).ran is False  # Saturday
    _sweep(on, MONDAY)
    _sweep(on, MONDAY)
    reminder = _need_notices().get()
    assert (reminder.kind, reminder.recipient) == (notices.Kind.NEED_REMINDER, cadre.user)
    assert reminder.topic == f"need:{need.pk}"

    for day in (datetime.date(2026, 6, 16), datetime.date(2026, 6, 16), datetime.date(2026, 6, 17)):
        _sweep(on, day)
    escalation = _need_notices(notices.Kind.NEED_ESCALATION).get()
    assert escalation.recipient == unit_leader
    assert _need_notices().count() == 2
    need.refresh_from_db()
    assert need.reminded_at and need.escalated_at and need.issue is None

    # The leader may classify it; the issue is recorded in the name of the cadre serving on its day.
    on(datetime.date(2026, 6, 17))
    issue = needs.need_classify(need=need, by=unit_leader, issue_class="C", title="协调电力增容")
    assert (issue.recorded_on, issue.recorded_by) == (FRIDAY, cadre)
    assert IssueEvent.objects.get(issue=issue, kind="created").message_params["classified_by"]
    _sweep(on, datetime.date(2026, 6, 18))
    assert _need_notices().count() == 2


def test_catching_up_a_missed_classify_by_day_sends_both_once(cadre, unit_leader, platform, on):
    on(WEDNESDAY)
    _raise(platform)
    _sweep(on, FRIDAY)  # the reminder's day (Thursday) was missed
    _sweep(on, FRIDAY)
    assert sorted(_need_notices().values_list("kind", flat=True)) == [
        notices.Kind.NEED_ESCALATION, notices.Kind.NEED_REMINDER
    ]


def test_class_a_is_answered_on_the_spot_today(cadre, platform, on):
    on(WEDNESDAY)
    need = _raise(platform)
    on(FRIDAY)
    issue = needs.need_classify(need=need, by=cadre.user, issue_class="A", title="咨询", answer="已当场答复")
    assert (issue.status, issue.recorded_on, issue.closed_on) == (Issue.Status.RESOLVED, FRIDAY, FRIDAY)


def test_the_classify_page_per_role(client, cadre, unit_leader, other_cadre, other_leader, bureau_user, admin_user,
                                    platform, on):
    on(WEDNESDAY)
    need = _raise(platform)
    url = reverse("issues:need_classify", args=[need.pk])
    assert client.get(url).status_code == 302  # anonymous: to sign in
    for user, status in ((cadre.user, 200), (unit_leader, 200), (bureau_user, 200), (admin_user, 200),
                         (other_cadre.user, 404), (other_leader, 404)):
        client.force_login(user)
        assert client.get(url).status_code == status, user
        assert client.get(reverse("issues:need_list")).status_code == 200
    client.force_login(other_cadre.user)
    assert client.post(url, {"issue_class": "B", "title": "越权"}).status_code == 404
    assert not Issue.objects.exists()


def test_the_list_shows_the_needs_waiting_in_few_queries(client, cadre, platform, on, django_assert_max_num_queries):
    on(WEDNESDAY)
    for n in range(12):
        _raise(platform, what=f"需求{n}")
    client.force_login(cadre.user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("issues:need_list"))
    assert response.content.decode().count('data-testid="need-row"') == 12


def test_a_cadre_enters_a_need_on_the_platforms_behalf(client, cadre, other_cadre, bureau_user, platform, on):
    on(WEDNESDAY)
    url = reverse("issues:need_enter")
    client.force_login(cadre.user)
    assert client.get(f"{url}?platform={platform.pk}").status_code == 200
    response = client.post(url, {**NEED, "platform": platform.pk})
    need = PlatformNeed.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("issues:need_classify", args=[need.pk])
    assert (need.source, need.entered_by) == ("cadre", cadre.user)
    page = client.get(reverse("platforms:detail", args=[platform.pk]))
    assert 'data-testid="platform-need"' in page.content.decode()

    client.force_login(other_cadre.user)  # not this platform's cadre: it is not among their choices
    assert client.post(url, {**NEED, "platform": platform.pk}).status_code == 400
    client.force_login(bureau_user)
    assert client.get(url).status_code == 403
    assert PlatformNeed.objects.count() == 1


@pytest.mark.parametrize("changes, field", [
    ({"what": "  "}, "what"),
    ({"what": "长" * 2001}, "what"),
    ({"callback_phone": "打电话"}, "callback_phone"),
    ({"callback_name": ""}, "callback_name"),
    ({"urgency": "tomorrow"}, "urgency"),
])
def test_a_need_that_says_too_little_or_too_much_is_refused_by_field(platform, on, changes, field):
    on(WEDNESDAY)
    with pytest.raises(needs.ValidationError) as refused:
        _raise(platform, **changes)
    assert field in refused.value.message_dict
    assert not PlatformNeed.objects.exists()


def test_the_sweep_is_scheduled_and_its_setting_is_read(settings, platform, on):
    assert any(schedule.task == "issues.tasks.sweep_needs" for schedule in SCHEDULES)
    settings.PORTAL = {**settings.PORTAL, "NEED_CLASSIFY_WORKING_DAYS": 3}
    on(WEDNESDAY)
    assert _raise(platform).classify_by == MONDAY

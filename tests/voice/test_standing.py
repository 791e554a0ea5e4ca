"""The platform's standing page (/p/<token>/) and its need form: what it shows, what it hides, and
every link it refuses with the plain 4xx page."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from issues.models import IssueEvent, PlatformNeed
from tests.issues.factories import IssueFactory
from tests.liaison.factories import AssignmentFactory
from voice.links import make_token
from voice.services import link_revoke, rating_link_for_closure, standing_link_issue

TODAY = datetime.date(2026, 6, 10)

NEED = {"what": "需要协调实验用地", "service_area": "condition_building", "urgency": "urgent",
        "callback_name": "李老师", "callback_phone": "13900000000"}


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()  # the links' rate limits count in the cache; the clock stands still in these tests
    yield
    cache.clear()


@pytest.fixture
def today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 6, 10, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))),
                         tick=False)


@pytest.fixture
def link(today, platform):
    return standing_link_issue(platform=platform, by=None)


def _page(client, link_or_token, suffix=""):
    token = link_or_token if isinstance(link_or_token, str) else make_token(link_or_token)
    return client.get(f"/p/{token}/{suffix}")


def test_the_page_shows_the_platforms_own_issues_and_nothing_else(client, cadre, platform, link):
    mine = IssueFactory(platform=platform, recorded_by=cadre, title="本平台的问题")
    IssueEvent.objects.create(issue=mine, kind=IssueEvent.Kind.COMMENTED, actor=cadre.user, note="内部意见不可外传")
    others = AssignmentFactory().platform
    IssueFactory(platform=others, title="别的平台的问题")
    PlatformNeed.objects.create(platform=others, what="别的平台的需求", service_area="other", callback_name="赵",
                                callback_phone="13700000000", source="platform", received_at=link.created_at,
                                received_on=TODAY, classify_by=TODAY)

    response = _page(client, link)
    assert response.status_code == 200
    page = response.content.decode()
    assert "本平台的问题" in page and mine.due_date.isoformat() in page
    assert cadre.phone in page  # the responsible cadre's office phone
    for hidden in ("别的平台的问题", "别的平台的需求", "内部意见不可外传", cadre.user.email, platform.contact_phone,
                   others.name):
        assert hidden not in page
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_platform_raises_a_need_and_then_sees_it_waiting(client, cadre, platform, link):
    form = _page(client, link, "need/")
    assert form.status_code == 200
    response = client.post(f"/p/{make_token(link)}/need/", NEED)
    assert response.status_code == 200
    need = PlatformNeed.objects.get()
    assert (need.platform, need.source, need.urgency) == (platform, "platform", "urgent")
    assert 'data-testid="standing-need"' in _page(client, link).content.decode()


@pytest.mark.parametrize("changes, fields", [
    ({key: "" for key in NEED}, {"what", "service_area", "callback_name", "callback_phone"}),
    ({"what": "长" * 2001}, {"what"}),
    ({"callback_phone": "x" * 31}, {"callback_phone"}),
])
def test_an_empty_or_over_long_need_is_refused_with_field_messages(client, link, changes, fields):
    response = client.post(f"/p/{make_token(link)}/need/", {**NEED, **changes})
    assert response.status_code == 400
    assert set(response.context["form"].errors) >= fields
    assert not PlatformNeed.objects.exists()


def test_refused_links_answer_the_plain_page(client, cadre, platform, link, time_machine):
    token = make_token(link)
    issue = IssueFactory(platform=platform, recorded_by=cadre, status="resolved", issue_class="B",
                         resolved_on=TODAY, closed_on=TODAY, closure_kind="resolved", on_time=True)
    rating_token = make_token(rating_link_for_closure(issue=issue))
    other = standing_link_issue(platform=AssignmentFactory().platform, by=None)
    cases = {
        "nonsense": ("not-a-token", 400),
        "tampered": (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), 400),
        "a rating link": (rating_token, 400),
    }
    for name, (bad, status) in cases.items():
        for suffix in ("", "need/"):
            response = _page(client, bad, suffix)
            assert response.status_code == status, name
            assert "voice/refused.html" in [t.name for t in response.templates]
    # Another platform's link opens that platform only.
    assert platform.name not in _page(client, other).content.decode()

    reissued = standing_link_issue(platform=platform, by=None)  # the old link is revoked
    assert _page(client, token).status_code == 410
    assert client.post(f"/p/{token}/need/", NEED).status_code == 410
    assert _page(client, reissued).status_code == 200
    link_revoke(link=reissued, by=None)
    assert _page(client, reissued).status_code == 410

    fresh = standing_link_issue(platform=platform, by=None)
    time_machine.move_to(fresh.expires_at + datetime.timedelta(minutes=1), tick=False)
    assert _page(client, fresh).status_code == 410
    assert not PlatformNeed.objects.exists()


def test_the_pages_query_count_does_not_grow_with_the_issues(client, cadre, platform, link):
    def count():
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert _page(client, link).status_code == 200
        return len(queries)

    IssueFactory(platform=platform, recorded_by=cadre)
    few = count()
    for _n in range(15):
        IssueFactory(platform=platform, recorded_by=cadre)
        PlatformNeed.objects.create(platform=platform, what="需求", service_area="other", callback_name="赵",
                                    callback_phone="13700000000", source="platform", received_at=link.created_at,
                                    received_on=TODAY, classify_by=TODAY)
    assert count() == few

"""A platform's links refused: expired, used, tampered, revoked, of another kind or platform, or
tried too often; always a plain 4xx page, never a 500, saying nothing of other links. The
standing link on the platform page and from ``manage.py platform_link``."""

import datetime
import io

import pytest
from django.core import signing
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from issues import services as issue_services
from tests.issues.conftest import *  # noqa: F403 - people, units, issues, moving the clock
from tests.issues.factories import IssueFactory
from tests.liaison.factories import AssignmentFactory
from tests.voice.factories import PlatformLinkFactory
from voice import links
from voice.models import PlatformLink

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 5, 6)


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()


@pytest.fixture
def rating_path(make_issue, cadre, on):
    issue = make_issue("B")
    on(TODAY)
    issue_services.issue_resolve(issue=issue, by=cadre.user, resolution="已解决")
    return links.rating_url(PlatformLink.objects.get(issue=issue))


def refused(response, status):
    assert response.status_code == status
    text = response.content.decode()
    assert "<form" not in text and "已解决" not in text
    return text


def test_tampered_unknown_and_wrong_kind_tokens_are_refused_alike(rating_path, platform):
    token = rating_path.split("/")[-2]
    outsider = Client()
    tampered = refused(outsider.get(rating_path.replace(token, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))), 400)
    forged = signing.Signer(salt="not-ours").sign_object(["r", 10**9, "x"])
    never_existed = signing.Signer(salt=links.SALT).sign_object(["r", 10**9, "nonce"])
    assert refused(outsider.get(f"/p/r/{forged}/"), 400) == tampered
    assert refused(outsider.get(f"/p/r/{never_existed}/"), 400) == tampered
    assert refused(outsider.get("/p/r/garbage/"), 400) == tampered
    # A genuine standing link's token does not open the rating page.
    standing = links.make_token(PlatformLinkFactory(platform=platform))
    assert refused(outsider.get(f"/p/r/{standing}/"), 400) == tampered


def test_an_expired_or_revoked_link_answers_410(rating_path, on, client, cadre, other_cadre):
    outsider = Client()
    assert outsider.get(rating_path).status_code == 200
    on(TODAY + datetime.timedelta(days=31))
    refused(outsider.get(rating_path), 410)
    refused(outsider.post(rating_path, {"rating": "5"}), 410)

    on(TODAY)
    link = PlatformLink.objects.get()
    client.force_login(other_cadre.user)
    assert client.post(reverse("platform_links:revoke", args=[link.pk])).status_code in (403, 404)
    assert outsider.get(rating_path).status_code == 200
    client.force_login(cadre.user)
    assert client.post(reverse("platform_links:revoke", args=[link.pk])).status_code == 302
    refused(outsider.get(rating_path), 410)


def test_a_rating_link_shows_its_own_issue_only(rating_path, platform, cadre):
    other_platform_issue = IssueFactory(title="别的平台的问题", recorded_by=cadre)
    same_platform_issue = IssueFactory(title="同平台另一问题", platform=platform, recorded_by=cadre)
    text = Client().get(rating_path).content.decode()
    assert other_platform_issue.title not in text and same_platform_issue.title not in text
    assert cadre.phone not in text and cadre.user.email not in text


def test_too_many_tries_from_one_address_or_on_one_link_answer_429(rating_path, settings):
    settings.PORTAL = {**settings.PORTAL, "LINK_RATE_PER_ADDRESS": "3/m", "LINK_RATE_PER_LINK": "5/m"}
    outsider = Client(REMOTE_ADDR="10.0.0.1")
    assert [outsider.get(rating_path).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert outsider.get("/p/r/garbage/").status_code == 429  # the address is limited, whatever the token
    # From other addresses, the link itself runs out (it had 3 of its 5 already).
    assert [Client(REMOTE_ADDR=f"10.0.1.{n}").get(rating_path).status_code for n in range(3)] == [200, 200, 429]


def test_the_standing_link_on_the_platform_page(client, cadre, other_cadre, admin_user, platform,
                                                django_assert_num_queries):
    page = reverse("platforms:detail", args=[platform.pk])
    client.force_login(cadre.user)
    assert client.post(reverse("platform_links:standing_issue", args=[platform.pk])).status_code == 302
    first = PlatformLink.objects.get(platform=platform)
    assert links.standing_url(first) in client.get(page).content.decode()

    # Reissued (by an admin too): the old one is revoked, one stays live.
    client.force_login(admin_user)
    assert client.post(reverse("platform_links:standing_issue", args=[platform.pk])).status_code == 302
    first.refresh_from_db()
    assert first.revoked_at is not None and first.revoked_by == admin_user
    live = PlatformLink.objects.get(platform=platform, revoked_at=None)

    # Another unit's cadre: neither the section nor the actions.
    client.force_login(other_cadre.user)
    assert client.post(reverse("platform_links:standing_issue", args=[platform.pk])).status_code in (403, 404)
    assert client.post(reverse("platform_links:revoke", args=[live.pk])).status_code in (403, 404)
    AssignmentFactory(cadre=other_cadre)
    assert PlatformLink.objects.filter(platform=platform, revoked_at=None).get() == live

    # The page's queries do not grow with the platform's past links.
    client.force_login(cadre.user)
    client.get(page)
    with CaptureQueriesContext(connection) as before:
        assert client.get(page).status_code == 200
    queries = len(before.captured_queries)
    assert queries > 5
    for _ in range(4):
        client.post(reverse("platform_links:standing_issue", args=[platform.pk]))
    with django_assert_num_queries(queries):
        assert 'id="standing-link"' in client.get(page).content.decode()


def test_the_command_prints_the_standing_link_and_revokes_it(platform):
    def run(*args) -> str:
        out = io.StringIO()
        call_command("platform_link", str(platform.pk), *args, stdout=out)
        return out.getvalue().strip()

    url = run()
    link = PlatformLink.objects.get(platform=platform)
    assert url.endswith(links.standing_url(link)) and url.startswith("http")
    assert link.expires_at.date() >= timezone.localdate() + datetime.timedelta(days=364)
    assert run() == url  # the live one, not a new one
    run("--revoke")
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert run() != url and PlatformLink.objects.filter(platform=platform, revoked_at=None).count() == 1

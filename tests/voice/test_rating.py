"""A platform rates a closure through its own link: e-mailed once when the issue closes, shown as a
QR code on the issue's page, used up by the rating; a low rating reopens the issue and tells the
cadre and their unit leader."""

import datetime
import re
import socket

import pytest
import zxingcpp
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from PIL import Image

from evaluation import periods
from evaluation.figures import scoreboard
from issues.models import Issue, IssueEvent
from notices import tasks
from notices.models import Notification
from tests.issues.conftest import *  # noqa: F403 - people, units, issues, moving the clock
from voice.models import PlatformLink

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 5, 6)
CONTACT = "lab-office@example.edu.cn"


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()  # the rate limits count in the cache


@pytest.fixture
def issue(make_issue, platform, on):
    platform.contact_email = CONTACT
    platform.save(update_fields=["contact_email"])
    issue = make_issue("B")
    on(TODAY)
    return issue


@pytest.fixture
def signed_in(client, cadre):
    client.force_login(cadre.user)
    return client


def act(client, name, issue, data):
    response = client.post(reverse(f"issues:{name}", args=[issue.pk]), {f"{name}-{k}": v for k, v in data.items()})
    assert response.status_code == 302, response.content.decode()[:500]


def rating_link_in(message) -> str:
    [path] = re.findall(r"https?://\S+(/p/r/\S+/)", message.body)
    return path


def deliver() -> int:
    return tasks.deliver_pending_notifications.apply().get()["sent"]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_resolution_is_rated_4_by_the_platform_through_the_link_it_was_emailed(signed_in, issue, on, settings):
    act(signed_in, "resolve", issue, {"resolution": "已协调新用房"})
    link = PlatformLink.objects.get(issue=issue)
    assert (link.kind, link.closure, link.platform_id, link.used_at) == ("rating", 1, issue.platform_id, None)

    # The mail server is down: the e-mail waits, and goes out once when it is back.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 2
    assert deliver() == 0
    outside = Notification.objects.get(address=CONTACT)
    assert (outside.recipient_id, outside.email_status, outside.attempts) == (None, "pending", 1)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    on(datetime.datetime.combine(TODAY, datetime.time(11, 0), tzinfo=datetime.UTC))
    assert deliver() == 1
    assert deliver() == 0
    [message] = [m for m in mail.outbox if m.to == [CONTACT]]
    path = rating_link_in(message)
    assert issue.title in message.body and "/issues/" not in message.body

    outsider = Client()
    page = outsider.get(path)
    assert page.status_code == 200
    text = page.content.decode()
    assert issue.title in text and "已协调新用房" in text and issue.platform.contact_phone not in text

    assert outsider.post(path, {"rating": "4", "comment": ""}).status_code == 200
    issue.refresh_from_db()
    assert (issue.status, issue.rating) == ("resolved", 4)
    rated = IssueEvent.objects.get(issue=issue, kind="rated")
    assert (rated.actor_id, rated.after["source"], rated.after["link"]) == (None, "platform", link.pk)
    link.refresh_from_db()
    assert link.used_at is not None

    # The evaluation counts it as coming from the platform directly.
    counts = scoreboard(periods.month(TODAY), today=TODAY).cadres[0].counts
    assert (counts["ratings_from_platform"], counts["ratings_on_behalf"]) == (1, 0)

    # Used up: the link answers 410, and the cadre's page no longer offers it.
    assert outsider.get(path).status_code == 410
    assert outsider.post(path, {"rating": "5"}).status_code == 410
    assert 'id="rating-link"' not in signed_in.get(reverse("issues:detail", args=[issue.pk])).content.decode()
    assert Issue.objects.get(pk=issue.pk).rating == 4


def test_a_rating_of_2_reopens_the_issue_and_tells_the_cadre_and_leader_once_and_the_next_closure_gets_a_new_link(
    signed_in, issue, cadre, unit, on
):
    act(signed_in, "determine_solution", issue, {"solution": "改造二号楼"})
    first = PlatformLink.objects.get(issue=issue)
    from voice.links import rating_url

    path = rating_url(first)
    outsider = Client()
    # 1 or 2 needs a comment: refused with the form again, nothing recorded.
    assert outsider.post(path, {"rating": "2", "comment": ""}).status_code == 400
    assert outsider.post(path, {"rating": "9", "comment": "x"}).status_code == 400
    assert Issue.objects.get(pk=issue.pk).rating is None

    assert outsider.post(path, {"rating": "2", "comment": "方案不可行"}).status_code == 200
    issue.refresh_from_db()
    assert (issue.status, issue.reopen_count, issue.rating) == ("open", 1, None)
    told = Notification.objects.filter(kind="voice_low_rating")
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted([cadre.user_id, unit.leader_id])
    assert outsider.post(path, {"rating": "2", "comment": "方案不可行"}).status_code == 410
    assert told.count() == 2

    # The second closure gets a link of its own; the first stays used up.
    act(signed_in, "resolve", issue, {"resolution": "已搬入新楼"})
    second = PlatformLink.objects.get(issue=issue, closure=2)
    assert second.pk != first.pk and PlatformLink.objects.get(pk=first.pk).used_at is not None
    assert outsider.get(path).status_code == 410
    assert outsider.get(rating_url(second)).status_code == 200
    assert Notification.objects.filter(kind="voice_rating_link").count() == 2


def _qr_image(svg: str) -> Image.Image:
    """The modules of segno's inline SVG (one path of horizontal strokes) drawn as a picture."""
    size = int(re.search(r'd="M0 0h(\d+)v', svg)[1])
    strokes = re.search(r'class="qrline"[^>]* d="([^"]+)"', svg)[1]
    image = Image.new("L", (size, size), 255)
    x = y = 0.0
    for command, dx, dy in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", strokes):
        if command == "M":
            x, y = float(dx), float(dy)
        elif command == "m":
            x, y = x + float(dx), y + float(dy)
        else:
            for column in range(int(x), int(x + float(dx))):
                image.putpixel((column, int(y)), 0)
            x += float(dx)
    return image.resize((size * 8, size * 8), Image.NEAREST)


def test_the_cadre_shows_the_rating_link_as_a_qr_code_that_decodes_to_it_and_may_reissue_it(
    signed_in, issue, other_cadre, client
):
    act(signed_in, "resolve", issue, {"resolution": "已解决"})
    page = signed_in.get(reverse("issues:detail", args=[issue.pk])).content.decode()
    section = page[page.index('id="rating-link"'):]
    url = re.search(r'<a href="([^"]+/p/r/[^"]+)"', section)[1]
    # The texts read, not the symbols: the reader may report one QR code twice (seen once in CI).
    decoded = zxingcpp.read_barcodes(_qr_image(re.search(r"<svg.*?</svg>", section, re.S)[0]),
                                     formats=zxingcpp.BarcodeFormat.QRCode)
    assert {symbol.text for symbol in decoded} == {url}

    # Reissued: the old link stops working, the new one works.
    old = url[url.index("/p/"):]
    assert signed_in.post(reverse("platform_links:rating_issue", args=[issue.pk])).status_code == 302
    assert Client().get(old).status_code == 400
    page = signed_in.get(reverse("issues:detail", args=[issue.pk])).content.decode()
    new = re.search(r'<a href="[^"]+(/p/r/[^"]+)"', page)[1]
    assert new != old and Client().get(new).status_code == 200

    # Another unit's cadre may neither see nor reissue it.
    client.force_login(other_cadre.user)
    assert client.post(reverse("platform_links:rating_issue", args=[issue.pk])).status_code in (403, 404)

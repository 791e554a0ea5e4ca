"""The inbox page and the unread badge in every page's header."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from issues import enforcement
from notices.models import Notification
from issues.notices import notification_text
from notices.services import Notice, notices_send
from tests.liaison.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def notify(user, n, *, issue=None, read=False, day=1):
    at = datetime.datetime(2026, 5, day, 9, n % 60, tzinfo=SHANGHAI)
    return Notification.objects.create(
        recipient=user,
        kind="issue_reminder",
        key=f"test:{user.pk}:{n}:{day}",
        subject=f"提醒{n}",
        body=f"问题即将到期 {n}",
        topic=f"issue:{issue.pk}" if issue else "",
        created_at=at,
        read_at=at if read else None,
    )


def ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-notification-id="(\d+)"', response.content.decode())]


def test_inbox_newest_first_unread_bold_and_only_ones_own(client, cadre, other_cadre, make_issue):
    issue = make_issue("B")
    old = notify(cadre.user, 1, read=True, day=1)
    new = notify(cadre.user, 2, issue=issue, day=3)
    middle = notify(cadre.user, 3, day=2)
    notify(other_cadre.user, 4)
    client.force_login(cadre.user)
    response = client.get(reverse("notices:inbox"))
    assert response.status_code == 200
    assert ids(response) == [new.pk, middle.pk, old.pk]
    page = response.content.decode()
    unread = re.findall(r'data-notification-id="(\d+)" data-unread="(true|false)"', page)
    assert unread == [(str(new.pk), "true"), (str(middle.pk), "true"), (str(old.pk), "false")]
    assert '<span class="fw-bold notification-subject">' in page
    assert page.count('class="fw-bold notification-subject"') == 2
    assert f'value="{reverse("issues:detail", args=[issue.pk])}"' in page
    assert ids(client.get(reverse("notices:inbox"), {"unread": "1"})) == [new.pk, middle.pk]


def test_mark_one_read_and_go_to_the_issue(client, cadre, make_issue):
    issue = make_issue("B")
    note = notify(cadre.user, 1, issue=issue)
    client.force_login(cadre.user)
    response = client.post(
        reverse("notices:inbox_mark_read", args=[note.pk]), {"next": reverse("issues:detail", args=[issue.pk])}
    )
    assert response.status_code == 302 and response["Location"] == reverse("issues:detail", args=[issue.pk])
    assert Notification.objects.get(pk=note.pk).read_at is not None


def test_mark_read_does_not_redirect_off_site(client, cadre):
    note = notify(cadre.user, 1)
    client.force_login(cadre.user)
    response = client.post(reverse("notices:inbox_mark_read", args=[note.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("notices:inbox")


def test_someone_elses_notification_is_404(client, cadre, other_cadre):
    note = notify(other_cadre.user, 1)
    client.force_login(cadre.user)
    assert client.post(reverse("notices:inbox_mark_read", args=[note.pk])).status_code == 404
    assert Notification.objects.get(pk=note.pk).read_at is None


def test_mark_all_read(client, cadre, other_cadre):
    for n in range(3):
        notify(cadre.user, n)
    theirs = notify(other_cadre.user, 9)
    client.force_login(cadre.user)
    response = client.post(reverse("notices:inbox_mark_all_read"))
    assert response["Location"] == reverse("notices:inbox")
    assert not Notification.objects.filter(recipient=cadre.user, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert "3 notifications marked read." in client.get(reverse("notices:inbox")).content.decode()


def test_inbox_access(client, cadre):
    note = notify(cadre.user, 1)
    for url in (reverse("notices:inbox"),):
        assert client.get(url)["Location"].startswith(reverse("login"))
    assert client.post(reverse("notices:inbox_mark_read", args=[note.pk]))["Location"].startswith(reverse("login"))
    assert client.post(reverse("notices:inbox_mark_all_read"))["Location"].startswith(reverse("login"))
    client.force_login(cadre.user)
    assert client.get(reverse("notices:inbox_mark_all_read")).status_code == 405
    assert client.get(reverse("notices:inbox_mark_read", args=[note.pk])).status_code == 405
    assert Notification.objects.get(pk=note.pk).read_at is None


def test_header_badge_counts_unread_on_every_page(client, cadre):
    client.force_login(cadre.user)
    page = client.get(reverse("issues:list")).content.decode()
    assert 'id="inbox-badge" data-unread="0"' in page and 'id="unread-count"' not in page
    notify(cadre.user, 1)
    notify(cadre.user, 2)
    notify(cadre.user, 3, read=True)
    for url in (reverse("issues:list"), reverse("issues:create"), reverse("notices:inbox")):
        page = client.get(url).content.decode()
        assert 'id="inbox-badge" data-unread="2"' in page, url
        assert re.search(r'id="unread-count"[^>]*>2<', page), url


def test_header_badge_costs_one_query_and_none_when_signed_out(client, cadre):
    for n in range(5):
        notify(cadre.user, n)
    client.force_login(cadre.user)
    url = reverse("issues:list")
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    assert len([q for q in queries if "issues_notification" in q["sql"]]) == 1

    client.logout()
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("login"))
    assert not [q for q in queries if "issues_notification" in q["sql"]]


def test_inbox_query_count_does_not_grow(client, cadre, make_issue):
    issue = make_issue("B")
    client.force_login(cadre.user)
    for n in range(3):
        notify(cadre.user, n, issue=issue)
    client.get(reverse("notices:inbox"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("notices:inbox"))
    for n in range(3, 30):
        notify(cadre.user, n, issue=issue if n % 2 else None)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("notices:inbox"))
    assert len(many) == len(few)


def test_user_without_a_role_has_an_empty_inbox(client):
    client.force_login(UserFactory(username="nobody"))
    response = client.get(reverse("notices:inbox"))
    assert response.status_code == 200
    assert 'id="inbox-empty"' in response.content.decode()


# --- in the reader's language --------------------------------------------------------------------


def test_a_notice_written_in_chinese_reads_in_english_for_a_reader_who_chose_english(client, make_issue, cadre, on):
    issue = make_issue("B", datetime.date(2026, 4, 29))  # due on Friday 2026-05-15
    on(datetime.date(2026, 5, 15), 9)
    enforcement.sweep_deadlines()  # the sweeps write in the portal's default language, Chinese
    stored = Notification.objects.get(topic=f"issue:{issue.pk}")
    assert stored.subject == f"【提醒】问题今日到期：#{issue.pk} 实验室用房紧张"

    client.force_login(cadre.user)
    page = client.get(reverse("notices:inbox")).content.decode()

    assert f"Due today: issue #{issue.pk} 实验室用房紧张" in page
    assert "It is due today, 2026-05-15." in page
    assert "问题今日到期" not in page and "截止日期为今天" not in page


def test_a_notice_written_in_english_reads_in_chinese_for_a_reader_of_the_default_language(make_issue, cadre):
    issue = make_issue("B", datetime.date(2026, 4, 29))
    params = {"id": issue.pk, "title": issue.title, "platform": issue.platform.name, "class": "B",
              "due": "2026-05-15", "days": 0}
    with translation.override("en"):
        subject, body = notification_text("issue_reminder", params)
        notices_send([Notice(key="reminder:en", kind="issue_reminder",
                             recipient_id=cadre.user.pk, subject=subject, body=body, params=params,
                             topic=f"issue:{issue.pk}")], now=timezone.now())

    chinese = Client()  # no language cookie: the portal's default, Chinese
    chinese.force_login(cadre.user)
    page = chinese.get(reverse("notices:inbox")).content.decode()

    assert f"【提醒】问题今日到期：#{issue.pk} 实验室用房紧张" in page and "截止日期为今天（2026-05-15）。" in page
    assert "Due today" not in page


def test_an_older_notice_without_params_shows_the_text_it_was_stored_with(client, cadre):
    notify(cadre.user, 1)
    client.force_login(cadre.user)
    page = client.get(reverse("notices:inbox")).content.decode()
    assert "提醒1" in page and "问题即将到期 1" in page


def test_a_contact_duty_notice_opens_its_platform(client, cadre, platform):
    """Regression (found by the journey test): a notice about a platform (a contact duty) had no link
    at all; the cadre could not get from the reminder to the platform it names."""
    note = Notification.objects.create(
        recipient=cadre.user, kind="quarter_contact", key=f"test:duty:{platform.pk}",
        subject="本季度尚未联系", body="请联系平台", topic=f"platform:{platform.pk}",
    )
    client.force_login(cadre.user)
    page = client.get(reverse("notices:inbox")).content.decode()
    target = reverse("platforms:detail", args=[platform.pk])
    assert f'name="next" value="{target}"' in page and 'data-testid="open-platform"' in page
    response = client.post(reverse("notices:inbox_mark_read", args=[note.pk]), {"next": target}, follow=True)
    assert response.status_code == 200 and response.redirect_chain[-1][0] == target
    assert Notification.objects.get(pk=note.pk).read_at is not None


def test_a_notice_about_a_platform_that_moved_away_offers_no_dead_link(client, cadre, colleague, platform, on):
    """Regression (found by the journey test): after a transfer the old cadre's notices linked to a
    platform they may no longer open (404); the inbox now says so instead of linking."""
    from liaison.services import assignment_transfer

    Notification.objects.create(
        recipient=cadre.user, kind="quarter_contact", key=f"test:moved:{platform.pk}",
        subject="本季度尚未联系", body="请联系平台", topic=f"platform:{platform.pk}",
    )
    on(datetime.date(2026, 5, 6))
    assignment_transfer(platform=platform, to_cadre=colleague, reason="工作调整")
    client.force_login(cadre.user)
    page = client.get(reverse("notices:inbox")).content.decode()
    assert 'data-testid="open-platform"' not in page
    assert "You no longer serve this platform." in page

"""The inbox and e-mail delivery, through the notices room's services, its delivery task and the admin, then the database.

E-mail goes to Django's test outbox here; tests/notices/test_delivery.py sends through a real SMTP
server and a real Celery worker.
"""

import datetime
import itertools
import threading

import pytest
from celery.signals import task_prerun
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from issues import enforcement
from notices import delivery, selectors, tasks
from notices import services as notice_services
from notices.models import Notification, NotificationPreference
from notices.delivery import MAX_EMAIL_ATTEMPTS
from notices.services import Notice, notices_send
from tests.helpers import carried, emailed_keys
from tests.issues.conftest import shanghai
from tests.issues.factories import IssueFactory
from tests.liaison.factories import UserFactory

D = datetime.date

# Tasks enqueued after a commit run in this process (see tests/issues/conftest.py).
pytestmark = pytest.mark.usefixtures("eager_celery")


def notify(user, n=1, *, key="test", at=None, **fields):
    """Write ``n`` notifications to ``user`` through the same door the sweeps use."""
    outgoing = [
        Notice(key=f"{key}:{i}:user:{user.pk}", kind="issue_reminder", recipient_id=user.pk, params={},
               subject=f"提醒 {i}", body=f"正文 {i}", **fields)
        for i in range(n)
    ]
    return notices_send(outgoing, now=at or timezone.now())


# --- the inbox -----------------------------------------------------------------------------------


def test_the_inbox_is_the_users_own_newest_first_and_counts_the_unread(cadre, other_cadre, on):
    on(D(2026, 5, 12), 9)
    older = notify(cadre.user, key="older")[0]
    on(D(2026, 5, 14), 9)
    newer = notify(cadre.user, 2, key="newer")
    notify(other_cadre.user, key="theirs")

    inbox = list(selectors.inbox_for(cadre.user))

    assert inbox == [newer[1], newer[0], older]
    assert selectors.unread_count(cadre.user) == 3
    assert selectors.unread_count(other_cadre.user) == 1


def test_the_inbox_names_and_links_what_each_notification_is_about_in_queries_that_do_not_grow(
    cadre, platform, django_assert_max_num_queries
):
    from django.urls import reverse

    def read_inbox(expected_queries: int) -> list:
        # The page, then per topic (issue, platform) the names and which the reader may open (and
        # the reader's roles, once).
        with django_assert_max_num_queries(expected_queries):
            return selectors.with_links(cadre.user, selectors.with_texts(selectors.inbox_for(cadre.user)))

    issues = []
    for _ in range(2):
        issues.append(IssueFactory(platform=platform, recorded_by=cadre))
        notify(cadre.user, key=f"issue{issues[-1].pk}", topic=f"issue:{issues[-1].pk}")
    notify(cadre.user, key="platform", topic=f"platform:{platform.pk}")
    few = read_inbox(8)
    for _ in range(3):
        issues.append(IssueFactory(platform=platform, recorded_by=cadre))
        notify(cadre.user, key=f"issue{issues[-1].pk}", topic=f"issue:{issues[-1].pk}")
    rows = read_inbox(8)

    assert len(few) == 3 and len(rows) == 6
    assert {n.about for n in rows} == {issue.title for issue in issues} | {platform.name}
    assert {n.link for n in rows} == {reverse("issues:detail", args=[i.pk]) for i in issues} | {
        reverse("platforms:detail", args=[platform.pk])}
    assert {n.open_label for n in rows} == {"Open the issue", "Open the platform"}


def test_anonymous_visitors_have_an_empty_inbox(db):
    from django.contrib.auth.models import AnonymousUser

    assert list(selectors.inbox_for(AnonymousUser())) == []
    assert selectors.unread_count(AnonymousUser()) == 0


def test_mark_read_keeps_the_first_reading_time_and_only_the_recipient_may(cadre, other_cadre, on):
    on(D(2026, 5, 12), 9)
    notification = notify(cadre.user)[0]
    on(D(2026, 5, 12), 10)
    read = notice_services.notification_mark_read(notification=notification, by=cadre.user)
    on(D(2026, 5, 13), 10)
    again = notice_services.notification_mark_read(notification=notification, by=cadre.user)
    assert read.read_at == again.read_at == shanghai(2026, 5, 12, 10)
    assert selectors.unread_count(cadre.user) == 0

    with pytest.raises(PermissionDenied):
        notice_services.notification_mark_read(notification=notify(cadre.user, key="x")[0], by=other_cadre.user)
    assert selectors.unread_count(cadre.user) == 1


def test_mark_all_read_marks_only_the_users_own(cadre, other_cadre):
    notify(cadre.user, 3)
    notify(other_cadre.user, 2)
    assert notice_services.notifications_mark_all_read(by=cadre.user) == 3
    assert notice_services.notifications_mark_all_read(by=cadre.user) == 0
    assert selectors.unread_count(cadre.user) == 0
    assert selectors.unread_count(other_cadre.user) == 2


def test_a_taken_key_is_not_written_again(cadre):
    assert len(notify(cadre.user, 2)) == 2
    assert len(notify(cadre.user, 3)) == 1  # keys 0 and 1 exist: only 2 is new
    assert Notification.objects.count() == 3


# --- e-mail delivery ---------------------------------------------------------------------------------


def test_the_delivery_task_emails_each_pending_notification_once(cadre, other_cadre):
    written = notify(cadre.user, 2) + notify(other_cadre.user)

    result = tasks.deliver_pending_notifications.apply().get()
    again = tasks.deliver_pending_notifications.apply().get()

    assert result == {"sent": 3, "skipped": 0, "failed": 0}
    assert again == {"sent": 0, "skipped": 0, "failed": 0}
    # One e-mail for each recipient: the cadre's two notices share one, the other's goes as it is.
    letters = {m.to[0]: m for m in mail.outbox}
    assert len(mail.outbox) == 2 and set(letters) == {cadre.user.email, other_cadre.user.email}
    assert carried(letters[cadre.user.email]) == [written[0].key, written[1].key]
    assert carried(letters[other_cadre.user.email]) == [written[2].key]
    assert letters[other_cadre.user.email].subject == written[2].subject
    for notification in Notification.objects.all():
        assert notification.email_status == "sent" and notification.emailed_at is not None
        assert notification.attempts == 1


def test_a_users_notices_of_one_delivery_share_one_email_that_lists_each_with_its_link(cadre, platform, settings):
    settings.PORTAL_SITE_URL = "https://portal.example.gov.cn"
    issue = IssueFactory(platform=platform, recorded_by=cadre)
    about_the_issue = notify(cadre.user, 2, topic=f"issue:{issue.pk}")
    about_nothing = notify(cadre.user, key="plain")

    assert len(delivery.deliver_pending().sent) == 3

    (letter,) = mail.outbox
    assert letter.to == [cadre.user.email]
    assert letter.subject == "联点服务系统：3条通知"
    assert carried(letter) == [n.key for n in about_the_issue + about_nothing]
    body = letter.body
    assert body.startswith("您有3条新通知：")
    # Numbered, each with its subject, its text and its link; the inbox's address at the end.
    positions = [body.index(f"{number}. 提醒 {i}\n正文 {i}\n") for number, i in ((1, 0), (2, 1), (3, 0))]
    assert positions == sorted(positions)
    assert body.count(f"https://portal.example.gov.cn/issues/{issue.pk}/") == 2
    assert body.rstrip().endswith("https://portal.example.gov.cn/issues/inbox/")
    # The Message-ID is the letter's, made of the keys it carries: a resend carries the same one.
    assert letter.extra_headers["Message-ID"] == delivery.message_id(about_the_issue + about_nothing)
    assert delivery.message_id(about_the_issue + about_nothing) == delivery.message_id(
        list(reversed(about_the_issue + about_nothing)))
    assert delivery.message_id(about_the_issue) != delivery.message_id(about_the_issue[:1])


def test_a_letter_is_in_its_recipients_language(other_cadre):
    NotificationPreference.objects.create(user=other_cadre.user, language="en")
    notify(other_cadre.user, 2)

    delivery.deliver_pending()

    (letter,) = mail.outbox
    assert letter.subject == "Liaison portal: 2 notices"
    assert letter.body.startswith("You have 2 new notices:")
    assert "All your notices:" in letter.body


def test_notices_to_an_outside_address_or_with_files_go_each_alone(cadre):
    outside = notices_send([
        Notice(key=f"outside:{i}", kind="issue_reminder", recipient_id=None, address="contact@platform.example.cn",
               params={}, subject=f"评价 {i}", body=f"链接 {i}")
        for i in range(2)
    ])
    with_files = notify(cadre.user, 2, key="report", topic="report:1")  # a dispatch report's topic carries its workbook
    plain = notify(cadre.user, 2, key="plain")

    assert len(delivery.deliver_pending().sent) == 6

    assert sorted(carried(m) for m in mail.outbox) == sorted(
        [[n.key] for n in outside + with_files] + [[n.key for n in plain]])
    assert {m.subject for m in mail.outbox if m.to == ["contact@platform.example.cn"]} == {"评价 0", "评价 1"}


def test_a_key_with_a_space_is_refused_before_anything_is_written(cadre):
    with pytest.raises(ValueError, match="one word"):
        notices_send([Notice(key="two words", kind="issue_reminder", recipient_id=cadre.user.pk, params={})])
    assert not Notification.objects.exists()


def test_the_tasks_a_commit_enqueues_carry_each_recipients_notices_together(cadre, other_cadre,
                                                                             django_capture_on_commit_callbacks):
    tasks_run = []

    def record(sender=None, kwargs=None, **_):
        if sender.name == delivery.DELIVER_TASK:
            tasks_run.append(kwargs["notification_ids"])

    # Written interleaved, as a sweep writes them issue by issue: the cadre's, the other's, ...
    # More than one task's worth, so that the commit enqueues two.
    per_user = delivery.ENQUEUE_CHUNK * 3 // 5
    outgoing = [Notice(key=f"sweep:{i}:user:{user.pk}", kind="issue_reminder", recipient_id=user.pk, params={},
                       subject="提醒", body="正文")
                for i in range(per_user) for user in (cadre.user, other_cadre.user)]
    task_prerun.connect(record, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            written = notices_send(outgoing)
    finally:
        task_prerun.disconnect(record)

    # The tasks carry the cadre's notices, then the other's, each in the order written.
    mine = [n.pk for n in written if n.recipient_id == cadre.user.pk]
    theirs = [n.pk for n in written if n.recipient_id == other_cadre.user.pk]
    assert [len(ids) for ids in tasks_run] == [delivery.ENQUEUE_CHUNK, 2 * per_user - delivery.ENQUEUE_CHUNK]
    assert [pk for ids in tasks_run for pk in ids] == sorted(mine) + sorted(theirs)
    assert sorted(emailed_keys(mail.outbox)) == sorted(n.key for n in written)


def test_the_task_for_given_ids_sends_only_those(cadre):
    first, second = notify(cadre.user, 2)
    assert tasks.deliver_notifications.apply(kwargs={"notification_ids": [second.pk]}).get()["sent"] == 1
    assert [m.subject for m in mail.outbox] == [second.subject]
    first.refresh_from_db()
    assert first.email_status == "pending"


def test_a_user_without_an_email_address_is_skipped_and_it_is_recorded(cadre):
    nobody = UserFactory(email="")
    skipped = notify(nobody)[0]
    result = delivery.deliver_pending()
    assert result.skipped == [skipped.pk] and mail.outbox == []
    skipped.refresh_from_db()
    assert skipped.email_status == "skipped" and skipped.emailed_at is None
    assert "no e-mail address" in skipped.last_error
    assert list(selectors.inbox_for(nobody)) == [skipped]
    assert delivery.deliver_pending().skipped == []


def test_a_mail_server_that_is_down_is_retried_with_backoff_and_then_given_up(cadre, other_cadre, settings, on):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _closed_port(), 2
    on(D(2026, 5, 15), 9)
    # Two recipients, so two e-mails (one recipient's notices would share one).
    (first,), (second,) = notify(cadre.user), notify(other_cadre.user)

    result = delivery.deliver_pending()

    # The server is down: the run stops at the first failure instead of timing out on each row.
    assert result.server_down and result.failed == [first.pk]
    first.refresh_from_db()
    assert (first.email_status, first.attempts) == ("pending", 1)
    assert "Connection" in first.last_error or "refused" in first.last_error
    assert first.next_attempt_at == shanghai(2026, 5, 15, 9, 1)
    # Not retried before its time.
    assert delivery.deliver_pending().failed == [second.pk]
    assert delivery.deliver_pending().failed == []

    # Each failure waits twice as long (1, 2, 4 ... minutes, at most 2 hours); then it is given up.
    attempts_at = []
    while (pending := Notification.objects.filter(pk=first.pk, email_status="pending").first()) is not None:
        attempts_at.append(pending.next_attempt_at)
        on(timezone.localtime(pending.next_attempt_at))
        delivery.deliver_pending(notification_ids=[first.pk])
    gaps = [int((b - a).total_seconds() // 60) for a, b in itertools.pairwise(attempts_at)]
    assert gaps == [2, 4, 8, 16, 32, 64, 120, 120]
    first.refresh_from_db()
    assert (first.email_status, first.attempts, first.next_attempt_at) == ("failed", MAX_EMAIL_ATTEMPTS, None)

    # The server is back and an admin sets the failed row back to pending: both go out, once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Notification.objects.filter(pk=first.pk).update(email_status="pending", next_attempt_at=None)
    assert delivery.deliver_pending().sent == [first.pk, second.pk]
    assert delivery.deliver_pending().sent == []
    assert len(mail.outbox) == 2


def test_delivery_goes_in_batches_in_each_recipients_language_in_queries_that_do_not_grow(
        cadre, other_cadre, django_assert_max_num_queries):
    NotificationPreference.objects.create(user=other_cadre.user, language="en")
    nobody = UserFactory(username="no-address", email="")
    rows = 2 * delivery.DELIVERY_BATCH + 7
    for user in (cadre.user, other_cadre.user, nobody):
        Notification.objects.bulk_create(
            Notification(key=f"batch:{i}:user:{user.pk}", kind="issue_reminder", recipient=user, subject=f"提醒 {i}",
                         body="正文", params={"id": i + 1, "title": f"课题 {i}", "due": "2026-05-15",
                                             "days": 3, "platform": "平台", "class": "B"})
            for i in range(rows)
        )
    batches = -(-3 * rows // delivery.DELIVERY_BATCH)

    # Per batch: its claim, its recipients' languages, the update of the sent and of the skipped
    # (and the savepoint around it): not a query per message.
    with django_assert_max_num_queries(6 * batches + 2):
        result = delivery.deliver_pending()

    assert len(result.sent) == 2 * rows and len(result.skipped) == rows and not result.failed
    # Claimed recipient by recipient: each batch's notices to one user went as one e-mail, so a
    # recipient's 107 notices took three (50, 50 and 7, or the batch shared with the next one).
    keys = emailed_keys(mail.outbox)
    assert len(keys) == len(set(keys)) == 2 * rows
    assert len(mail.outbox) == 6 and all(len(carried(m)) <= delivery.DELIVERY_BATCH for m in mail.outbox)
    chinese = [m for m in mail.outbox if m.to == [cadre.user.email]]
    english = [m for m in mail.outbox if m.to == [other_cadre.user.email]]
    assert all(key.endswith(f":user:{cadre.user.pk}") for m in chinese for key in carried(m))
    assert sum(len(carried(m)) for m in chinese) == sum(len(carried(m)) for m in english) == rows
    assert all("Due in" in m.body for m in english) and not any("Due in" in m.body for m in chinese)
    assert Notification.objects.filter(email_status="sent", attempts=1, emailed_at__isnull=False).count() == 2 * rows
    assert Notification.objects.filter(recipient=nobody, email_status="skipped").count() == rows
    assert delivery.deliver_pending().sent == []


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: More rows than the four deliveries' batches, so that they claim batches side by side.
ROWS_IN_RACE = 8 * delivery.DELIVERY_BATCH


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_send_each_email_once(cadre, other_cadre):
    # Arranged directly (as the sweeps leave them when no worker picked up their enqueue).
    Notification.objects.bulk_create(
        Notification(key=f"race:{i}:user:{user.pk}", kind="issue_reminder", recipient=user, subject=f"提醒 {i}",
                     body="正文")
        for user in (cadre.user, other_cadre.user) for i in range(ROWS_IN_RACE // 2)
    )
    barrier = threading.Barrier(4)
    results = []

    def deliver():
        try:
            barrier.wait(timeout=10)
            results.append(delivery.deliver_pending())
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sum(len(r.sent) for r in results) == ROWS_IN_RACE
    keys = emailed_keys(mail.outbox)
    assert len(keys) == len(set(keys)) == ROWS_IN_RACE
    assert Notification.objects.filter(email_status="sent", attempts=1).count() == ROWS_IN_RACE


def test_a_sweep_writes_the_notification_in_the_inbox_at_once(make_issue, cadre, on):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 15), 9)
    enforcement.sweep_deadlines()
    [notification] = selectors.inbox_for(cadre.user)
    assert notification.topic == f"issue:{issue.pk}" and notification.read_at is None
    assert notification.kind == "issue_reminder" and issue.title in notification.subject
    assert str(issue.pk) in notification.body and "2026-05-15" in notification.body


def test_an_admin_requeues_failed_and_skipped_emails_but_not_sent_ones(cadre, admin_user, client):
    from django.urls import reverse

    failed, skipped, sent = notify(cadre.user, 3)
    Notification.objects.filter(pk=failed.pk).update(email_status="failed", attempts=MAX_EMAIL_ATTEMPTS, last_error="x")
    Notification.objects.filter(pk=skipped.pk).update(email_status="skipped", last_error="no address")
    Notification.objects.filter(pk=sent.pk).update(email_status="sent", emailed_at=timezone.now(), attempts=1)
    client.force_login(admin_user)

    response = client.post(reverse("admin:notices_notification_changelist"), {
        "action": "requeue_email", "_selected_action": [failed.pk, skipped.pk, sent.pk]})

    assert response.status_code == 302
    assert dict(Notification.objects.values_list("pk", "email_status")) == {
        failed.pk: "pending", skipped.pk: "pending", sent.pk: "sent"}
    assert Notification.objects.get(pk=failed.pk).attempts == 0
    assert client.get(reverse("admin:notices_notification_changelist")).status_code == 200
    assert client.get(reverse("admin:notices_sweeprun_changelist")).status_code == 200


# --- the recipient's language --------------------------------------------------------------------------


def test_the_language_switch_records_a_signed_in_users_choice_for_email(client, cadre):
    client.force_login(cadre.user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert NotificationPreference.objects.get(user=cadre.user).language == "en"
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert NotificationPreference.objects.get(user=cadre.user).language == "zh-hans"
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert NotificationPreference.objects.get(user=cadre.user).language == "zh-hans"


def test_an_email_goes_out_in_its_recipients_chosen_language(client, make_issue, cadre, unit_leader, on):
    issue = make_issue("B", D(2026, 4, 29))  # due on Friday 2026-05-15
    client.force_login(cadre.user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    on(D(2026, 5, 15), 9)  # the due day: the cadre is reminded
    enforcement.sweep_deadlines()
    on(D(2026, 5, 18), 9)  # the first overdue working day: escalated to the cadre's unit leader
    enforcement.sweep_deadlines()

    tasks.deliver_pending_notifications.apply().get()

    to_cadre, = [m for m in mail.outbox if m.to == [cadre.user.email]]
    to_leader, = [m for m in mail.outbox if m.to == [unit_leader.email]]
    assert to_cadre.subject == f"Due today: issue #{issue.pk} 实验室用房紧张"
    assert "It is due today, 2026-05-15." in to_cadre.body
    # The leader chose nothing: the portal's default language, Chinese.
    assert "问题" in to_leader.subject and "Overdue" not in to_leader.subject


def test_a_new_browser_gets_the_language_chosen_before_at_sign_in(client, cadre, settings):
    from tests.conftest import PASSWORD

    client.force_login(cadre.user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    fresh_phone = type(client)()
    response = fresh_phone.post("/login/", {"username": cadre.user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "My platforms" in fresh_phone.get("/my/platforms/").content.decode()

    # A browser that already chose keeps its own choice.
    chosen_here = type(client)()
    chosen_here.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = chosen_here.post("/login/", {"username": cadre.user.username, "password": PASSWORD})
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies

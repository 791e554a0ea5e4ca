"""No duplicate from a retry (``notices.idempotency``): the contact form and the API's creating
endpoints take a key, and the same key again answers as the first request did without creating
again; an e-mail sent again carries the same Message-ID."""

import datetime
import re
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from issues.models import Issue
from liaison.models import Contact
from liaison.resources import COLUMNS
from notices import delivery
from notices.models import IdempotencyKey, Notification
from notices.services import Notice, notices_send
from notices.tasks import forget_idempotency_keys
from platforms.models import Platform
from tests.liaison.factories import AssignmentFactory, CadreFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = datetime.date(2026, 6, 15)
CONTACT = {"date": TODAY.isoformat(), "kind": "visit", "summary": "了解平台建设进展", "needs": "需要人才公寓"}
ISSUE = {"title": "实验室用房紧张", "service_area": "condition_building", "issue_class": "B"}


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(datetime.datetime.combine(TODAY, datetime.time(10), tzinfo=SHANGHAI), tick=False)
    return TODAY


def counts():
    return Contact.objects.count(), Issue.objects.count()


# --- the contact form --------------------------------------------------------------------------


def form_data(platform, key, **changes):
    data = {"idempotency_key": key, "platform": str(platform.pk), "date": TODAY.isoformat(), "kind": "visit",
            "people_met": "张主任", "summary": "新引进青年骨干3人", "needs": "",
            "issues-TOTAL_FORMS": "2", "issues-INITIAL_FORMS": "0",
            "issues-0-title": "实验室用房紧张", "issues-0-issue_class": "B", "issues-0-service_area": "condition_building",
            "issues-1-title": "缺少中试场地", "issues-1-issue_class": "C", "issues-1-service_area": "condition_building"}
    data.update(changes)
    return data


def shown_key(client, platform) -> str:
    page = client.get(reverse("contact_new"), {"platform": platform.pk}).content.decode()
    [key] = re.findall(r'name="idempotency_key" value="([0-9a-f-]+)"', page)
    return key


def test_the_contact_form_sent_twice_saves_one_contact_and_one_set_of_issues(client, cadre, platform):
    client.force_login(cadre.user)
    key = shown_key(client, platform)
    assert shown_key(client, platform) != key  # a new key each time the form is shown

    first = client.post(reverse("contact_new"), form_data(platform, key))
    second = client.post(reverse("contact_new"), form_data(platform, key))

    assert first.status_code == second.status_code == 302
    assert second.url == first.url == reverse("platforms:detail", args=[platform.pk])
    assert counts() == (1, 2)
    # Another form (another key) is another contact.
    client.post(reverse("contact_new"), form_data(platform, shown_key(client, platform)))
    assert counts() == (2, 4)


def test_a_form_refused_keeps_its_key_for_the_corrected_submit(client, cadre, platform):
    client.force_login(cadre.user)
    key = shown_key(client, platform)

    refused = client.post(reverse("contact_new"), form_data(platform, key, summary=""))
    assert refused.status_code == 200 and counts() == (0, 0)
    assert f'value="{key}"' in refused.content.decode()  # the page sent again carries the same key

    saved = client.post(reverse("contact_new"), form_data(platform, key))
    again = client.post(reverse("contact_new"), form_data(platform, key))
    assert saved.status_code == again.status_code == 302 and counts() == (1, 2)


def test_a_form_without_a_key_still_saves(client, cadre, platform):
    client.force_login(cadre.user)
    data = form_data(platform, "")
    del data["idempotency_key"]
    assert client.post(reverse("contact_new"), data).status_code == 302
    assert counts() == (1, 2) and not IdempotencyKey.objects.exists()


# --- the API -----------------------------------------------------------------------------------


def test_an_api_post_retried_with_its_key_creates_once_and_answers_the_same(client_for, cadre, platform):
    api = client_for(cadre.user)
    body = {**CONTACT, "platform": platform.pk}

    first = api.post("/api/v1/contacts/", body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    second = api.post("/api/v1/contacts/", body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")

    assert first.status_code == second.status_code == 201, first.content
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    assert Contact.objects.count() == 1
    # Without a key, each POST creates (the key is what makes a retry safe).
    api.post("/api/v1/contacts/", body, format="json")
    assert Contact.objects.count() == 2


def test_the_same_key_with_another_body_or_endpoint_is_refused(client_for, cadre, platform):
    api = client_for(cadre.user)
    api.post("/api/v1/contacts/", {**CONTACT, "platform": platform.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k")

    other_body = api.post("/api/v1/contacts/", {**CONTACT, "platform": platform.pk, "summary": "另一次"},
                          format="json", HTTP_IDEMPOTENCY_KEY="k")
    other_endpoint = api.post("/api/v1/issues/", {**ISSUE, "platform": platform.pk}, format="json",
                              HTTP_IDEMPOTENCY_KEY="k")

    assert other_body.status_code == other_endpoint.status_code == 422
    assert list(other_body.json()) == ["Idempotency-Key"]
    assert counts() == (1, 0)


def test_keys_are_per_user_and_a_refused_request_does_not_use_its_key(client_for, cadre, platform):
    colleague = CadreFactory(unit=cadre.unit)
    their_platform = AssignmentFactory(cadre=colleague).platform

    refused = client_for(cadre.user).post("/api/v1/issues/", {**ISSUE, "platform": platform.pk, "title": ""},
                                          format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert refused.status_code == 400 and not Issue.objects.exists()
    mine = client_for(cadre.user).post("/api/v1/issues/", {**ISSUE, "platform": platform.pk}, format="json",
                                       HTTP_IDEMPOTENCY_KEY="same")
    theirs = client_for(colleague.user).post("/api/v1/issues/", {**ISSUE, "platform": their_platform.pk},
                                             format="json", HTTP_IDEMPOTENCY_KEY="same")

    assert mine.status_code == theirs.status_code == 201, (mine.content, theirs.content)
    assert sorted(Issue.objects.values_list("platform", flat=True)) == sorted([platform.pk, their_platform.pk])


def test_a_key_is_forgotten_after_a_day_by_the_daily_job(api_client, cadre, platform, time_machine):
    assert PeriodicTask.objects.filter(task="notices.tasks.forget_idempotency_keys").exists()
    api = api_client
    api.force_authenticate(cadre.user)  # a token, not a session that ends overnight
    api.post("/api/v1/contacts/", {**CONTACT, "platform": platform.pk}, format="json", HTTP_IDEMPOTENCY_KEY="old")
    time_machine.move_to(timezone.now() + datetime.timedelta(hours=20), tick=False)
    api.post("/api/v1/contacts/", {**CONTACT, "platform": platform.pk, "summary": "第二次"}, format="json",
             HTTP_IDEMPOTENCY_KEY="young")
    time_machine.move_to(timezone.now() + datetime.timedelta(hours=5), tick=False)

    assert forget_idempotency_keys() == {"deleted": 1}
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["young"]


def test_an_import_retried_with_its_key_imports_once(client_for, admin_user):
    def upload(*names):  # as tests/liaison/test_bulk_pages.py writes one
        lines = [",".join(column.zh for column in COLUMNS["platforms"])]
        lines += [f"{name},省部级,省重点实验室,中南大学,岳麓区,,,,,,,,2" for name in names]
        return SimpleUploadedFile("platforms.csv", ("\n".join(lines) + "\n").encode("utf-8-sig"), "text/csv")

    api = client_for(admin_user)
    url = reverse("api-import-platforms")
    first = api.post(url, {"file": upload("新平台一"), "dry_run": "false"}, format="multipart",
                     HTTP_IDEMPOTENCY_KEY="import-1")
    second = api.post(url, {"file": upload("新平台一"), "dry_run": "false"}, format="multipart",
                      HTTP_IDEMPOTENCY_KEY="import-1")
    other_file = api.post(url, {"file": upload("新平台二"), "dry_run": "false"}, format="multipart",
                          HTTP_IDEMPOTENCY_KEY="import-1")

    assert first.status_code == second.status_code == 200, first.content
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    assert other_file.status_code == 422
    assert list(Platform.objects.values_list("name", flat=True)) == ["新平台一"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_create_once(cadre, platform):
    from rest_framework.test import APIClient

    barrier = threading.Barrier(4)
    responses = []

    def post():
        try:
            api = APIClient()
            api.force_authenticate(cadre.user)
            barrier.wait(timeout=10)
            responses.append(api.post("/api/v1/contacts/", {**CONTACT, "platform": platform.pk}, format="json",
                                      HTTP_IDEMPOTENCY_KEY="race"))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [r.status_code for r in responses] == [201] * 4
    assert len({r.json()["id"] for r in responses}) == 1
    assert Contact.objects.count() == 1


# --- e-mail ------------------------------------------------------------------------------------


def test_an_email_sent_again_carries_the_same_message_id(cadre, other_cadre):
    notices_send([Notice(key=f"retry:{user.pk}", kind="issue_reminder", recipient_id=user.pk, params={},
                         subject="提醒", body="正文") for user in (cadre.user, other_cadre.user)],
                 now=timezone.now())
    delivery.deliver_pending()
    # Interrupted after the mail server accepted it and before the "sent" mark was committed:
    Notification.objects.filter(recipient=cadre.user).update(email_status="pending", emailed_at=None)
    delivery.deliver_pending()

    ids = [(m.to[0], m.message()["Message-ID"]) for m in mail.outbox]
    assert len(ids) == 3
    mine = {message_id for to, message_id in ids if to == cadre.user.email}
    theirs = {message_id for to, message_id in ids if to == other_cadre.user.email}
    assert len(mine) == len(theirs) == 1 and mine != theirs

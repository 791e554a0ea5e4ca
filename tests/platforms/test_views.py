"""The platform page: who may open it, what it shows, and one timeline in a fixed number of queries."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from issues.models import Issue
from liaison.models import Contact
from tests.issues.factories import IssueFactory
from tests.liaison.factories import CadreFactory, ContactFactory, UnitFactory
from tests.platforms.factories import PlatformFactory


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 5, 6, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)


def client_for(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def url(platform):
    return reverse("platforms:detail", args=[platform.pk])


def test_who_may_open_a_platform_page(platform, cadre, other_cadre, unit_leader, bureau_user, admin_user):
    assert client_for(cadre.user).get(url(platform)).status_code == 200
    assert client_for(unit_leader).get(url(platform)).status_code == 200
    assert client_for(bureau_user).get(url(platform)).status_code == 200
    assert client_for(admin_user).get(url(platform)).status_code == 200
    # Another cadre, and the leader of another unit, are told it does not exist.
    assert client_for(other_cadre.user).get(url(platform)).status_code == 404
    assert client_for(UnitFactory().leader).get(url(platform)).status_code == 404
    assert Client().get(url(platform))["Location"].startswith(reverse("login"))


def test_a_cadre_no_longer_serving_a_platform_cannot_open_it(cadre, assignment):
    assignment.end_date = datetime.date(2026, 4, 1)
    assignment.save(update_fields=["end_date"])
    assert client_for(cadre.user).get(url(assignment.platform)).status_code == 404


def test_the_page_shows_the_profile_how_to_reach_the_platform_and_its_cadre(cadre, platform):
    platform.preferred_times = "周二、周四下午"
    platform.address = "麓山路36号"
    platform.save()
    page = client_for(cadre.user).get(url(platform)).content.decode()
    for shown in [platform.name, platform.host_institution, platform.district, "麓山路36号",
                  platform.contact_person, platform.contact_phone, "周二、周四下午", "Phone call", cadre.name,
                  cadre.unit.name]:
        assert shown in page, shown
    assert 'href="tel:0731-88888888"' in page


def test_the_serving_cadre_gets_the_buttons_to_log_a_contact_and_record_an_issue(cadre, platform, unit_leader):
    page = client_for(cadre.user).get(url(platform)).content.decode()
    assert f'{reverse("contact_new")}?platform={platform.pk}' in page
    assert f'{reverse("issues:create")}?platform={platform.pk}' in page
    leaders_page = client_for(unit_leader).get(url(platform)).content.decode()
    assert 'id="log-contact"' not in leaders_page and 'id="record-issue"' not in leaders_page


def test_one_timeline_of_contacts_and_issues_newest_first(cadre, platform):
    old = ContactFactory(cadre=cadre, platform=platform, date=datetime.date(2026, 2, 3), summary="二月走访")
    raised = IssueFactory(platform=platform, recorded_by=cadre, contact=old, recorded_on=datetime.date(2026, 2, 3),
                          title="走访中提出的问题")
    alone = IssueFactory(platform=platform, recorded_by=cadre, recorded_on=datetime.date(2026, 3, 10),
                         title="电话里提出的问题")
    new = ContactFactory(cadre=cadre, platform=platform, date=datetime.date(2026, 4, 20), summary="四月座谈",
                         kind=Contact.Kind.MEETING)
    IssueFactory(recorded_by=cadre, title="别的平台的问题")

    response = client_for(cadre.user).get(url(platform))

    entries = response.context["timeline"].entries
    assert [(e.contact or e.issue) for e in entries] == [new, alone, old]
    assert entries[2].contact.visible_issues == [raised]
    page = response.content.decode()
    assert page.index("四月座谈") < page.index("电话里提出的问题") < page.index("二月走访") < page.index("走访中提出的问题")
    assert "别的平台的问题" not in page
    assert reverse("issues:detail", args=[raised.pk]) in page
    assert reverse("contact_detail", args=[new.pk]) in page


def test_a_cadre_sees_only_their_own_contacts_of_a_platform_they_took_over(cadre, platform):
    predecessor = CadreFactory(unit=cadre.unit)
    ContactFactory(cadre=predecessor, platform=platform, date=datetime.date(2026, 1, 2), summary="前任的走访")
    mine = ContactFactory(cadre=cadre, platform=platform, date=datetime.date(2026, 4, 2), summary="我的走访")
    entries = client_for(cadre.user).get(url(platform)).context["timeline"].entries
    assert [e.contact for e in entries] == [mine]


def test_a_long_timeline_is_cut_with_a_link_to_all_of_it(cadre, platform):
    for n in range(55):
        ContactFactory(cadre=cadre, platform=platform, date=datetime.date(2026, 1, 10) + datetime.timedelta(days=n))
    client = client_for(cadre.user)
    cut = client.get(url(platform)).context["timeline"]
    assert len(cut.entries) == 50 and cut.truncated
    whole = client.get(url(platform), {"all": "1"}).context["timeline"]
    assert len(whole.entries) == 55 and not whole.truncated


def test_a_platform_without_a_cadre_says_so(bureau_user):
    platform = PlatformFactory(contact_person="", contact_phone="", preferred_channel="", preferred_times="")
    page = client_for(bureau_user).get(url(platform)).content.decode()
    assert "No cadre serves this platform" in page
    assert "has not said how it prefers to be reached" in page


def _count_queries(client, platform) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url(platform)).status_code == 200
    return len(queries)


def _grow(cadre, platform, *, contacts, issues_per_contact, standalone):
    for n in range(contacts):
        contact = ContactFactory(cadre=cadre, platform=platform, date=datetime.date(2026, 1, 5) + datetime.timedelta(days=n))
        for _ in range(issues_per_contact):
            IssueFactory(platform=platform, recorded_by=cadre, contact=contact, recorded_on=contact.date,
                         handed_to_unit=cadre.unit, status=Issue.Status.HANDED_OVER)
    for _ in range(standalone):
        IssueFactory(platform=platform, recorded_by=cadre)


@pytest.mark.parametrize("who", ["cadre", "leader", "bureau"])
def test_the_query_count_does_not_grow_with_the_timeline(who, cadre, platform, unit_leader, bureau_user):
    client = client_for({"cadre": cadre.user, "leader": unit_leader, "bureau": bureau_user}[who])
    _grow(cadre, platform, contacts=1, issues_per_contact=1, standalone=1)
    short = _count_queries(client, platform)
    _grow(cadre, platform, contacts=12, issues_per_contact=3, standalone=8)
    assert _count_queries(client, platform) == short

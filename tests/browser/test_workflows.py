"""The portal in a real browser: the cadre's contact on a phone, the unit leader's hand-over, the
language switch, and nothing loaded from outside the portal."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from issues import services as issue_services
from issues.models import Issue
from issues.selectors import projected_due_date
from liaison.models import Contact
from tests.liaison.factories import AssignmentFactory, CadreFactory, UnitFactory, UserFactory

from .conftest import fits_the_width

pytestmark = pytest.mark.browser


@pytest.fixture
def served(transactional_db):
    """A cadre of a unit serving one platform since two months ago."""
    leader = UserFactory(username="leader1")
    unit = UnitFactory(name="岳麓区科技局", leader=leader)
    cadre = CadreFactory(unit=unit, user=UserFactory(username="cadre1"))
    start = timezone.localdate() - datetime.timedelta(days=60)
    platform = AssignmentFactory(cadre=cadre, start_date=start).platform
    return cadre, platform


def test_a_cadre_logs_a_visit_with_two_issues_on_a_phone(phone, live_server, sign_in, served, requests_made):
    cadre, platform = served
    today = timezone.localdate()
    due_b, _provisional = projected_due_date("B", today)

    sign_in(phone, "cadre1")
    expect(phone).to_have_url(live_server.url + reverse("my_platforms"))
    card = phone.locator(f".platform-card[data-platform='{platform.pk}']")
    expect(card).to_contain_text(platform.name)
    assert fits_the_width(phone)

    card.locator(f"a[href='{reverse('contact_new')}?platform={platform.pk}']").click()
    expect(phone.locator("#contact-platform")).to_have_text(platform.name)
    expect(phone.locator("#id_date")).to_have_value(today.isoformat())  # today, and a visit, by default
    expect(phone.locator("#id_kind_0")).to_be_checked()
    phone.fill("#id_people_met", "张主任")
    phone.fill("#id_summary", "新引进青年骨干3人，实验条件持续改善。")

    phone.click("#add-issue")
    first = phone.locator(".issue-row").nth(0)
    first.locator("input[name$='-title']").fill("政策口径咨询")
    first.locator("input[value='A'] + label").click()
    first.locator("textarea[name$='-answer']").fill("已当场解答政策口径")
    first.locator("select[name$='-service_area']").select_option("technology_innovation")

    phone.click("#add-issue")
    second = phone.locator(".issue-row").nth(1)
    second.locator("input[name$='-title']").fill("实验室用房紧张")
    expect(second.locator("textarea[name$='-answer']")).to_be_hidden()  # for class A only
    second.locator("input[value='B'] + label").click()
    second.locator("select[name$='-service_area']").select_option("condition_building")
    # The due date appears as the class is chosen.
    expect(second.locator(".due-preview [data-testid='projected-date']")).to_have_text(due_b.isoformat())

    save = phone.locator("#save-contact")
    assert save.bounding_box()["height"] >= 44  # a thumb can hit it
    assert fits_the_width(phone)
    save.click()

    expect(phone).to_have_url(live_server.url + reverse("platforms:detail", args=[platform.pk]))
    timeline = phone.locator("#timeline")
    expect(timeline).to_contain_text("政策口径咨询")
    expect(timeline).to_contain_text("实验室用房紧张")
    expect(timeline).to_contain_text(due_b.isoformat())
    assert fits_the_width(phone)

    contact = Contact.objects.get()
    assert (contact.platform, contact.cadre, contact.date, contact.kind) == (platform, cadre, today, "visit")
    issues = {i.issue_class: i for i in Issue.objects.filter(contact=contact)}
    assert issues["A"].status == "resolved" and issues["B"].due_date == due_b
    assert requests_made.outside() == []


def test_nothing_is_loaded_from_outside_the_portal(phone, live_server, sign_in, served, requests_made):
    _cadre, platform = served
    sign_in(phone, "cadre1")
    phone.goto(f"{live_server.url}{reverse('contact_new')}?platform={platform.pk}")
    phone.click("#add-issue")
    phone.locator(".issue-row input[value='C'] + label").click()
    expect(phone.locator(".due-preview [data-testid='projected-date']")).to_be_visible()
    phone.goto(live_server.url + reverse("platforms:detail", args=[platform.pk]))
    phone.wait_for_load_state("networkidle")

    assert any("/static/vendor/bootstrap/" in url for url in requests_made)
    assert any("/static/vendor/bootstrap-icons/fonts/" in url for url in requests_made)
    assert any(reverse("issues:due_preview") in url for url in requests_made)
    assert requests_made.outside() == [], requests_made.outside()


def test_the_language_switch_chinese_by_default_then_english_and_back(phone, live_server, sign_in, served):
    phone.goto(live_server.url + "/login/")
    html = phone.locator("html")
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(phone.locator("label[for='id_username']")).to_have_text("用户名")  # Django's own catalogue

    phone.locator("#language-switch button[value='en']").click()
    expect(html).to_have_attribute("lang", "en")
    expect(phone.locator("label[for='id_username']")).to_have_text("Username")

    sign_in(phone, "cadre1")
    expect(phone).to_have_url(live_server.url + reverse("my_platforms"))
    expect(html).to_have_attribute("lang", "en")
    expect(phone.locator("h1")).to_have_text("My platforms")
    # On a phone the switch stays in view, outside the collapsed menu.
    back = phone.locator("#language-switch button[value='zh-hans']")
    expect(back).to_be_visible()
    back.click()
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(phone).to_have_url(live_server.url + reverse("my_platforms"))


def test_a_unit_leader_hands_over_a_class_c_issue(phone, live_server, sign_in, served):
    cadre, platform = served
    lead, cooperating = UnitFactory(name="市发改委"), UnitFactory(name="市教育局")
    issue = issue_services.issue_create(
        by=cadre.user, platform=platform, title="跨部门用地协调", service_area="condition_building", issue_class="C"
    )

    sign_in(phone, "leader1")
    expect(phone).to_have_url(live_server.url + reverse("unit_home"))
    line = phone.locator(f"#unit-issues .issue-line[data-issue='{issue.pk}']")
    expect(line).to_contain_text("跨部门用地协调")
    assert fits_the_width(phone)
    line.locator("a.hand-over").click()

    expect(phone).to_have_url(re.compile(re.escape(reverse("issues:detail", args=[issue.pk]))))
    action = phone.locator("#action-hand-over")
    # The link's #action-hand-over fragment opens the form (static/js/issues.js): wait for it,
    # rather than toggling it ourselves and racing the script.
    expect(action.locator("select[name='hand_over-lead_unit']")).to_be_visible()
    action.locator("select[name='hand_over-lead_unit']").select_option(label=lead.name)
    action.get_by_label(cooperating.name).check()
    action.locator("#submit-hand-over").click()

    expect(phone).to_have_url(live_server.url + reverse("issues:detail", args=[issue.pk]))
    issue.refresh_from_db()
    assert (issue.status, issue.handed_to_unit) == (Issue.Status.HANDED_OVER, lead)
    assert list(issue.cooperating_units.all()) == [cooperating]

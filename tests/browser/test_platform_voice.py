"""The platform's own voice on its contact's phone, with no account: the rating link of a resolved
issue, and the standing link (its issues, and a need raised), at 375 px, nothing loaded from outside."""

import datetime

import pytest
from playwright.sync_api import expect

from issues import services as issue_services
from issues.models import Issue, PlatformNeed
from tests.liaison.factories import AssignmentFactory, CadreFactory
from tests.platforms.factories import PlatformFactory
from voice import services as voice_services
from voice.links import make_token
from voice.models import PlatformLink

from .conftest import fits_the_width

pytestmark = pytest.mark.browser


@pytest.fixture
def a_resolved_issue(transactional_db):
    platform = PlatformFactory(name="湖南省先进电池材料与储能器件工程技术研究中心（中南大学）",
                               contact_email="lab-office@example.edu.cn")
    cadre = CadreFactory()
    AssignmentFactory(cadre=cadre, platform=platform, start_date=datetime.date.today() - datetime.timedelta(days=60))
    issue = issue_services.issue_create(by=cadre.user, platform=platform, title="实验楼用电增容审批进度缓慢",
                                        service_area=Issue.ServiceArea.CONDITION_BUILDING, issue_class="B")
    issue_services.issue_resolve(issue=issue, by=cadre.user, resolution="已协调供电公司完成增容方案审批，下周施工。")
    return issue, cadre


def test_the_platform_rates_a_resolved_issue_from_its_link_on_a_phone(phone, live_server, a_resolved_issue,
                                                                        requests_made):
    issue, _cadre = a_resolved_issue
    link = PlatformLink.objects.get(issue=issue, kind=PlatformLink.Kind.RATING)  # made and e-mailed at closure
    phone.goto(live_server.url + f"/p/r/{make_token(link)}/")
    expect(phone.locator("#issue-heading")).to_have_text(issue.title)
    assert fits_the_width(phone)
    phone.locator("label[for$='rating_3']").click()  # the fourth choice: 4 of 5
    phone.locator("button[type=submit]").click()
    phone.wait_for_load_state()
    assert fits_the_width(phone)
    issue.refresh_from_db()
    assert issue.rating == 4 and issue.events.get(kind="rated").after["source"] == "platform"
    again = phone.goto(live_server.url + f"/p/r/{make_token(link)}/")  # one rating per closure
    assert again.status == 410 and phone.locator("form").count() == 0
    assert fits_the_width(phone)
    assert requests_made.outside() == []


def test_the_platform_raises_a_need_from_its_standing_link_on_a_phone(phone, live_server, a_resolved_issue,
                                                                       requests_made):
    issue, cadre = a_resolved_issue
    link = voice_services.standing_link_issue(platform=issue.platform, by=cadre.user)
    phone.goto(live_server.url + f"/p/{make_token(link)}/")
    expect(phone.locator("[data-testid='standing-issue']")).to_have_count(1)
    assert fits_the_width(phone)
    phone.locator("#raise-need").click()
    phone.fill("textarea[name='what']", "希望协调解决中试基地的环评审批问题。")
    phone.select_option("select[name='service_area']", Issue.ServiceArea.CONDITION_BUILDING)
    phone.fill("input[name='callback_name']", "张老师")
    phone.fill("input[name='callback_phone']", "0731-88876543")
    assert fits_the_width(phone)
    phone.locator("#send-need").click()
    phone.wait_for_load_state()
    assert fits_the_width(phone)
    need = PlatformNeed.objects.get(platform=issue.platform)
    assert need.source == "platform" and need.callback_name == "张老师"
    assert requests_made.outside() == []

"""Running the scheme on a phone: a unit leader hands a leaving cadre's platforms to a colleague
(pick, preview, confirm), and bureau staff find a platform and a cadre in their lists, at 375 px,
with nothing loaded from outside the portal."""

import pytest
from playwright.sync_api import expect

from liaison.models import Assignment, Cadre
from platforms.models import Platform
from tests.liaison.factories import AssignmentFactory, BureauStaffFactory, CadreFactory, UnitFactory, UserFactory
from tests.platforms.factories import PlatformFactory

from .conftest import fits_the_width

pytestmark = pytest.mark.browser

#: Long names, as real ones are: the pages must still fit a phone.
LONG = "湖南省先进电池材料与储能器件工程技术研究中心（中南大学）"


@pytest.fixture
def a_unit_with_a_leaver(transactional_db):
    leader = UserFactory(username="leader1")
    unit = UnitFactory(name="长沙高新技术产业开发区管理委员会科技创新局", leader=leader)
    leaving = CadreFactory(unit=unit, user=UserFactory(username="leaving1", last_name="王", first_name="离任"))
    stays = CadreFactory(unit=unit, user=UserFactory(username="stays1", last_name="李", first_name="留任"))
    AssignmentFactory(cadre=stays, platform=PlatformFactory(name="留任干部的平台"))
    for index in (1, 2):
        AssignmentFactory(cadre=leaving, platform=PlatformFactory(name=f"{LONG}{index}"))
    BureauStaffFactory(username="bureau1")
    return leaving, stays


def test_a_unit_leader_hands_a_leaving_cadres_platforms_over_on_a_phone(
    phone, live_server, sign_in, a_unit_with_a_leaver, requests_made
):
    leaving, stays = a_unit_with_a_leaver
    sign_in(phone, "leader1")
    phone.goto(live_server.url + "/administration/hand-over/")
    phone.select_option("#id_cadre", str(leaving.pk))
    phone.locator("#pick-cadre button[type=submit]").click()
    # Each platform offers the colleague of the same unit with room first, already chosen.
    expect(phone.locator("#hand-over-form .card[id^='platform-']")).to_have_count(2)
    phone.fill("#id_reason", "调任其他岗位")
    assert fits_the_width(phone)

    phone.locator("#preview").click()
    expect(phone.locator("#preview-lines li")).to_have_count(2)
    assert fits_the_width(phone)
    assert Assignment.objects.active().filter(cadre=leaving).count() == 2  # a preview changes nothing

    phone.locator("#confirm").click()
    expect(phone.locator(".alert-success")).to_be_visible()
    assert not Cadre.objects.get(pk=leaving.pk).is_active
    assert set(Assignment.objects.active().filter(cadre=stays).values_list("platform__name", flat=True)) == {
        "留任干部的平台", f"{LONG}1", f"{LONG}2"}
    assert requests_made.outside() == []


def test_bureau_staff_find_a_platform_and_a_cadre_in_their_lists_on_a_phone(
    phone, live_server, sign_in, a_unit_with_a_leaver
):
    sign_in(phone, "bureau1")
    phone.goto(live_server.url + "/lists/platforms/")
    expect(phone.locator("#platform-list [data-testid='list-row']")).to_have_count(Platform.objects.count())
    phone.fill("#platform-filters input[name='q']", "储能器件")
    phone.locator("#apply-filters").click()
    expect(phone.locator("#platform-list [data-testid='list-row']")).to_have_count(2)
    assert fits_the_width(phone)

    phone.goto(live_server.url + "/lists/cadres/")
    phone.fill("form input[name='q']", "李留任")  # the full name, as people type it
    phone.locator("#apply-filters").click()
    expect(phone.locator("[data-testid='list-row']")).to_have_count(1)
    assert fits_the_width(phone)

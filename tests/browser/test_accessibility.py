"""The contact form by keyboard: after a failed submit the focus lands on the first field in error,
the platform's error is tied to its radio group, and the sticky save bar never covers the field
in focus. (axe-core checks every page of every browser test: tests/browser/conftest.py.)"""

import pytest
from playwright.sync_api import expect

from tests.liaison.factories import AssignmentFactory, CadreFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def two_platforms(transactional_db):
    cadre = CadreFactory(user=UserFactory(username="cadre1"))
    AssignmentFactory(cadre=cadre)
    AssignmentFactory(cadre=cadre)
    return cadre


def not_under_the_save_bar(page) -> bool:
    return page.evaluate("""() => {
        const field = document.activeElement.getBoundingClientRect();
        const bar = document.querySelector('.submit-bar').getBoundingClientRect();
        return field.bottom <= bar.top || field.top >= bar.bottom;
    }""")


def test_a_failed_submit_focuses_the_platform_group_tied_to_its_error(phone, live_server, sign_in, two_platforms):
    phone.emulate_media(reduced_motion="reduce")  # Bootstrap's smooth scrolling off: positions are final at once
    sign_in(phone, "cadre1")
    phone.goto(live_server.url + "/contacts/new/")
    phone.fill("#id_summary", "")
    phone.locator("#save-contact").click()
    expect(phone.locator("#form-errors")).to_be_visible()

    group = phone.locator("fieldset:has(input[name='platform'])")
    described_by = group.get_attribute("aria-describedby")
    assert described_by and phone.locator(f"#{described_by}").count() == 1
    expect(phone.locator("input[name='platform']").first).to_be_focused()
    assert not_under_the_save_bar(phone)

    # Tabbing on through the form, each field comes into view above the save bar.
    for _ in range(8):
        phone.keyboard.press("Tab")
        if phone.evaluate("document.activeElement.closest('.submit-bar') === null"):
            assert not_under_the_save_bar(phone), phone.evaluate("document.activeElement.id")

"""The Content-Security-Policy (django-csp, config/settings.py): every page carries it, it allows
only the portal's own assets, and the pages' own scripts still run under it."""

import pytest
from playwright.sync_api import expect

from tests.liaison.factories import AssignmentFactory, CadreFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def cadre(transactional_db):
    cadre = CadreFactory(user=UserFactory(username="cadre1"))
    return cadre, AssignmentFactory(cadre=cadre).platform


def test_the_policy_is_sent_and_the_contact_forms_script_runs_under_it(phone, live_server, sign_in, cadre):
    _cadre, platform = cadre
    violations = []
    phone.on("console", lambda message: violations.append(message.text)
             if "Content Security Policy" in message.text else None)
    sign_in(phone, "cadre1")
    response = phone.goto(f"{live_server.url}/contacts/new/?platform={platform.pk}")
    policy = {d.split()[0]: d.split()[1:] for d in response.headers["content-security-policy"].split("; ")}
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"] and policy["default-src"] == ["'self'"]

    phone.click("#add-issue")  # static/js/contact_form.js adds the row
    expect(phone.locator(".issue-row")).to_have_count(1)
    # An inline script would be refused: the policy is enforced, not only sent.
    ran = phone.evaluate("""() => { const s = document.createElement('script');
        s.textContent = 'window.__inline = true'; document.body.append(s); return window.__inline === true; }""")
    assert ran is False
    assert any("Content Security Policy" in text for text in violations)


def test_the_api_docs_draw_under_the_policy(desktop, live_server, sign_in, cadre):
    """Swagger UI's start script is served as a file (drf-spectacular's split view), not inline."""
    violations = []
    desktop.on("console", lambda message: violations.append(message.text)
               if "Content Security Policy" in message.text else None)
    sign_in(desktop, "cadre1")
    desktop.goto(f"{live_server.url}/api/v1/schema/docs/")
    expect(desktop.locator(".swagger-ui .information-container")).to_be_visible()
    assert violations == []


def test_the_django_admin_works_under_the_policy(browser, live_server, cadre):
    """The admins' pages: their scripts are Django's own files, and nothing the policy refuses is
    asked for (a violation is reported on the console). Django's admin is its own, so axe-core's
    checks, which the portal's pages pass, are not run here."""
    from tests.conftest import PASSWORD

    UserFactory(username="root", is_staff=True, is_superuser=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    try:
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", "root")
        page.fill("#id_password", PASSWORD)
        page.locator("input[type=submit]").click()
        page.wait_for_load_state()
        page.goto(f"{live_server.url}/admin/liaison/assignment/")
        page.locator("#action-toggle").check()  # actions.js: select every row, count them
        expect(page.locator(".action-counter")).to_contain_text("1")
        page.goto(f"{live_server.url}/admin/liaison/assignment/add/")
        expect(page.locator(".datetimeshortcuts").first).to_be_visible()  # DateTimeShortcuts.js
        page.goto(f"{live_server.url}/admin/liaison/unit/")
        expect(page.locator("#changelist")).to_be_visible()
    finally:
        context.close()
    assert violations == []

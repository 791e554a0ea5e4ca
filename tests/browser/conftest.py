"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's live server.

The suite never downloads a browser (no ``playwright install``): it uses the system's
``chromium``. Without one it skips, saying so, except in CI (``CI`` set), where a missing
browser is a failure: CI installs it.

One browser per module; each test gets a fresh context (cookies, viewport) and page.

Every page a test visits is checked with axe-core (vendored in static/vendor/axe-core/) for WCAG
2.1 A and AA: once it has loaded and drawn, its findings kept in the tab's sessionStorage; when the test
ends, any violation fails it, naming the page, the rule and the elements.
"""

import os
import shutil
from urllib.parse import urlsplit

import pytest
from django.conf import settings

# Playwright's sync API runs an asyncio loop in this thread; Django's ORM, called by the tests
# and the factories in the same thread, would otherwise refuse to run beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: A phone held in a platform's lobby, and an office desktop.
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
AXE = settings.BASE_DIR / "static" / "vendor" / "axe-core" / "axe.min.js"
#: Run in every page once it has loaded and drawn: axe-core's WCAG 2.1 A and AA rules (GB/T 37668
#: asks for the same). The findings are kept in the tab's sessionStorage, which outlives the page.
AXE_ON_LOAD = """
if (window.top === window && location.protocol.startsWith("http")) window.addEventListener("load", () => requestAnimationFrame(() => setTimeout(() => {
  const tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
  axe.run(document, {runOnly: {type: "tag", values: tags}}).then(result => {
    const found = JSON.parse(sessionStorage.getItem("axe-violations") || "[]");
    for (const v of result.violations) {
      found.push({page: location.href, rule: v.id, help: v.help,
                  nodes: v.nodes.map(n => n.target.join(" ") + ": " + (n.failureSummary || "").replace(/\\s+/g, " "))});
    }
    sessionStorage.setItem("axe-violations", JSON.stringify(found));
    window.__axeDone = true;
  });
}, 50)));
"""


def chromium_path() -> str | None:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    return path if os.path.exists(path) else None


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    if path is None:
        message = "no chromium on this machine: install Debian's chromium (apt-get install chromium) to run the browser tests"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class RequestLog(list):
    """Every URL the page requested."""

    def outside(self) -> list[str]:
        """Requests that left the portal's own host (data: and blob: URLs never leave the page)."""
        return [url for url in self if urlsplit(url).scheme in {"http", "https", "ws", "wss"}
                and urlsplit(url).hostname not in LOCAL_HOSTS]


def axe_checked(page):
    """Wait until axe-core has checked the page now shown."""
    page.wait_for_function("() => window.__axeDone === true")


def assert_no_axe_violations(page):
    """Every page this tab showed passed axe-core's WCAG 2.1 A/AA rules (pages left before axe had
    finished are not in the list: wait with axe_checked(page) before leaving one that matters)."""
    if not page.url.startswith("http"):
        return
    axe_checked(page)
    found = page.evaluate("() => JSON.parse(sessionStorage.getItem('axe-violations') || '[]')")
    lines = [f"{v['page']} [{v['rule']}] {v['help']}\n      " + "\n      ".join(v["nodes"]) for v in found]
    assert not lines, "WCAG 2.1 A/AA violations (axe-core):\n" + "\n".join(lines)


def _new_page(browser, viewport, requests: RequestLog):
    # Chinese civil servants' browsers ask for Chinese; the portal's default is Chinese too.
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(10_000)
    # Injected by the browser itself (as an extension's would be): the page's CSP does not apply.
    context.add_init_script(path=AXE)
    context.add_init_script(script=AXE_ON_LOAD)
    page = context.new_page()
    page.on("request", lambda request: requests.append(request.url))
    return context, page


@pytest.fixture
def requests_made():
    return RequestLog()


@pytest.fixture
def phone(browser, live_server, requests_made):
    """A page on a 375 px wide phone."""
    context, page = _new_page(browser, PHONE, requests_made)
    yield page
    try:
        assert_no_axe_violations(page)
    finally:
        context.close()


@pytest.fixture
def desktop(browser, live_server, requests_made):
    context, page = _new_page(browser, DESKTOP, requests_made)
    yield page
    try:
        assert_no_axe_violations(page)
    finally:
        context.close()


@pytest.fixture
def sign_in(live_server):
    from tests.conftest import PASSWORD

    def sign_in(page, username, password=PASSWORD):
        page.goto(live_server.url + "/login/")
        axe_checked(page)
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.locator("main button[type=submit]").click()
        page.wait_for_load_state()

    return sign_in


def fits_the_width(page) -> bool:
    """Nothing sticks out sideways: no horizontal scrolling on the page."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

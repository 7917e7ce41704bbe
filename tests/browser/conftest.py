"""Real Chromium (Debian's package) driven by Playwright against Django's live server."""

import os
import shutil
from urllib.parse import urljoin

import pytest
from axe_playwright_python.sync_playwright import Axe

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

# Records CSP violations before any page script runs, so none can slip past.
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


# Per module, not per session: Playwright's sync API keeps its event loop marked as running
# in the thread while it is open, and Django's test client cannot then call an async view
# (the live room's events) from the tests that run next in the same worker.
@pytest.fixture(scope="module")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM}; install Debian's chromium package"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--disable-gpu",
                "--disable-quic",
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
            ],
        )
        yield browser
        browser.close()


class PageWatcher:
    """Collects console errors and page errors; checks axe and CSP on demand."""

    def __init__(self, page):
        self.page = page
        self.errors = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _on_console(self, message):
        if message.type == "error":
            self.errors.append(f"console: {message.text} ({self.page.url})")

    def check(self):
        """Fail on any console error, CSP violation or axe-core violation on this page."""
        violations = self.page.evaluate("() => window.__cspViolations || []")
        assert violations == [], f"CSP violations on {self.page.url}: {violations}"
        assert self.errors == [], "\n".join(self.errors)
        results = Axe().run(self.page)
        assert results.violations_count == 0, (
            f"axe-core on {self.page.url}:\n{results.generate_report()}"
        )


def follow(link):
    """Click a link and wait until its page has loaded.

    A check made straight after the click would read the page being left, or a
    document that is not there yet (Chromium's documentElement is null mid-swap).
    """
    page = link.page
    address = urljoin(page.url, link.get_attribute("href"))
    link.click()
    page.wait_for_url(address)


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in fresh contexts; each page comes with its watcher."""
    contexts = []

    def open_page():
        context = browser.new_context(base_url=live_server.url)
        context.add_init_script(CSP_RECORDER)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        return page, PageWatcher(page)

    yield open_page
    for context in contexts:
        context.close()

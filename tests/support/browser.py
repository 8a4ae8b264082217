"""Headless Chromium for the browser tests, through Playwright's sync API.

The browser is Debian's Chromium (`/usr/bin/chromium`, or HT_CHROMIUM), passed to Playwright as
`executable_path`: nothing is downloaded (never run `playwright install`). A test logs in the
way a person does, through Airflow's own login page, so the `_token` cookie the dashboard reads
is the one Airflow's login flow sets. Screenshots go to `$HT_HOME/screenshots` so they outlive
the test run and can be looked at after a failure.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

CHROMIUM = Path(os.environ.get("HT_CHROMIUM", "/usr/bin/chromium"))
VIEWPORT = {"width": 1400, "height": 900}
LOGIN_PATH = "/auth/login"


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's headless Chromium driven by Playwright; closed on exit."""
    if not CHROMIUM.exists():
        raise FileNotFoundError(f"no Chromium at {CHROMIUM} (set HT_CHROMIUM)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def new_page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh context (no cookies shared with other tests)."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        yield context.new_page()
    finally:
        context.close()


def log_in(page: Page, base_url: str, user: str, password: str, path: str = "/") -> None:
    """Open `path`, which sends an anonymous visitor to Airflow's login page, and sign in there.

    Airflow's login page redirects back to `path` afterwards (its `next` parameter); this waits
    until the browser is back on `path`.
    """
    page.goto(base_url + path)
    page.wait_for_url(re.compile(re.escape(base_url + LOGIN_PATH)))
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(base_url + path) + r"([?#].*)?$"))


def follow_nav_link(page: Page, name: str, path_end: str, attempts: int = 3) -> None:
    """Click the Airflow UI navigation's link `name` and wait until the browser is on `path_end`.

    The UI draws its navigation before it is ready to route: a click in that moment is lost and
    the URL never changes (seen once in CI, under a 30 s wait). A person clicks again, and so
    does this, up to `attempts` times; a link that never leads to `path_end` still fails, with a
    screenshot of where the browser stayed.
    """
    nav = page.get_by_role("link", name=name)
    expect(nav).to_have_attribute("href", re.compile(re.escape(path_end) + "$"), timeout=30_000)
    arrived = re.compile(".*" + re.escape(path_end) + r"/?([?#].*)?$")
    for attempt in range(1, attempts + 1):
        nav.click()
        try:
            page.wait_for_url(arrived, timeout=15_000)
            return
        except PlaywrightTimeoutError:
            if attempt == attempts:
                screenshot(page, "nav-link-did-not-navigate", full_page=False)
                raise


def screenshot_dir() -> Path:
    """Where screenshots are kept: `$HT_HOME/screenshots` (a temp folder without HT_HOME)."""
    path = Path(os.environ.get("HT_HOME") or tempfile.gettempdir()) / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def screenshot(page: Page, name: str, full_page: bool = True) -> Path:
    """Save a PNG of the page under screenshot_dir() and print its path (shown with -s / -rA)."""
    path = screenshot_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    print(f"\nscreenshot: {path}")
    return path

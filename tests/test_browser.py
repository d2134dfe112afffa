"""The dashboard in headless Chromium against a real `smartshare serve`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from standardwebhooks import Webhook

from tests.conftest import automation_body
from tests.fakes.receiver import Receiver
from tests.fakes.server import serve
from tests.served import Served

CHROMIUM = Path("/usr/bin/chromium")
# These flags keep Chromium from contacting any outside host.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery"
SETUP_LINK = re.compile(r"(http://\S+/setup\?token=\S+)")
PAGES = ["/automations", "/posts", "/calendar", "/activity", "/settings", "/admin"]
ABORT_EVENTS = ("htmx:afterRequest", "htmx:sendAbort")
expect.set_options(timeout=15_000)


@dataclass
class Tab:
    """A browser page and the console errors it logged."""

    page: Page
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing; install Debian's chromium package "
            "(apt-get install chromium) to run the browser tests."
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


def open_tab(browser: Browser, base_url: str, **options) -> Tab:
    context = browser.new_context(
        base_url=base_url, timezone_id="Asia/Tokyo", **options
    )
    context.set_default_timeout(15_000)
    tab = Tab(context.new_page())
    tab.page.on("console", lambda message: _record_error(tab, message))
    tab.page.on("pageerror", lambda error: tab.errors.append(str(error)))
    return tab


def _record_error(tab: Tab, message) -> None:
    # Leaving a page aborts its htmx polling request, and htmx logs the abort as
    # an error. Failed responses still show up, as htmx:responseError.
    if message.type == "error" and not message.text.startswith(ABORT_EVENTS):
        tab.errors.append(message.text)


@pytest.fixture
def receiver():
    hooks = Receiver()
    with serve(hooks) as url:
        hooks.url = url + "/hooks"
        yield hooks


@pytest.fixture
def fresh_server(tmp_path):
    # The webhook receiver listens on 127.0.0.1, a private address.
    env = {"SMARTSHARE_WEBHOOKS__ALLOW_PRIVATE_NETWORKS": "true"}
    server = Served(tmp_path / "data", env=env).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def seeded_server(tmp_path_factory):
    """A server with one user, an automation and a published post."""
    server = Served(tmp_path_factory.mktemp("seeded") / "data").start()
    key = server.setup_owner()
    headers = {"Authorization": f"Bearer {key}"}
    created = httpx.post(
        server.url + "/api/v1/automations", json=automation_body(), headers=headers
    ).json()
    httpx.post(f"{server.url}/api/v1/automations/{created['id']}/run", headers=headers)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def signed_in(browser, seeded_server) -> dict:
    """Return the cookies of a logged-in browser, so each test logs in once at
    most: the login rate limit allows 10 attempts a minute from one address."""
    tab = open_tab(browser, seeded_server.url)
    log_in(tab)
    state = tab.page.context.storage_state()
    tab.page.context.close()
    return state


def log_in(tab: Tab, email: str = "owner@example.com") -> None:
    tab.page.goto("/login")
    tab.page.get_by_label("Email").fill(email)
    tab.page.get_by_label("Password").fill(PASSWORD)
    tab.page.get_by_role("button", name="Log in").click()
    expect(tab.page.get_by_role("heading", name="Automations", level=1)).to_be_visible()


def create_admin(page: Page, link: str) -> None:
    page.goto(link)
    page.get_by_label("Email").fill("admin@example.com")
    page.get_by_label(re.compile(r"^Password \(")).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create the admin").click()
    expect(page.get_by_role("heading", name="Automations", level=1)).to_be_visible()


def open_settings(page: Page) -> None:
    main_menu = page.get_by_role("navigation", name="Main")
    main_menu.get_by_role("link", name="Settings").click()


def add_sandbox_account(page: Page, username: str) -> None:
    open_settings(page)
    page.get_by_label("Username").fill(username)
    page.get_by_role("button", name="Add sandbox account").click()
    expect(page.get_by_role("cell", name=f"@{username}")).to_be_visible()


def fill_automation_form(page: Page) -> None:
    """Fill the form, going through an inline timezone error on the way."""
    page.goto("/automations/new")
    page.get_by_label("Description").fill("Morning coffee photos")
    page.get_by_label("Image prompt").fill("A cup of coffee on a wooden table")
    page.get_by_label("Mandatory caption text or hashtags").fill("#coffee")
    page.get_by_label("Repeat").select_option("weekly")
    page.get_by_label(re.compile(r"^Time \(")).fill("08:30")
    page.get_by_label(re.compile(r"^Timezone")).fill("europe/berlin")
    expect(page.locator("#error-schedule_timezone")).to_contain_text(
        "Did you mean Europe/Berlin?"
    )
    page.get_by_label(re.compile(r"^Timezone")).fill("Europe/Berlin")
    page.get_by_label("Friday").check()
    expect(page.locator("#schedule-preview")).to_contain_text(
        "Weekly on Friday at 08:30 (Europe/Berlin)"
    )
    expect(page.locator("#schedule-preview li")).to_have_count(5)
    expect(page.locator("#error-schedule_timezone")).to_be_empty()


def run_and_open_post(page: Page) -> None:
    page.get_by_role("button", name="Run now").click()
    expect(page.locator("#notice")).to_contain_text("Run queued.")
    expect(page.locator("#runs")).to_contain_text("Post created")
    expect(page.locator("#runs")).to_contain_text("Published")
    page.locator("#runs").get_by_role("link", name="Post").click()
    expect(page.get_by_role("heading", name="Post for @cafe_sandbox")).to_be_visible()


def create_api_key(page: Page) -> str:
    open_settings(page)
    page.get_by_label("Name of the new key").fill("browser test")
    page.get_by_role("button", name="Create API key").click()
    return page.get_by_role("textbox", name="API key", exact=True).input_value()


def add_webhook_and_send_test(page: Page, url: str) -> str:
    """Add an endpoint, send it a test event and return the signing secret."""
    open_settings(page)
    page.get_by_label("URL").fill(url)
    page.get_by_label(re.compile(r"^Description")).fill("browser test receiver")
    page.get_by_role("button", name="Add endpoint").click()
    secret = page.get_by_label("Signing secret").input_value()
    page.get_by_role("link", name="Open the endpoint to send a test event").click()
    page.get_by_role("button", name="Send test event").click()
    expect(page.locator("#deliveries .badge")).to_have_text("Delivered")
    return secret


def test_first_user_creates_and_runs_automation(browser, fresh_server, receiver):
    link = SETUP_LINK.search(fresh_server.log()).group(1)
    tab = open_tab(browser, fresh_server.url)
    page = tab.page

    create_admin(page, link)
    add_sandbox_account(page, "cafe_sandbox")
    fill_automation_form(page)
    page.get_by_role("button", name="Create automation").click()
    expect(page.get_by_role("heading", name="Morning coffee photos")).to_be_visible()
    expect(
        page.get_by_text("Weekly on Friday at 08:30 (Europe/Berlin)")
    ).to_be_visible()

    run_and_open_post(page)
    expect(page.locator("[id^='post-state-'] .badge")).to_have_text("Published")
    image = page.locator(".insta img")
    expect(image).to_be_visible()
    assert image.evaluate("element => element.naturalWidth") == 1080
    assert any((fresh_server.data_dir / "outbox" / "cafe_sandbox").iterdir())

    key = create_api_key(page)
    listed = httpx.get(
        fresh_server.url + "/api/v1/automations",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert listed.status_code == 200
    assert listed.json()["automations"][0]["general_description"] == (
        "Morning coffee photos"
    )

    secret = add_webhook_and_send_test(page, receiver.url)
    [request] = receiver.requests
    signed = Webhook(secret).verify(request.body, request.headers)
    assert signed["event_type"] == "webhook.test"
    assert tab.errors == []


def test_viewer_sees_own_timezone(browser, seeded_server, signed_in):
    tab = open_tab(browser, seeded_server.url, storage_state=signed_in)
    tab.page.goto("/automations")

    next_run = tab.page.locator("[id^='next-']").first

    expect(next_run).to_contain_text("PST")
    expect(next_run.locator("time")).to_contain_text("GMT+9")
    assert tab.errors == []


def test_posts_grid_shows_published_post(browser, seeded_server, signed_in):
    tab = open_tab(browser, seeded_server.url, storage_state=signed_in)
    tab.page.goto("/posts")
    card = tab.page.locator(".post-card").first

    expect(card.locator(".badge")).to_have_text("Published")
    assert card.locator("img").evaluate("element => element.naturalWidth") > 0
    tab.page.get_by_label("Status").select_option("failed")
    tab.page.get_by_role("button", name="Filter").click()
    expect(tab.page.get_by_text("No posts match these filters.")).to_be_visible()
    assert tab.errors == []


def test_skip_link_comes_first(browser, seeded_server, signed_in):
    tab = open_tab(browser, seeded_server.url, storage_state=signed_in)
    tab.page.goto("/automations")

    tab.page.keyboard.press("Tab")
    focused = tab.page.evaluate("document.activeElement.textContent")
    tab.page.keyboard.press("Enter")

    assert focused == "Skip to main content"
    assert tab.page.evaluate("document.activeElement.id") == "main"


@pytest.mark.parametrize("path", PAGES)
def test_page_fits_narrow_screen(browser, seeded_server, signed_in, path):
    tab = open_tab(
        browser,
        seeded_server.url,
        storage_state=signed_in,
        viewport={"width": 390, "height": 844},
    )

    tab.page.goto(path)
    overflow = tab.page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )

    assert overflow <= 0
    assert tab.errors == []


@pytest.mark.parametrize("path", PAGES + ["/automations/new"])
def test_inputs_have_labels(browser, seeded_server, signed_in, path):
    tab = open_tab(browser, seeded_server.url, storage_state=signed_in)

    tab.page.goto(path)
    unlabelled = tab.page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter(e => e.type !== 'hidden')
            .filter(e => !e.labels.length && !e.getAttribute('aria-label'))
            .map(e => e.name)"""
    )

    assert unlabelled == []

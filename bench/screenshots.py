"""Screenshots of the dashboard's main pages, for docs/screenshots/.

Starts `smartshare serve` on a temporary data directory and fills it through
the CLI and the API. Posts come from the builtin generator and the sandbox
publisher, and a webhook receiver listens on 127.0.0.1. The posts are then
spread over the last 30 days, so that the calendar and the activity chart have
something to show, and headless Chromium photographs the pages.

Usage: uv run python bench/screenshots.py [--out docs/screenshots]
Needs Debian's chromium (apt-get install chromium).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.fakes.receiver import Receiver  # noqa: E402
from tests.fakes.server import serve  # noqa: E402
from tests.served import Served  # noqa: E402

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EMAIL, PASSWORD = "owner@example.com", "correct horse battery"
AUTOMATIONS = [
    {
        "instagram_username": "cafe_corner",
        "schedule": {"type": "daily", "time": "08:30", "timezone": "Europe/Berlin"},
        "generalDescription": "Morning coffee of the day at Cafe Corner",
        "promptDetails": "A flat white on a marble table, soft window light",
        "negativePrompt": "text, watermark, blurry",
        "mandatoryCaptionOrHashtags": "#cafecorner #coffee",
        "generateExtraHashtags": True,
        "contentType": "ai_generated",
    },
    {
        "instagram_username": "plant_studio",
        "schedule": {
            "type": "weekly",
            "time": "18:00",
            "timezone": "America/New_York",
            "days_of_week": ["monday", "thursday"],
        },
        "generalDescription": "Plant care tip of the week",
        "promptDetails": "A monstera in a terracotta pot, studio photo",
        "negativePrompt": None,
        "mandatoryCaptionOrHashtags": "#plantstudio",
        "generateExtraHashtags": True,
        "contentType": "ai_generated",
    },
    {
        "instagram_username": "cafe_corner",
        "schedule": {
            "type": "monthly",
            "time": "12:00",
            "timezone": "UTC",
            "day_of_month": 1,
        },
        "generalDescription": "Monthly menu highlights",
        "promptDetails": "Pastries and cakes on a wooden counter",
        "negativePrompt": "people",
        "mandatoryCaptionOrHashtags": "#newmenu",
        "generateExtraHashtags": False,
        "contentType": "ai_generated",
        "requiresApproval": True,
    },
]
RUNS_PER_AUTOMATION = (6, 4, 2)
FAILURE = (
    "Instagram rejected the caption: it has more than 5 hashtags. Remove some "
    "hashtags from the automation and retry."
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)

    receiver = Receiver()
    with serve(receiver) as receiver_url, tempfile.TemporaryDirectory() as tmp:
        env = {"SMARTSHARE_WEBHOOKS__ALLOW_PRIVATE_NETWORKS": "true"}
        server = Served(Path(tmp) / "data", env=env).start()
        try:
            ids = seed(server, receiver_url + "/hooks")
            photograph(server.url, out, *ids)
        finally:
            server.stop()
    print(f"screenshots written to {out}")


def seed(server: Served, webhook_url: str) -> tuple[str, str]:
    """Fill the server with automations, posts and a webhook, and return the
    ids of a published post and of the first automation."""
    key = server.setup_owner(EMAIL, "cafe_corner")
    server.cli("account", "add", EMAIL, "plant_studio", "--sandbox")
    api = httpx.Client(
        base_url=server.url + "/api/v1",
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )
    created = []
    for body, count in zip(AUTOMATIONS, RUNS_PER_AUTOMATION, strict=True):
        automation = api.post("/automations", json=body).json()
        created.append(automation["id"])
        for _ in range(count):
            api.post(f"/automations/{automation['id']}/run")
            wait_for_runs(api, automation["id"])

    endpoint = api.post(
        "/webhooks", json={"url": webhook_url, "description": "Order system"}
    ).json()
    api.post(f"/webhooks/{endpoint['id']}/test")
    spread_over_month(server.data_dir / "app.db")
    time.sleep(3)
    published = api.get("/posts", params={"status": "published"}).json()["posts"]
    return published[0]["id"], created[0]


def wait_for_runs(api: httpx.Client, automation_id: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        runs = api.get(f"/automations/{automation_id}/runs").json()["runs"]
        posts = api.get("/posts", params={"status": "publishing"}).json()["posts"]
        if all(run["status"] not in ("queued", "running") for run in runs) and not (
            posts
        ):
            return
        time.sleep(0.2)
    raise RuntimeError(f"runs of automation {automation_id} did not finish in 60 s")


def spread_over_month(path: Path) -> None:
    """Move the posts back in time, one every two to three days, and fail two."""
    now = datetime.now(UTC)
    with sqlite3.connect(path) as conn:
        ids = [row[0] for row in conn.execute("SELECT id FROM posts ORDER BY id")]
        for index, post_id in enumerate(ids):
            moment = now - timedelta(days=index * 2.4 + 0.5, hours=index % 5)
            stamp = moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
            conn.execute(
                "UPDATE posts SET created_at = ?, updated_at = ?, published_at = "
                "CASE WHEN published_at IS NULL THEN NULL ELSE ? END WHERE id = ?",
                (stamp, stamp, stamp, post_id),
            )
        for post_id in ids[2:4]:
            conn.execute(
                "UPDATE posts SET status = 'failed', error = ?, published_at = NULL "
                "WHERE id = ?",
                (FAILURE, post_id),
            )


def photograph(base_url: str, out: Path, post_id: str, automation_id: str) -> None:
    pages = {
        "automations": "/automations",
        "automation": f"/automations/{automation_id}",
        "automation-form": f"/automations/{automation_id}/edit",
        "posts": "/posts",
        "post": f"/posts/{post_id}",
        "calendar": "/calendar",
        "settings": "/settings",
        "activity": "/activity",
    }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        wide = browser.new_context(
            base_url=base_url,
            viewport={"width": 1280, "height": 900},
            timezone_id="Europe/Berlin",
        )
        page = log_in(wide.new_page())
        for name, path in pages.items():
            page.goto(path)
            load_lazy_images(page)
            page.screenshot(path=out / f"{name}.png", full_page=True)

        narrow = browser.new_context(
            base_url=base_url,
            viewport={"width": 390, "height": 844},
            timezone_id="Europe/Berlin",
            storage_state=wide.storage_state(),
        )
        phone = narrow.new_page()
        phone.goto("/automations")
        phone.screenshot(path=out / "automations-390px.png", full_page=True)
        browser.close()


def load_lazy_images(page) -> None:
    """Scroll through the page so that lazy images load before a full-page shot."""
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    # wait_for_function would evaluate a string, which the page's CSP forbids.
    loaded = "() => [...document.images].every(i => i.complete && i.naturalWidth)"
    deadline = time.monotonic() + 15
    while not page.evaluate(loaded) and time.monotonic() < deadline:
        time.sleep(0.1)
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_load_state("networkidle")


def log_in(page):
    page.goto("/login")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/automations")
    return page


if __name__ == "__main__":
    main()

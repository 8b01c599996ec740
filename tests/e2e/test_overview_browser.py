"""The security overview in a real browser, under the page's own content security policy:
the four 7-day charts drawn from seeded audit entries (168 bars each, a bar for each hour
that had entries), at desktop and at phone width, with no sideways scrolling.

Screenshots: ``test-artifacts/overview/`` under the repository root (CI keeps them)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from idp.audit.models import AuditEvent
from idp.audit.stats import hour_start
from idp.common.clock import utcnow
from idp.extensions import db
from tests.e2e.conftest import enroll_authenticator
from tests.factories import PASSWORD, make_org, make_user
from tests.support.audit_seed import seed

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "overview"
#: Hours ago -> entries, per event. Whole hours from one moment, so each group stays in an
#: hour of its own even if an hour ends while the test runs; none older than 6 days.
SEEDED = {
    "login.succeeded": {0: 3, 1: 5, 5: 2, 26: 8, 50: 4, 75: 6, 100: 1, 130: 7, 140: 2},
    "login.failed": {1: 2, 26: 4, 27: 1, 99: 3},
    "lockout.locked": {26: 1},
    "account.locked": {27: 1},
    "password.reset": {3: 1, 120: 1},
}
SERIES = {
    "sign-ins": ("login.succeeded",),
    "failures": ("login.failed",),
    "lockouts": ("lockout.locked", "account.locked"),
    "resets": ("password.reset",),
}
BARS = """(svg) => {
  const bars = [...svg.querySelectorAll("rect.bar")];
  return [bars.length, bars.filter(b => b.getBBox().height > 0).length,
          bars.reduce((sum, b) => sum + Number(b.dataset.count), 0)];
}"""
SIDEWAYS = "() => document.documentElement.scrollWidth > window.innerWidth"


def aware(at: datetime) -> datetime:
    """SQLite gives back naive times (in UTC)."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def in_(names):
    return AuditEvent.event.in_(names)


def test_overview_charts_render_from_seeded_events(live_server, browser):
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    print(f"\noverview screenshots: {ARTIFACTS}")
    url = live_server.url
    make_org("Willow Creek Pediatrics", status="pending")
    make_user("frozen.one", status="locked")
    make_user("sam", platform_role="security_admin")

    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    page.goto(url + "/login")
    page.fill("#username", "sam")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    enroll_authenticator(page)
    page.wait_for_url(url + "/admin")

    # Sam's own sign-in is an entry too: expectations come from every entry's time.
    now = utcnow()
    for event, hours in SEEDED.items():
        for ago, count in hours.items():
            for _ in range(count):
                seed(event, now - timedelta(hours=ago))
    db.session.expire_all()
    times = {
        key: [aware(e.at) for e in db.session.scalars(select(AuditEvent).where(in_(names)))]
        for key, names in SERIES.items()
    }
    assert len(times["sign-ins"]) == sum(SEEDED["login.succeeded"].values()) + 1

    page.click("header nav >> text=Overview")
    page.wait_for_url(url + "/admin/overview")
    expect(page.locator("h1")).to_have_text("Security overview")

    for key, when in times.items():
        hours = len({hour_start(at) for at in when})
        svg = page.locator(f"svg#chart-{key}")
        expect(svg).to_be_visible()
        assert svg.evaluate(BARS) == [168, hours, len(when)], key
        expect(page.locator(f"#summary-{key}")).to_contain_text(f"{len(when)} in the last 7 days")
        assert svg.bounding_box()["width"] > 300
    assert page.locator("svg.chart text.day").count() >= 4 * 6
    expect(page.locator("#pending-total")).to_have_text("1")
    expect(page.locator("#locked-total")).to_have_text("1")
    page.screenshot(path=str(ARTIFACTS / "01-overview-desktop.png"), full_page=True)
    page.click("text=The numbers per day")
    expect(page.locator("#per-day")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "02-overview-numbers.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    for key in SERIES:
        svg = page.locator(f"svg#chart-{key}")
        expect(svg).to_be_visible()
        assert 300 < svg.bounding_box()["width"] <= 390
    assert not page.evaluate(SIDEWAYS)
    page.screenshot(path=str(ARTIFACTS / "03-overview-phone.png"), full_page=True)
    assert blocked == []
    context.close()
    for shot in ARTIFACTS.glob("*.png"):
        assert shot.stat().st_size > 1000
    assert len(list(ARTIFACTS.glob("*.png"))) == 3

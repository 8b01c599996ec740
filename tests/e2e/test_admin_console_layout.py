"""The security console in a real browser at 390 px: no page scrolls sideways (wide tables
scroll inside their own container), headings go in order, and every form field has a label."""

from __future__ import annotations

from playwright.sync_api import expect

from idp.extensions import db
from idp.oauth.clients import client_service
from tests.e2e.conftest import enroll_authenticator
from tests.factories import PASSWORD, add_member, make_org, make_user

CHECK = """() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth) problems.push(`page ${root.scrollWidth}px wide`);
  let level = 0;
  for (const h of document.querySelectorAll("main h1, main h2, main h3, main h4")) {
    const n = Number(h.tagName[1]);
    if (n > level + 1) problems.push(`heading ${h.tagName} after h${level}: ${h.textContent}`);
    level = n;
  }
  for (const field of document.querySelectorAll("main input, main select, main textarea")) {
    if (field.type === "hidden") continue;
    const labelled = field.labels && field.labels.length > 0;
    if (!labelled && !field.getAttribute("aria-label")) problems.push(`unlabelled ${field.name}`);
  }
  for (const table of document.querySelectorAll("main table")) {
    if (!table.closest(".table-scroll")) problems.push("table outside a scroll container");
    if (!table.querySelector("th")) problems.push("table without headers");
  }
  return problems;
}"""


def test_console_pages_fit_a_phone_and_are_labelled(live_server, browser, app):
    org = make_org("Very Long Name Family Medicine and Pediatrics Associates of Springfield LLC")
    pending = make_org("Another Long Named Practice Awaiting Review PLLC", status="pending")
    pending.tax_id = org.tax_id
    desk = make_user("a.rather.long.username.for.a.front.desk.person")
    add_member(desk, org, "front_desk")
    make_user("sam", platform_role="security_admin")
    client_service(app.config["IDP_SETTINGS"], app.config["SECRET_KEY"]).add(
        name="Claims portal with a long name",
        client_id="claims-portal-with-a-really-long-client-identifier",
        redirect_uris=["https://claims.example/a/very/long/callback/path/for/testing"],
    )
    db.session.commit()

    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    url = live_server.url
    page.goto(url + "/login")
    page.fill("#username", "sam")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    enroll_authenticator(page)
    page.wait_for_url(url + "/admin")
    expect(page.locator("h1")).to_have_text("Security console")

    paths = [
        "/admin",
        "/admin/overview",
        "/admin/organizations",
        f"/admin/organizations/{org.id}",
        f"/admin/organizations/{pending.id}/reject",
        "/admin/users?q=",
        f"/admin/users/{desk.id}",
        f"/admin/users/{desk.id}/sessions",
        f"/admin/users/{desk.id}/disable",
        "/admin/clients",
        "/admin/clients/new",
        "/admin/clients/claims-portal-with-a-really-long-client-identifier",
        "/admin/keys",
        "/admin/keys/rotate",
    ]
    for path in paths:
        page.goto(url + path)
        assert page.evaluate(CHECK) == [], path
    context.close()

"""The security overview page: the 7-day charts from the audit trail, approvals waiting,
locked accounts, keys leaving the JWKS; security administrators only, each part behind its
own permission."""

from __future__ import annotations

import copy
import re
from datetime import timedelta

import pytest

from idp.common.clock import FixedClock
from idp.jwk.keyring import KeyRing
from tests.factories import make_org
from tests.http.admin.support import cast
from tests.http.orgs.helpers import client_for, make_person
from tests.support.audit_seed import seed
from tests.support.roles import roles_with


@pytest.fixture
def settings_overrides(tmp_path):
    """A key keeper (a platform role with only ``admin.keys.manage``), and a key folder of
    this test's own (the session's is shared by the tests before)."""
    roles = roles_with()
    keeper = copy.deepcopy(roles["security_admin"])
    keeper.update(label="Key keeper", permissions=["admin.keys.manage"], mfa_required=False)
    roles["key_keeper"] = keeper
    return {"roles": roles, "keys_dir": str(tmp_path / "keys")}


@pytest.fixture
def clock(app):
    fixed = FixedClock()
    app.extensions["idp_clock"] = fixed
    return fixed


def summary(html: str, key: str) -> str:
    found = re.search(rf'<p class="chart-summary" id="summary-{key}">([^<]*)</p>', html)
    assert found, key
    return found.group(1)


def bars(html: str, key: str) -> list[int]:
    svg = re.search(rf'<svg class="chart" id="chart-{key}".*?</svg>', html, re.S)
    assert svg, key
    return [int(n) for n in re.findall(r'<rect class="bar"[^>]*data-count="(\d+)"', svg.group(0))]


def test_the_charts_count_the_last_seven_days_per_hour(app, clock):
    people = cast(app)
    now = clock.now()
    for hours_ago in (0, 0, 30):
        seed("login.succeeded", now - timedelta(hours=hours_ago))
    seed("login.succeeded", now - timedelta(days=8))  # too old
    seed("login.failed", now - timedelta(hours=2))
    seed("login.failed", now - timedelta(hours=2, minutes=5))
    seed("lockout.locked", now - timedelta(hours=3))
    seed("account.locked", now - timedelta(hours=3))
    seed("password.reset", now - timedelta(days=6))
    html = people.sec.get("/admin/overview").data.decode()

    assert summary(html, "sign-ins").startswith("3 in the last 7 days; busiest hour")
    assert summary(html, "failures").startswith("2 in the last 7 days")
    assert summary(html, "lockouts").startswith("2 in the last 7 days")
    assert summary(html, "resets").startswith("1 in the last 7 days")
    signins = bars(html, "sign-ins")
    assert len(signins) == 168 and signins[-1] == 2 and signins[-31] == 1 and sum(signins) == 3
    assert bars(html, "lockouts")[-4] == 2
    for key in ("failures", "resets"):
        assert len(bars(html, key)) == 168
    # The SVG names itself and says what it shows; no inline style or script.
    assert 'aria-labelledby="chart-sign-ins-title chart-sign-ins-desc"' in html
    assert "Sign-ins per hour, last 7 days (UTC)" in html
    assert "style=" not in html and "<script>" not in html
    # The numbers table ends with the totals.
    assert re.search(r"<th scope=\"row\">Total</th><td>3</td><td>2</td><td>2</td><td>1</td>", html)


def test_empty_charts_say_so(app, clock):
    html = cast(app).sec.get("/admin/overview").data.decode()
    assert summary(html, "resets") == "None in the last 7 days (password resets)."
    assert bars(html, "resets") == [0] * 168


def test_waiting_registrations_locked_accounts_and_keys_leaving(app, clock):
    people = cast(app)
    waiting = make_org("Willow Creek Pediatrics", status="pending")
    frozen = make_person("frozen.one", display_name="Frozen One", status="locked")
    ring = KeyRing(app.config["IDP_SETTINGS"].keys_path)
    first = ring.ensure_active("ES256").kid
    ring.rotate("ES256", retire_after_seconds=10 * 24 * 3600)  # leaves in 10 days
    second = ring.active("ES256").kid
    ring.rotate("ES256", retire_after_seconds=3600)  # leaves in an hour
    third = ring.active("ES256").kid
    ring.rotate("ES256", retire_after_seconds=-60)  # left a minute ago, files still there
    html = people.sec.get("/admin/overview").data.decode()

    assert '<span id="pending-total">1</span>' in html
    assert f'href="/admin/organizations/{waiting.id}">Willow Creek Pediatrics</a>' in html
    assert '<span id="locked-total">1</span>' in html
    assert f'href="/admin/users/{frozen.id}">Frozen One</a>' in html
    assert '<span id="keys-total">2</span>' in html
    assert f"<code>{first}</code>" not in html
    assert html.index(f"<code>{third}</code>") < html.index(f"<code>{second}</code>")
    assert html.count("no longer published") == 1


def test_the_console_links_the_overview(app):
    html = cast(app).sec.get("/admin").data.decode()
    assert 'href="/admin/overview"' in html


def test_office_people_are_refused_and_visitors_sent_to_sign_in(app, client):
    people = cast(app)
    assert people.office_admin.get("/admin/overview").status_code == 403
    assert people.staff.get("/admin/overview").status_code == 403
    response = client.get("/admin/overview")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_each_part_needs_its_own_permission(app, clock):
    make_org("Hidden Pending Practice", status="pending")
    keeper = client_for(app, make_person("kay.keeper", platform_role="key_keeper"))
    response = keeper.get("/admin/overview")
    assert response.status_code == 200
    html = response.data.decode()
    assert 'id="keys-total"' in html
    assert "<svg" not in html and "pending-total" not in html and "locked-total" not in html
    assert "Hidden Pending Practice" not in html

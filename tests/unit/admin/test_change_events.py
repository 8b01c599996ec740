"""What administrators change in offices is recorded with ``before`` and ``after``:
approval decisions, an access end date that has passed, a two-step reset."""

from __future__ import annotations

import json
from datetime import timedelta

from idp import services
from idp.admin import organizations
from idp.audit.service import events
from idp.common.clock import FixedClock
from idp.mail import build_mailer
from idp.orgs import members
from tests.factories import make_org
from tests.support.signin import enroll_totp


def _data(event: str) -> dict:
    return json.loads(events(event)[-1].data)


def test_approval_decisions_carry_before_and_after(settings, sec, mail):
    org = make_org("Pending Practice", status="pending")
    mailer, clock = build_mailer(settings), FixedClock()
    organizations.change_status(settings, sec, org.id, "approve", mailer=mailer, clock=clock)
    assert _data("org.approved")["before"] == {"status": "pending"}
    assert _data("org.approved")["after"] == {"status": "approved"}
    organizations.change_status(
        settings, sec, org.id, "suspend", reason="Audit", mailer=mailer, clock=clock
    )
    assert _data("org.suspended")["before"] == {"status": "approved"}
    assert _data("org.suspended")["after"] == {"status": "suspended"}


def test_an_end_date_in_the_past_records_the_access_ending(settings, office):
    org, boss, desk = office
    membership = next(m for m in desk.memberships if m.org_id == org.id)
    clock = FixedClock()
    yesterday = (clock.now() - timedelta(days=1)).date()
    members.set_access_end(
        settings, boss, org.id, membership.id, yesterday, clock=clock, confirm=True
    )
    ended = _data("membership.ended")
    assert ended["before"] == {"access": "active"} and ended["after"] == {"access": "ended"}
    changed = _data("org.member.access_end_set")
    assert changed["before"]["access_ends_on"] is None
    assert changed["after"]["access_ends_on"] == yesterday.isoformat()


def test_a_two_step_reset_by_the_office_admin_carries_before_and_after(app, settings, office):
    org, boss, desk = office
    enroll_totp(desk, FixedClock())
    services.mfa().reset(boss, desk)
    data = _data("mfa.reset")
    assert data["before"]["totp"] is True and data["before"]["recovery_codes"] == 10
    assert data["after"] == {"totp": False, "recovery_codes": 0, "passkeys": 0}

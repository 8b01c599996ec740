"""Security admins decide registrations and suspend or reinstate offices (no HTTP)."""

from __future__ import annotations

import pytest

from idp.accounts.fields import FieldErrors
from idp.audit.service import events
from idp.common.clock import aware
from idp.errors import Conflict, Forbidden, NotFound
from idp.orgs import approval, effects
from tests.factories import add_member, make_org
from tests.http.orgs.helpers import make_person


def test_decide_needs_the_platform_permission(settings, mailer, clock, mail):
    org = make_org("Waiting", status="pending")
    admin = make_person("waiting.admin")
    add_member(admin, org, "office_admin")
    for not_allowed in (make_person("nobody"), admin):
        with pytest.raises(Forbidden):
            approval.transition(
                org.id, not_allowed, "approve", settings=settings, mailer=mailer, clock=clock
            )
    sec = make_person("sec", platform_role="security_admin")
    with pytest.raises(FieldErrors):
        approval.transition(
            org.id, sec, "reject", reason="", settings=settings, mailer=mailer, clock=clock
        )
    approval.transition(org.id, sec, "approve", settings=settings, mailer=mailer, clock=clock)
    assert org.status == "approved" and aware(org.decided_at) == clock.now()
    notice = mail.wait_for(admin.email)[-1]
    assert "approved" in notice["Subject"]
    assert f"Hello {admin.display_name}," in mail.text(notice)
    assert "Waiting is approved" in mail.text(notice) and "http://idp.test/login" in mail.text(
        notice
    )
    with pytest.raises(Conflict):
        approval.transition(
            org.id, sec, "reject", reason="late", settings=settings, mailer=mailer, clock=clock
        )


def test_suspending_tells_the_admins_why_and_runs_the_membership_hooks(
    settings, mailer, clock, mail, office
):
    org, admin = office
    desk = make_person("svc.desk")
    add_member(desk, org, "front_desk")
    sec = make_person("sec", platform_role="security_admin")
    hooked: list[tuple[str, str]] = []
    effects.MEMBERSHIP_CHANGED_HOOKS.append(
        lambda user_id, org_id: hooked.append((user_id, org_id))
    )
    try:
        approval.transition(
            org.id, sec, "suspend", reason="Audit.", settings=settings, mailer=mailer, clock=clock
        )
    finally:
        effects.MEMBERSHIP_CHANGED_HOOKS.pop()
    assert org.status == "suspended" and org.decision_reason == "Audit."
    assert sorted(hooked) == sorted([(admin.id, org.id), (desk.id, org.id)])
    notice = mail.wait_for(admin.email)[-1]
    assert "suspended" in notice["Subject"] and "Reason: Audit." in mail.text(notice)
    assert mail.to(desk.email) == []
    [event] = events("org.suspended")
    assert event.actor_id == sec.id and event.org_id == org.id
    with pytest.raises(NotFound):
        approval.transition(org.id, sec, "dissolve", settings=settings, mailer=mailer, clock=clock)


def test_the_decision_goes_to_the_offices_administrators_whose_own_membership_lasts(
    settings, mailer, clock, mail, office
):
    org, admin = office
    deactivated = make_person("gone.admin")
    add_member(deactivated, org, "office_admin").status = "deactivated"
    desk = make_person("decided.desk")
    add_member(desk, org, "front_desk")
    sec = make_person("sec", platform_role="security_admin")
    approval.transition(
        org.id, sec, "suspend", reason="Audit.", settings=settings, mailer=mailer, clock=clock
    )
    assert "suspended" in mail.wait_for(admin.email)[-1]["Subject"]
    approval.transition(org.id, sec, "reinstate", settings=settings, mailer=mailer, clock=clock)
    assert "active again" in mail.wait_for(admin.email, count=2)[-1]["Subject"]
    assert mail.to(deactivated.email) == [] and mail.to(desk.email) == []

"""The access review's job with a fixed clock (default settings: cadence 90 days, reminder
14 days before, grace 14 days): reminders once, suspension once, with its effects;
confirmation and reactivation start a new cycle."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from idp.audit.service import events
from idp.extensions import db
from idp.login.current import store
from idp.orgs import access, effects, members, review
from idp.orgs.models import Membership
from idp.orgs.review_job import run_access_review
from tests.factories import add_member
from tests.http.orgs.helpers import make_person
from tests.support.jobs import BrokenMailer, at

#: When every membership of these tests began (due 2027-04-01 12:00).
START = datetime(2027, 1, 1, 12, tzinfo=UTC)
REMINDER = datetime(2027, 3, 18, 12, tzinfo=UTC)
SUSPENSION = datetime(2027, 4, 15, 12, tzinfo=UTC)
NOTHING = {"reminded": [], "suspended": [], "kept": [], "failed": []}


@pytest.fixture
def staff(office):
    """The office's administrator and a front-desk member, both begun at START."""
    org, admin = office
    desk = add_member(make_person("desk.staff", display_name="Dana Desk"), org, "front_desk")
    db.session.execute(db.update(Membership).values(created_at=START))
    db.session.commit()
    return org, admin, desk


def _reload(member) -> Membership:
    db.session.expire_all()
    return db.session.get(Membership, member.id)


def _run(settings, mailer, clock):
    return run_access_review(settings, clock=clock, mailer=mailer)


def test_reminder_once_then_suspension_once_with_its_effects(
    settings, mailer, mail, staff, monkeypatch
):
    org, admin, desk = staff
    admin_m = access.active_membership(admin.id, org.id)
    assert _run(settings, mailer, at(REMINDER, minutes=-1)).as_dict() == NOTHING
    assert mail.to(admin.email) == []

    report = _run(settings, mailer, at(REMINDER))
    assert sorted(report.reminded) == sorted([desk.id, admin_m.id]) and not report.suspended
    [reminder] = mail.wait_for(admin.email)
    text = mail.text(reminder)
    assert "Dana Desk" in text and "due 2027-04-01" in text
    assert f"/orgs/{org.id}/access-review" in text
    [reminded] = events("access_review.reminded")
    assert reminded.org_id == org.id and reminded.actor_id is None
    assert mail.to(desk.user.email) == []  # the members are not mailed the reminder
    # Idempotent: later runs in the cycle send nothing more.
    for clock in (at(REMINDER, hours=6), at(SUSPENSION, minutes=-1)):
        assert _run(settings, mailer, clock).as_dict() == NOTHING
    assert len(mail.to(admin.email)) == 1
    assert access.counts(_reload(desk))

    session = store().create(
        desk.user_id, ["pwd"], idle_seconds=600, absolute_seconds=3600, active_org_id=org.id
    )
    changed: list[tuple[str, str]] = []
    monkeypatch.setattr(effects, "MEMBERSHIP_CHANGED_HOOKS", [lambda u, o: changed.append((u, o))])
    report = _run(settings, mailer, at(SUSPENSION))
    # The last lasting administrator is kept; the unconfirmed member is suspended.
    assert report.suspended == [desk.id] and report.kept == [admin_m.id]
    assert _reload(desk).status == "deactivated" and not access.counts(_reload(desk))
    assert access.counts(_reload(admin_m))
    assert changed == [(desk.user_id, org.id)]  # the office's refresh tokens stop
    assert store().needs_new_id(session)  # the session leaves the office
    [suspended] = events("access_review.suspended")
    assert suspended.subject_id == desk.user_id and suspended.org_id == org.id
    assert '"due_at": "2027-04-01T12:00:00+00:00"' in suspended.data
    [notice] = mail.wait_for(desk.user.email)
    assert org.legal_name in mail.text(notice) and "2027-04-01" in mail.text(notice)
    told = mail.wait_for(admin.email, count=2)
    assert "Dana Desk" in mail.text(told[-1]) and f"/orgs/{org.id}/members" in mail.text(told[-1])

    again = _run(settings, mailer, at(SUSPENSION, days=1))
    assert again.suspended == [] and again.reminded == []
    assert len(events("access_review.suspended")) == 1


def test_confirmation_starts_a_new_cycle(settings, mailer, mail, staff):
    org, admin, desk = staff
    _run(settings, mailer, at(REMINDER))
    confirmed_at = at(REMINDER, days=2)
    assert review.confirm(settings, admin, org.id, [desk.id], clock=confirmed_at) == 1
    member = _reload(desk)
    assert member.access_confirmed_by_id == admin.id and member.review_reminded_at is None
    [event] = events("access_review.confirmed")
    assert event.actor_id == admin.id and event.subject_id == desk.user_id
    # Not suspended at the old date, reminded again 76 days after the confirmation.
    assert desk.id not in _run(settings, mailer, at(SUSPENSION)).suspended
    assert access.counts(_reload(desk))
    next_reminder = confirmed_at.now()
    assert desk.id not in _run(settings, mailer, at(next_reminder, days=76, minutes=-1)).reminded
    assert _run(settings, mailer, at(next_reminder, days=76)).reminded == [desk.id]


def test_nobody_is_suspended_before_the_administrators_were_reminded(settings, mailer, staff):
    """A job that did not run for a while reminds first and suspends a grace period later."""
    org, admin, desk = staff
    late = datetime(2027, 5, 1, 12, tzinfo=UTC)
    report = _run(settings, mailer, at(late))
    assert desk.id in report.reminded and report.suspended == []
    assert _run(settings, mailer, at(late, days=14, minutes=-1)).suspended == []
    assert _run(settings, mailer, at(late, days=14)).suspended == [desk.id]


def test_a_failed_reminder_is_sent_by_the_next_run(settings, mailer, mail, staff):
    org, admin, desk = staff
    report = _run(settings, BrokenMailer(), at(REMINDER))
    assert desk.id in report.failed and report.reminded == []
    assert _reload(desk).review_reminded_at is None
    assert events("access_review.reminded") == []
    assert desk.id in _run(settings, mailer, at(REMINDER, days=1)).reminded
    assert len(mail.wait_for(admin.email)) == 1


def test_reactivation_confirms_the_member(settings, mailer, staff):
    org, admin, desk = staff
    _run(settings, mailer, at(REMINDER))
    assert _run(settings, mailer, at(SUSPENSION)).suspended == [desk.id]
    members.reactivate_member(settings, admin, org.id, desk.id, clock=at(SUSPENSION, days=1))
    report = _run(settings, mailer, at(SUSPENSION, days=2))
    assert desk.id not in report.suspended + report.reminded  # a new cycle: not due yet
    assert access.counts(_reload(desk))
    assert _reload(desk).access_confirmed_by_id == admin.id


def test_approval_starts_the_cycle(settings, mailer, staff):
    from idp.orgs.approval import transition
    from tests.factories import make_user

    org, admin, desk = staff
    security = make_user("sec.admin", platform_role="security_admin")
    decided = at(REMINDER, days=1)
    transition(
        org.id, security, "suspend", reason="audit", settings=settings, mailer=mailer, clock=decided
    )
    transition(org.id, security, "reinstate", settings=settings, mailer=mailer, clock=decided)
    assert _reload(desk).access_confirmed_at is not None
    assert _run(settings, mailer, at(REMINDER, days=2)).reminded == []


def test_switched_off(make_app, mailer, staff):
    off = make_app(access_review_cadence_days=0).config["IDP_SETTINGS"]
    assert _run(off, mailer, at(SUSPENSION, days=100)).as_dict() == NOTHING


def test_the_cli_command_runs_the_job(app, mail, staff):
    from flask.cli import ScriptInfo

    from idp.cli import cli

    org, admin, desk = staff
    app.extensions["idp_clock"] = at(REMINDER)
    runner = CliRunner()
    info = ScriptInfo(create_app=lambda: app)
    result = runner.invoke(cli, ["access-review", "run", "--json"], obj=info)
    assert result.exit_code == 0, result.output
    assert desk.id in result.output
    result = runner.invoke(cli, ["access-review", "run"], obj=info)
    assert result.exit_code == 0 and "members reminded: 0" in result.output

"""The end-of-access job with a fixed clock: a notice once, the end once, idempotent."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner

from idp.audit.service import events
from idp.common.clock import FixedClock
from idp.extensions import db
from idp.login.current import store
from idp.orgs import access, members
from idp.orgs.expiry import expire_memberships
from idp.orgs.models import Membership
from tests.factories import add_member
from tests.http.orgs.helpers import make_person
from tests.support.jobs import BrokenMailer

LAST_DAY = date(2026, 12, 31)


def at(year, month, day, hour=12) -> FixedClock:
    return FixedClock(datetime(year, month, day, hour, tzinfo=UTC).timestamp())


@pytest.fixture
def temp(settings, office):
    """A temp in the office whose access ends on LAST_DAY, set by the administrator."""
    org, admin = office
    person = make_person("temp.staff", display_name="Terry Temp")
    member = add_member(person, org, "front_desk")
    members.set_access_end(settings, admin, org.id, member.id, LAST_DAY, clock=at(2026, 12, 1))
    return member


def _reload(member) -> Membership:
    db.session.expire_all()
    return db.session.get(Membership, member.id)


def test_notice_once_then_the_end_once(settings, mailer, mail, office, temp):
    org, admin = office
    # Eight days before: too early for the notice (access_end_notice_days = 7).
    assert expire_memberships(settings, clock=at(2026, 12, 23), mailer=mailer).as_dict() == {
        "ended": [],
        "noticed": [],
        "failed": [],
    }
    assert mail.to(temp.user.email) == []

    report = expire_memberships(settings, clock=at(2026, 12, 24), mailer=mailer)
    assert report.noticed == [temp.id] and report.ended == []
    [notice] = mail.wait_for(temp.user.email)
    assert "2026-12-31" in notice["Subject"] and org.legal_name in mail.text(notice)
    [to_admin] = mail.wait_for(admin.email)
    assert "Terry Temp" in mail.text(to_admin) and f"/orgs/{org.id}/members" in mail.text(to_admin)
    # Idempotent: the next runs before the end send nothing more.
    for clock in (at(2026, 12, 24, 18), at(2026, 12, 31, 23)):
        assert expire_memberships(settings, clock=clock, mailer=mailer).noticed == []
    assert len(mail.to(temp.user.email)) == 1
    assert access.counts(_reload(temp), at(2026, 12, 31, 23).now())
    assert events("membership.ended") == []

    session = store().create(
        temp.user_id, ["pwd"], idle_seconds=600, absolute_seconds=3600, active_org_id=org.id
    )
    ended_at = at(2027, 1, 1, 0)
    report = expire_memberships(settings, clock=ended_at, mailer=mailer)
    assert report.ended == [temp.id] and report.noticed == []
    assert not access.counts(_reload(temp), ended_at.now())
    assert _reload(temp).access_ended_at is not None
    [ended] = events("membership.ended")
    assert ended.subject_id == temp.user_id and ended.org_id == org.id and ended.actor_id is None
    assert '"access_ends_on": "2026-12-31"' in ended.data
    # The person's sessions get a new id (and leave the office) at their next request.
    assert store().needs_new_id(session)
    assert expire_memberships(settings, clock=at(2027, 1, 2), mailer=mailer).ended == []
    assert len(events("membership.ended")) == 1


def test_a_failed_notice_is_sent_by_the_next_run(settings, mailer, mail, temp):
    report = expire_memberships(settings, clock=at(2026, 12, 28), mailer=BrokenMailer())
    assert report.failed == [temp.id] and report.noticed == []
    assert _reload(temp).access_end_notice_sent_at is None
    report = expire_memberships(settings, clock=at(2026, 12, 29), mailer=mailer)
    assert report.noticed == [temp.id]
    assert len(mail.wait_for(temp.user.email)) == 1


def test_a_new_end_date_sends_a_new_notice(settings, mailer, mail, office, temp):
    org, admin = office
    expire_memberships(settings, clock=at(2026, 12, 30), mailer=mailer)
    later = date(2027, 1, 31)
    members.set_access_end(settings, admin, org.id, temp.id, later, clock=at(2026, 12, 30))
    assert _reload(temp).access_end_notice_sent_at is None
    assert expire_memberships(settings, clock=at(2027, 1, 1), mailer=mailer).ended == []
    assert expire_memberships(settings, clock=at(2027, 1, 25), mailer=mailer).noticed == [temp.id]
    assert len(mail.wait_for(temp.user.email, count=2)) == 2


def test_no_notice_for_a_deactivated_member_and_none_when_switched_off(
    make_app, settings, mailer, mail, office, temp
):
    org, admin = office
    off = make_app(orgs_access_end_notice_days=0).config["IDP_SETTINGS"]
    assert expire_memberships(off, clock=at(2026, 12, 30), mailer=mailer).noticed == []
    members.deactivate_member(settings, admin, org.id, temp.id)
    assert expire_memberships(settings, clock=at(2026, 12, 30), mailer=mailer).noticed == []
    assert mail.to(temp.user.email) == []
    # Its end is still recorded when the day has passed.
    assert expire_memberships(settings, clock=at(2027, 1, 1), mailer=mailer).ended == [temp.id]


def test_the_cli_command_runs_the_job(app, mail, temp):
    from idp.cli import cli

    app.extensions["idp_clock"] = at(2027, 1, 1)
    runner = CliRunner()
    result = runner.invoke(cli, ["orgs", "expire-memberships", "--json"], obj=_script_info(app))
    assert result.exit_code == 0, result.output
    assert '"ended": [\n    "' + temp.id in result.output
    result = runner.invoke(cli, ["orgs", "expire-memberships"], obj=_script_info(app))
    assert result.exit_code == 0 and "memberships ended: 0" in result.output


def _script_info(app):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)

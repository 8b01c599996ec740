"""The inactivity job with a fixed clock (default settings: disabled after 90 days unused,
warned 7 days before): a warning once, then the console's disabling once, with its
effects; signing in or being enabled starts the count again; exemptions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from idp.accounts.models import User
from idp.admin import users
from idp.admin.inactivity import disable_inactive_accounts
from idp.audit.service import events
from idp.extensions import db
from idp.login.ending import SessionEnder
from idp.mail import build_mailer
from tests.http.orgs.helpers import make_person
from tests.support.jobs import BrokenMailer, at

#: When the accounts of these tests were created (disabled from 2027-04-01 12:00).
START = datetime(2027, 1, 1, 12, tzinfo=UTC)
NOTICE = datetime(2027, 3, 25, 12, tzinfo=UTC)
LIMIT = datetime(2027, 4, 1, 12, tzinfo=UTC)
NOTHING = {"noticed": [], "disabled": [], "failed": []}


@pytest.fixture
def mailer(settings):
    return build_mailer(settings)


def _person(username: str, **kwargs) -> User:
    user = make_person(username, **kwargs)
    user.created_at = START
    db.session.commit()
    return user


@pytest.fixture
def idle(app):
    return _person("idle.ivy", display_name="Ivy Idle")


def _reload(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def _run(settings, mailer, clock, sessions, ended):
    return disable_inactive_accounts(
        settings, clock=clock, mailer=mailer, ender=SessionEnder(sessions, ended.append)
    )


def test_warned_once_then_disabled_once_with_the_consoles_effects(
    settings, mailer, mail, idle, sessions, ended
):
    run = lambda clock: _run(settings, mailer, clock, sessions, ended)  # noqa: E731
    assert run(at(NOTICE, minutes=-1)).as_dict() == NOTHING
    assert run(at(NOTICE)).as_dict() == {"noticed": [idle.id], "disabled": [], "failed": []}
    [warning] = mail.wait_for(idle.email)
    assert "2027-04-01" in warning["Subject"] and "/login" in mail.text(warning)
    [noticed] = events("account.inactivity_notice")
    assert noticed.subject_id == idle.id and '"disable_on": "2027-04-01"' in noticed.data
    assert run(at(NOTICE, days=3)).as_dict() == NOTHING
    assert run(at(LIMIT, minutes=-1)).as_dict() == NOTHING
    assert _reload(idle).status == "active" and len(mail.to(idle.email)) == 1

    session = sessions.create(idle.id, ["pwd"], idle_seconds=600, absolute_seconds=3600)
    assert run(at(LIMIT)).as_dict() == {"noticed": [], "disabled": [idle.id], "failed": []}
    assert _reload(idle).status == "disabled"
    assert sessions.for_user(idle.id) == [] and [s.public_id for s in ended] == [session.public_id]
    [disabled] = events("account.disabled_inactive")
    assert disabled.subject_id == idle.id and disabled.actor_id is None
    assert '"after": {"status": "disabled"}' in disabled.data
    told = mail.wait_for(idle.email, count=2)
    assert "90 days" in mail.text(told[-1])
    assert run(at(LIMIT, days=1)).as_dict() == NOTHING
    assert len(events("account.disabled_inactive")) == 1


def test_a_sign_in_after_the_warning_starts_the_count_again(
    settings, mailer, mail, idle, sessions, ended
):
    _run(settings, mailer, at(NOTICE), sessions, ended)
    signed_in = datetime(2027, 3, 28, 9, tzinfo=UTC)
    idle.last_sign_in_at = signed_in
    db.session.commit()
    assert _run(settings, mailer, at(LIMIT), sessions, ended).as_dict() == NOTHING
    assert _reload(idle).status == "active"
    second = signed_in + timedelta(days=83)
    assert _run(settings, mailer, at(second, minutes=-1), sessions, ended).noticed == []
    assert _run(settings, mailer, at(second), sessions, ended).noticed == [idle.id]
    assert len(mail.wait_for(idle.email, count=2)) == 2


def test_nobody_is_disabled_unwarned(settings, mailer, idle, sessions, ended):
    """A job that did not run for a while warns first and disables a notice period later."""
    late = datetime(2027, 6, 1, 12, tzinfo=UTC)
    assert _run(settings, mailer, at(late), sessions, ended).noticed == [idle.id]
    assert _reload(idle).status == "active"
    assert _run(settings, mailer, at(late, days=7, minutes=-1), sessions, ended).disabled == []
    assert _run(settings, mailer, at(late, days=7), sessions, ended).disabled == [idle.id]


def test_a_failed_warning_is_sent_by_the_next_run(settings, mailer, mail, idle, sessions, ended):
    report = _run(settings, BrokenMailer(), at(NOTICE), sessions, ended)
    assert report.failed == [idle.id] and report.noticed == []
    assert _reload(idle).inactivity_notice_sent_at is None
    assert events("account.inactivity_notice") == []
    assert _run(settings, mailer, at(NOTICE, days=1), sessions, ended).noticed == [idle.id]
    assert len(mail.wait_for(idle.email)) == 1


def test_new_accounts_exempt_roles_and_other_statuses_are_left_alone(
    settings, mailer, mail, sessions, ended
):
    late = datetime(2027, 9, 1, 12, tzinfo=UTC)
    new = make_person("brand.new")
    new.created_at = late - timedelta(days=10)
    sec = _person("sec.admin", platform_role="security_admin")
    service = _person("client.0123456789abcdef01234567", status="disabled")
    pending = _person("never.confirmed", status="pending_email", email_verified=False)
    locked = _person("locked.lou", status="locked")
    db.session.commit()
    for clock in (at(late), at(late, days=8)):
        report = _run(settings, mailer, clock, sessions, ended)
    assert report.disabled == [locked.id]
    assert _reload(new).status == "active" and _reload(sec).status == "active"
    assert _reload(service).status == "disabled" and _reload(pending).status == "pending_email"
    for user in (new, sec, service, pending):
        assert mail.to(user.email) == []


def test_enabling_starts_the_count_again(settings, mailer, idle, sessions, ended):
    sec = _person("sec.admin", platform_role="security_admin")
    _run(settings, mailer, at(NOTICE), sessions, ended)
    assert _run(settings, mailer, at(LIMIT), sessions, ended).disabled == [idle.id]
    users.enable(settings, sec, idle.id, clock=at(LIMIT, days=1))
    assert _run(settings, mailer, at(LIMIT, days=2), sessions, ended).as_dict() == NOTHING
    assert _reload(idle).status == "active"


def test_switched_off(make_app, mailer, idle, sessions, ended):
    off = make_app(inactivity_disable_after_days=0).config["IDP_SETTINGS"]
    assert _run(off, mailer, at(LIMIT, days=365), sessions, ended).as_dict() == NOTHING


def test_the_cli_command_runs_the_job(app, mail, idle):
    from flask.cli import ScriptInfo

    from idp.cli import cli

    app.extensions["idp_clock"] = at(NOTICE)
    runner = CliRunner()
    info = ScriptInfo(create_app=lambda: app)
    result = runner.invoke(cli, ["inactivity", "run", "--json"], obj=info)
    assert result.exit_code == 0, result.output
    assert idle.id in result.output
    result = runner.invoke(cli, ["inactivity", "run"], obj=info)
    assert result.exit_code == 0 and "accounts warned: 0" in result.output

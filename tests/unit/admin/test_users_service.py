"""idp.admin.users without HTTP: permissions, transitions, refusals, audit records."""

from __future__ import annotations

import json

import pytest

from idp import services
from idp.admin import users
from idp.audit.service import events
from idp.common.clock import FixedClock
from idp.errors import Conflict, DomainError, Forbidden, NotFound
from idp.extensions import db
from idp.login.ending import SessionEnder
from tests.http.orgs.helpers import make_person
from tests.support.signin import enroll_totp


def _session(sessions, user):
    return sessions.create(user.id, ["pwd"], idle_seconds=600, absolute_seconds=3600)


def test_only_holders_of_admin_users_manage_may_act(settings, office, sessions, ended):
    _, boss, desk = office
    calls = [
        lambda actor: users.search(settings, actor, ""),
        lambda actor: users.details(settings, actor, desk.id, mfa=services.mfa()),
        lambda actor: users.disable(
            settings, actor, desk.id, ender=SessionEnder(sessions, ended.append)
        ),
        lambda actor: users.enable(settings, actor, desk.id),
        lambda actor: users.send_password_reset(
            settings, actor, desk.id, recovery=services.recovery()
        ),
    ]
    for actor in (boss, desk):
        for call in calls:
            with pytest.raises(Forbidden):
                call(actor)
    db.session.expire_all()
    assert desk.status == "active" and events() == []


def test_search_pages_and_cleans_the_query(settings, sec, office):
    for n in range(27):
        make_person(f"page{n:02d}", email=f"page{n:02d}@paged.test")
    first = users.search(settings, sec, " paged.test\x00 ")
    assert first.total == 27 and len(first.items) == 25 and first.pages == 2
    assert first.has_next and not first.has_prev
    second = users.search(settings, sec, "paged.test", page=2)
    assert [u.username for u in second.items] == ["page25", "page26"]
    assert users.search(settings, sec, "Unit Test Clinic").total == 2
    with pytest.raises(DomainError):
        users.search(settings, sec, "", status="frozen")


def test_details(settings, sec, office):
    org, _, desk = office
    enroll_totp(desk, FixedClock())
    found = users.details(settings, sec, desk.id, mfa=services.mfa())
    assert found.totp and found.recovery_codes_left == 10 and found.status == "active"
    assert [(m.org_name, m.role_label, m.counts) for m in found.memberships] == [
        (org.legal_name, "Front desk", True)
    ]
    with pytest.raises(NotFound):
        users.details(settings, sec, "junk", mfa=services.mfa())


def test_disable_ends_sessions_after_the_change_is_recorded(settings, sec, office, sessions, ended):
    _, _, desk = office
    first = _session(sessions, desk)
    users.disable(
        settings, sec, desk.id, ender=SessionEnder(sessions, ended.append), ip="198.51.100.1"
    )
    assert desk.status == "disabled"
    assert [s.public_id for s in ended] == [first.public_id] and sessions.for_user(desk.id) == []
    event = events("admin.user.disabled")[-1]
    assert event.ip == "198.51.100.1" and event.actor_id == sec.id
    with pytest.raises(Conflict):
        users.disable(settings, sec, desk.id, ender=SessionEnder(sessions, ended.append))


def test_enable_waits_for_an_unconfirmed_address(settings, sec):
    person = make_person("never.confirmed", status="disabled", email_verified=False)
    users.enable(settings, sec, person.id)
    assert person.status == "pending_email"
    with pytest.raises(Conflict):
        users.enable(settings, sec, person.id)


def test_lock_needs_an_active_account_and_never_oneself(settings, sec, office, sessions, ended):
    _, _, desk = office
    locks = services.account_locks()
    with pytest.raises(Conflict):
        users.lock(settings, sec, sec.id, locks=locks, ender=SessionEnder(sessions, ended.append))
    users.lock(settings, sec, desk.id, locks=locks, ender=SessionEnder(sessions, ended.append))
    assert desk.status == "locked"
    with pytest.raises(Conflict):
        users.lock(settings, sec, desk.id, locks=locks, ender=SessionEnder(sessions, ended.append))
    users.unlock(settings, sec, desk.id, locks=locks)
    assert desk.status == "active"
    kinds = [e.event for e in events() if e.event.startswith(("account.", "admin."))]
    assert kinds == [
        "account.locked",
        "admin.user.locked",
        "account.unlocked",
        "admin.user.unlocked",
    ]


def test_reset_mfa_uses_the_mfa_rules(settings, sec, office):
    _, _, desk = office
    enroll_totp(sec, FixedClock())
    with pytest.raises(Forbidden):  # access.may_reset_mfa: never one's own
        users.reset_mfa(settings, sec, sec.id, mfa=services.mfa(), mailer=None)
    with pytest.raises(DomainError):
        users.reset_mfa(settings, sec, desk.id, mfa=services.mfa(), mailer=None)
    assert events("admin.user.mfa_reset") == []


def test_password_reset_is_refused_for_a_disabled_account(settings, sec, mail):
    person = make_person("gone.away", status="disabled")
    with pytest.raises(Conflict):
        users.send_password_reset(settings, sec, person.id, recovery=services.recovery())
    assert events("password.reset_requested") == []


def test_sign_out_everywhere_counts_and_records(settings, sec, office, sessions, ended):
    _, _, desk = office
    _session(sessions, desk)
    _session(sessions, desk)
    assert (
        users.sign_out_everywhere(
            settings, sec, desk.id, ender=SessionEnder(sessions, ended.append)
        )
        == 2
    )
    data = json.loads(events("admin.user.signed_out_everywhere")[-1].data)
    assert data["before"] == {"sessions": 2} and len(data["ended"]) == 2
    assert (
        users.sign_out_everywhere(
            settings, sec, desk.id, ender=SessionEnder(sessions, ended.append)
        )
        == 0
    )


def test_disabling_is_a_compare_and_set(settings, sec, office, sessions, ended):
    """Two disablings at once (an admin and the inactivity job): only the first acts."""
    _, _, desk = office
    db.session.commit()
    assert desk.status == "active"  # read in this session
    with db.engine.begin() as other:  # another admin or run, in its own transaction
        other.execute(db.update(type(desk)).where(type(desk).id == desk.id).values(status="locked"))
    # ``desk`` is stale now: the claim compares with what the database holds.
    done = users.disable_account(
        desk,
        ender=SessionEnder(sessions, ended.append),
        reason="account_disabled",
        actor_id=sec.id,
        audit=lambda before: pytest.fail("recorded a disabling that did not happen"),
        now=FixedClock().now(),
    )
    assert done is False and ended == []
    db.session.expire_all()
    assert db.session.get(type(desk), desk.id).status == "locked"

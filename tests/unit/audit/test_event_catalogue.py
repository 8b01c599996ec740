"""Every event of the catalogue (idp/audit/events.py, docs/audit.md) is written by the code
it names, with the context an auditor needs: one row per event, driven over HTTP or
through the service that records it."""

from __future__ import annotations

import base64
import json

import pytest

from idp.audit.events import EVENTS
from idp.audit.models import AuditEvent
from idp.common.clock import FixedClock
from idp.extensions import db
from idp.login.current import cookie_name, store
from idp.login.ending import SessionEnder
from tests.factories import PASSWORD, make_user
from tests.support.auth import login_as
from tests.support.signin import enroll_totp

UA = {"User-Agent": "AuditTest/1.0"}
IP = "198.51.100.7"


@pytest.fixture
def clock(app):
    fixed = FixedClock()
    app.extensions["idp_clock"] = fixed
    app.config["WTF_CSRF_ENABLED"] = False
    return fixed


def post(client, path, data=None, **kw):
    return client.post(path, data=data or {}, headers=UA, environ_base={"REMOTE_ADDR": IP}, **kw)


def service_client(app, grant_types=("client_credentials",)):
    from idp.oauth.clients import client_service

    registered = client_service(app.config["IDP_SETTINGS"], app.config["SECRET_KEY"]).add(
        name="Claims batch",
        client_id="claims-batch",
        grant_types=list(grant_types),
        scopes=["claims"],
        default_audience="https://claims.example/api",
    )
    return "Basic " + base64.b64encode(f"claims-batch:{registered.secret}".encode()).decode()


def token(client, auth):
    return client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "claims"},
        headers={"Authorization": auth, **UA},
        environ_base={"REMOTE_ADDR": IP},
    )


# Each driver makes the event happen and returns the fields its entry must carry.


def login_succeeded(app, client, clock):
    user = make_user("ann")
    assert post(client, "/login", {"username": "ann", "password": PASSWORD}).status_code == 302
    return {"subject_id": user.id, "actor_id": user.id, "ip": IP, "data": {"amr": ["pwd"]}}


def login_failed(app, client, clock):
    user = make_user("ann")
    assert post(client, "/login", {"username": "ann", "password": "nope" * 4}).status_code == 401
    return {"subject_id": user.id, "ip": IP, "data": {"reason": "bad_password"}}


def _totp_user(clock):
    user = make_user("tom")
    totp, codes = enroll_totp(user, clock)
    return user, totp, codes


def mfa_verified(app, client, clock):
    user, totp, _ = _totp_user(clock)
    post(client, "/login", {"username": "tom", "password": PASSWORD})
    assert post(client, "/login/verify", {"code": totp.at(clock.time())}).status_code == 302
    return {"subject_id": user.id, "data": {"method": "totp"}}


def recovery_code_used(app, client, clock):
    user, _, codes = _totp_user(clock)
    post(client, "/login", {"username": "tom", "password": PASSWORD})
    assert post(client, "/login/verify", {"code": codes[0]}).status_code == 302
    return {"subject_id": user.id, "ip": IP, "data": {"remaining": len(codes) - 1}}


def lockout_locked(app, client, clock):
    user = make_user("ann")
    for i in range(app.config["IDP_SETTINGS"].auth_lockout_failures):
        post(client, "/login", {"username": "ann", "password": f"wrong password {i}"})
    return {"subject_id": user.id, "ip": IP, "data": {"source": "ip"}}


def account_locked(app, client, clock):
    from idp import services

    user = make_user("ann")
    services.account_locks().lock(user, reason="failure_ceiling", ip=IP)
    return {"subject_id": user.id, "ip": IP, "data": {"reason": "failure_ceiling"}}


def account_unlocked(app, client, clock):
    user = make_user("luke", status="locked")
    admin = make_user("sec", platform_role="security_admin")
    login_as(client, admin)
    assert post(client, f"/security/users/{user.id}/unlock").status_code == 302
    return {"actor_id": admin.id, "subject_id": user.id, "data": {"method": "security_admin"}}


def password_reset_requested(app, client, clock):
    user = make_user("ann")
    assert post(client, "/login/forgot-password", {"identifier": "ann"}).status_code == 200
    return {"subject_id": user.id, "ip": IP}


def password_reset(app, client, clock):
    from idp import services

    user = make_user("ann")
    link_token = services.recovery().reset_tokens.issue(user.id, 600)
    page = post(
        client,
        f"/login/reset-password/{link_token}",
        {"password": "a brand new passphrase", "confirm": "a brand new passphrase"},
    )
    assert page.status_code in (200, 302), page.data[:300]
    return {"subject_id": user.id, "actor_id": user.id}


def mfa_enrolled(app, client, clock):
    user, _, _ = _totp_user(clock)
    return {"subject_id": user.id}


def session_ended(app, client, clock):
    user = make_user("ann")
    login_as(client, user)
    other = login_as(app.test_client(), user)
    assert post(client, f"/account/sessions/{other.public_id}/end").status_code == 302
    return {"subject_id": user.id, "actor_id": user.id, "data": {"session": other.public_id}}


def signed_out(app, client, clock):
    user = make_user("ann")
    session = login_as(client, user)
    assert post(client, "/logout").status_code == 302
    return {"subject_id": user.id, "data": {"session": session.public_id}}


def expired_idle(app, client, clock):
    user = make_user("ann")
    session = login_as(client, user)
    clock.advance(session.idle_seconds + 1)
    client.get("/account", headers=UA)
    return {"subject_id": user.id, "data": {"reason": "idle", "session": session.public_id}}


def expired_absolute(app, client, clock):
    user = make_user("ann")
    session = store().create(user.id, ["pwd"], idle_seconds=10**6, absolute_seconds=600)
    client.set_cookie(cookie_name(), session.sid)
    clock.advance(601)
    client.get("/account", headers=UA)
    return {"subject_id": user.id, "data": {"reason": "absolute"}}


def ended_all(app, client, clock):
    user = make_user("ann")
    login_as(client, user)
    assert post(client, "/account/sessions/end-all").status_code == 302
    return {"subject_id": user.id, "actor_id": user.id, "ip": IP, "data": {"count": 1}}


def token_issued(app, client, clock):
    assert token(client, service_client(app)).status_code == 200
    return {
        "client_id": "claims-batch",
        "ip": IP,
        "data": {"grant_type": "client_credentials", "scope": "claims", "refresh": False},
    }


def client_auth_failed(app, client, clock):
    service_client(app)
    bad = "Basic " + base64.b64encode(b"claims-batch:wrong-secret").decode()
    assert token(client, bad).status_code == 401
    return {"client_id": "claims-batch", "ip": IP, "data": {"endpoint": "token"}}


def token_revoked(app, client, clock):
    auth = service_client(app)
    access = token(client, auth).get_json()["access_token"]
    answer = client.post(
        "/oauth/revoke", data={"token": access}, headers={"Authorization": auth, **UA}
    )
    assert answer.status_code == 200
    return {"client_id": "claims-batch", "data": {"kind": "access_token"}}


def client_updated(app, client, clock):
    from idp.oauth.clients import client_service

    service_client(app)
    admin = make_user("sec", platform_role="security_admin")
    clients = client_service(app.config["IDP_SETTINGS"], app.config["SECRET_KEY"])
    clients.update("claims-batch", actor_id=admin.id, name="Claims nightly")
    return {
        "actor_id": admin.id,
        "client_id": "claims-batch",
        "data": {"before": {"name": "Claims batch"}, "after": {"name": "Claims nightly"}},
    }


def client_disabled(app, client, clock):
    from idp.oauth.clients import client_service

    service_client(app)
    admin = make_user("sec", platform_role="security_admin")
    clients = client_service(app.config["IDP_SETTINGS"], app.config["SECRET_KEY"])
    clients.set_disabled("claims-batch", actor_id=admin.id)
    return {
        "actor_id": admin.id,
        "client_id": "claims-batch",
        "data": {"before": {"disabled": False}, "after": {"disabled": True}},
    }


def purged(app, client, clock):
    from idp.audit.chain import app_key
    from idp.audit.purge import purge
    from idp.audit.service import record

    record("login.succeeded", subject_id="old")
    db.session.commit()
    db.session.execute(db.update(AuditEvent).values(at=clock.now().replace(year=2001)))
    db.session.commit()
    purge(app_key(app), 30)
    return {"data": {"through_seq": 1, "count": 1}}


def ended_by_admin(app, client, clock):
    user = make_user("ann")
    session = login_as(app.test_client(), user)
    admin = make_user("sec", platform_role="security_admin")
    login_as(client, admin)
    path = f"/admin/users/{user.id}/sessions/{session.public_id}/end"
    assert post(client, path, {"confirmed": "yes"}).status_code == 302
    return {
        "actor_id": admin.id,
        "subject_id": user.id,
        "ip": IP,
        "data": {
            "session": session.public_id,
            "before": {"session": session.public_id, "live": True},
            "after": {"session": session.public_id, "live": False},
        },
    }


def audit_viewed(app, client, clock):
    admin = make_user("sec", platform_role="security_admin")
    login_as(client, admin)
    assert client.get("/admin/audit?outcome=failure", headers=UA).status_code == 200
    return {
        "actor_id": admin.id,
        "data": {"filters": {"outcome": "failure"}, "page": 1, "via": "console"},
    }


def audit_exported(app, client, clock):
    admin = make_user("sec", platform_role="security_admin")
    login_as(client, admin)
    answer = client.get("/admin/audit/export.csv?event=login.", headers=UA)
    assert answer.status_code == 200
    answer.get_data()
    return {
        "actor_id": admin.id,
        "data": {"filters": {"event": "login."}, "format": "csv", "via": "console"},
    }


def _office_with_staff():
    from datetime import UTC, datetime

    from idp.orgs.models import Membership
    from tests.factories import add_member, make_org

    org = make_org("Catalogue Clinic")
    admin, desk = make_user("office.admin"), make_user("desk.dan")
    add_member(admin, org, "office_admin")
    member = add_member(desk, org, "front_desk")
    start = datetime(2027, 1, 1, 12, tzinfo=UTC)
    db.session.execute(db.update(Membership).values(created_at=start))
    db.session.commit()
    return org, admin, member


def _at(text: str) -> FixedClock:
    from datetime import datetime

    return FixedClock(datetime.fromisoformat(text).timestamp())


def review_confirmed(app, client, clock):
    org, admin, member = _office_with_staff()
    login_as(client, admin)
    path = f"/orgs/{org.id}/access-review/confirm"
    assert post(client, path, {"membership_id": member.id}).status_code == 200
    return {"actor_id": admin.id, "subject_id": member.user_id, "org_id": org.id, "ip": IP}


def review_removed(app, client, clock):
    org, admin, member = _office_with_staff()
    login_as(client, admin)
    path = f"/orgs/{org.id}/access-review/{member.id}/remove"
    assert post(client, path).status_code == 200
    return {"actor_id": admin.id, "subject_id": member.user_id, "data": {"role": "front_desk"}}


def review_reminded(app, client, clock):
    from idp.orgs.review_job import run_access_review

    org, _, member = _office_with_staff()
    settings, mailer = app.config["IDP_SETTINGS"], _mailer(app)
    run_access_review(settings, clock=_at("2027-03-18T12:00:00+00:00"), mailer=mailer)
    return {"org_id": org.id, "data": {"due_on": "2027-04-01"}}


def review_suspended(app, client, clock):
    from idp.orgs.review_job import run_access_review

    org, _, member = _office_with_staff()
    settings, mailer = app.config["IDP_SETTINGS"], _mailer(app)
    run_access_review(settings, clock=_at("2027-03-18T12:00:00+00:00"), mailer=mailer)
    run_access_review(settings, clock=_at("2027-04-15T12:00:00+00:00"), mailer=mailer)
    return {
        "subject_id": member.user_id,
        "org_id": org.id,
        "data": {"after": {"status": "deactivated"}},
    }


def _mailer(app):
    from idp.mail import build_mailer

    return build_mailer(app.config["IDP_SETTINGS"])


def _idle_user():
    from datetime import UTC, datetime

    user = make_user("idle.ivy")
    user.created_at = datetime(2027, 1, 1, 12, tzinfo=UTC)
    db.session.commit()
    return user


def _inactivity(app, *moments: str) -> None:
    from idp.admin.inactivity import disable_inactive_accounts

    for moment in moments:
        disable_inactive_accounts(
            app.config["IDP_SETTINGS"],
            clock=_at(moment),
            mailer=_mailer(app),
            ender=SessionEnder(store(), lambda _session: None),
        )


def inactivity_notice(app, client, clock):
    user = _idle_user()
    _inactivity(app, "2027-03-25T12:00:00+00:00")
    return {"subject_id": user.id, "data": {"disable_on": "2027-04-01"}}


def disabled_inactive(app, client, clock):
    user = _idle_user()
    _inactivity(app, "2027-03-25T12:00:00+00:00", "2027-04-01T12:00:00+00:00")
    return {"subject_id": user.id, "actor_id": None, "data": {"days": 90}}


def _break_glass(app):
    from idp import services

    sam = make_user("sam", platform_role="security_admin")
    make_user("sue", platform_role="security_admin")
    return sam, services.emergency_codes().issue(sam)


def emergency_granted(app, client, clock):
    sam, code = _break_glass(app)
    answer = post(client, "/emergency", {"username": "sam", "password": PASSWORD, "code": code})
    assert answer.status_code == 302
    return {
        "actor_id": sam.id,
        "subject_id": sam.id,
        "ip": IP,
        "data": {"amr": ["pwd", "emergency"], "alerted": 1},
    }


def emergency_failed(app, client, clock):
    sam, _ = _break_glass(app)
    answer = post(client, "/emergency", {"username": "sam", "password": PASSWORD, "code": "x"})
    assert answer.status_code == 401
    return {"subject_id": sam.id, "ip": IP, "data": {"reason": "bad_code", "source": "ip"}}


def emergency_code_issued(app, client, clock):
    sam, _ = _break_glass(app)
    return {"subject_id": sam.id, "data": {"replaced": 0, "via": "cli"}}


def emergency_code_revoked(app, client, clock):
    from idp import services

    sam, _ = _break_glass(app)
    assert services.emergency_codes().revoke(sam)
    return {"subject_id": sam.id, "data": {"via": "cli"}}


CASES = {
    "login.succeeded": login_succeeded,
    "login.failed": login_failed,
    "mfa.verified": mfa_verified,
    "mfa.recovery_code_used": recovery_code_used,
    "lockout.locked": lockout_locked,
    "account.locked": account_locked,
    "account.unlocked": account_unlocked,
    "password.reset_requested": password_reset_requested,
    "password.reset": password_reset,
    "mfa.enrolled": mfa_enrolled,
    "session.ended": session_ended,
    "session.signed_out": signed_out,
    "session.expired/idle": expired_idle,
    "session.expired/absolute": expired_absolute,
    "session.ended_all": ended_all,
    "session.ended_by_admin": ended_by_admin,
    "oauth.token.issued": token_issued,
    "oauth.client_auth.failed": client_auth_failed,
    "oauth.token.revoked": token_revoked,
    "oauth.client.updated": client_updated,
    "oauth.client.disabled": client_disabled,
    "audit.purged": purged,
    "audit.viewed": audit_viewed,
    "audit.exported": audit_exported,
    "access_review.confirmed": review_confirmed,
    "access_review.removed": review_removed,
    "access_review.reminded": review_reminded,
    "access_review.suspended": review_suspended,
    "account.inactivity_notice": inactivity_notice,
    "account.disabled_inactive": disabled_inactive,
    "emergency.access_granted": emergency_granted,
    "emergency.access_failed": emergency_failed,
    "emergency.code_issued": emergency_code_issued,
    "emergency.code_revoked": emergency_code_revoked,
}


#: Driven through the service, not over HTTP: no request context to record.
OUTSIDE_A_REQUEST = {
    "account.locked",
    "audit.purged",
    "oauth.client.updated",
    "oauth.client.disabled",
    "mfa.enrolled",
    "access_review.reminded",
    "access_review.suspended",
    "account.inactivity_notice",
    "account.disabled_inactive",
    "emergency.code_issued",
    "emergency.code_revoked",
}


def test_every_catalogued_event_has_a_case():
    assert {name.split("/")[0] for name in CASES} == set(EVENTS)


def test_the_readme_lists_exactly_the_catalogued_events():
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    section = readme.split("The event kinds, each proved by a case", 1)[1].split("```sh", 1)[0]
    listed = set(re.findall(r"`([a-z_]+\.[a-z_.]+)`", section)) - {"idp/audit/events.py"}
    assert listed == set(EVENTS)


@pytest.mark.parametrize("case", sorted(CASES))
def test_event_is_recorded_with_its_context(case, app, clock):
    event = case.split("/")[0]
    client = app.test_client()
    expected = CASES[case](app, client, clock)
    db.session.expire_all()
    entries = db.session.scalars(db.select(AuditEvent).where(AuditEvent.event == event)).all()
    assert entries, f"no {event} entry"
    entry = entries[-1]
    data = json.loads(entry.data)
    for name, value in expected.pop("data", {}).items():
        assert data.get(name) == value, (name, data)
    for name, value in expected.items():
        assert getattr(entry, name) == value, name
    assert entry.outcome == EVENTS[event][0]
    assert entry.at is not None
    if event not in OUTSIDE_A_REQUEST:
        # Written during a request: the request's id and user agent are on the entry.
        assert entry.request_id and len(entry.request_id) >= 16
        assert entry.user_agent == "AuditTest/1.0"
    assert "wrong-secret" not in entry.data and "eyJ" not in entry.data  # no secret, no JWT


def test_a_catalogue_entry_with_an_unknown_outcome_is_refused_when_read(tmp_path):
    from idp.audit.events import _load

    good = tmp_path / "good.toml"
    good.write_text('"x.done" = ["success", "It was done."]\n')
    assert _load(good) == {"x.done": ("success", "It was done.")}
    bad = tmp_path / "bad.toml"
    bad.write_text('"x.done" = ["maybe", "It was done."]\n')
    with pytest.raises(ValueError, match="x.done"):
        _load(bad)

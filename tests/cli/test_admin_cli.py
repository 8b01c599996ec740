"""idp users | sessions | orgs (review and office commands) on a real app: each operation,
--json, denials with a one-line error and exit status 1, and nothing changed then."""

from __future__ import annotations

import json
from datetime import date, timedelta

from idp.accounts.models import User
from idp.audit.service import events
from idp.cli import cli
from idp.common.clock import FixedClock
from idp.extensions import db
from idp.login.current import store
from idp.mfa.service import has_mfa
from idp.orgs.models import Invitation, Membership, Organization
from tests.api.support import people
from tests.factories import make_org
from tests.support.auth import login_as
from tests.support.signin import enroll_totp


def _run(app, *args):
    return app.test_cli_runner().invoke(cli, [str(a) for a in args])


def _ok(app, *args):
    result = _run(app, *args)
    assert result.exit_code == 0, result.output
    return result


def _json(app, *args):
    return json.loads(_ok(app, *args, "--json").output)


def _refused(app, *args, says: str = ""):
    result = _run(app, *args)
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert says in lines[0]
    return lines[0]


def _status(user_id) -> str:
    db.session.expire_all()
    return db.session.get(User, user_id).status


def test_users_search_show_and_actions(app, mail):
    p = people()
    sec = ("--as", "sec.admin")
    found = _json(app, "users", "search", "juniper", *sec)
    assert {u["username"] for u in found["items"]} == {"juniper.boss", "juniper.desk"}
    assert "juniper.desk" in _ok(app, "users", "search", "juniper", *sec).output
    shown = _json(app, "users", "show", "juniper.desk", *sec)
    assert shown["memberships"][0]["org_name"] == p.org.legal_name
    for action, status in (("lock", "locked"), ("unlock", "active"), ("disable", "disabled")):
        _ok(app, "users", action, "juniper.desk", *sec)
        assert _status(p.desk.id) == status
    _refused(app, "users", "disable", "juniper.desk", *sec, says="already disabled")
    assert _json(app, "users", "enable", p.desk.id, *sec)["status"] == "active"
    enroll_totp(p.desk, FixedClock())
    _ok(app, "users", "reset-mfa", "juniper.desk", *sec)
    assert not has_mfa(p.desk)
    mail.clear()
    _ok(app, "users", "password-reset", "juniper.desk", *sec)
    assert mail.wait_for(p.desk.email)
    login_as(app.test_client(), p.desk)
    _ok(app, "users", "sign-out-everywhere", "juniper.desk", *sec)
    assert store().for_user(p.desk.id) == []
    assert events("admin.user.locked")[-1].actor_id == p.sec.id


def test_users_denials(app):
    p = people()
    _refused(app, "users", "lock", "juniper.desk", "--as", "juniper.boss", says="permission")
    _refused(app, "users", "search", "--as", "juniper.desk", says="permission")
    _refused(app, "users", "lock", "nobody", "--as", "sec.admin", says="no such user")
    _refused(app, "users", "lock", "juniper.desk", "--as", "ghost", says="no such user")
    _refused(app, "users", "search", "--status", "weird", "--as", "sec.admin", says="status")
    assert _status(p.desk.id) == "active"
    missing = _run(app, "users", "search")
    assert missing.exit_code != 0 and "--as" in missing.output


def test_sessions_list_and_end(app):
    p = people()
    session = login_as(app.test_client(), p.desk)
    listed = _json(app, "sessions", "list", "juniper.desk", "--as", "sec.admin")
    assert [s["id"] for s in listed["items"]] == [session.public_id]
    # "--" before the arguments: a session id may start with "-".
    end = ("sessions", "end", "--as")
    target = ("--", "juniper.desk", session.public_id)
    _refused(app, *end, "juniper.boss", *target)
    _ok(app, *end, "sec.admin", *target)
    assert store().for_user(p.desk.id) == []
    _refused(app, *end, "sec.admin", *target, says="ended")


def test_orgs_review_queue_and_decisions(app, mail):
    p = people()
    pending = make_org("Juniper Again LLC", status="pending", tax_id=p.org.tax_id)
    queue = _json(app, "orgs", "list", "--status", "pending", "--as", "sec.admin")
    assert queue["items"][0]["id"] == pending.id and queue["items"][0]["duplicate_tin"]
    assert "TIN" in _ok(app, "orgs", "list", "--as", "sec.admin").output
    assert _json(app, "orgs", "show", p.org.id, "--as", "sec.admin")["members"]
    _refused(app, "orgs", "approve", pending.id, "--as", "juniper.boss", says="permission")
    assert _json(app, "orgs", "approve", pending.id, "--as", "sec.admin")["status"] == "approved"
    _ok(app, "orgs", "suspend", pending.id, "--reason", "check", "--as", "sec.admin")
    _ok(app, "orgs", "reinstate", pending.id, "--as", "sec.admin")
    other = make_org("Reject Me", status="pending")
    _refused(app, "orgs", "reject", other.id, "--as", "sec.admin", says="reason")
    _ok(app, "orgs", "reject", other.id, "--reason", "unknown NPI", "--as", "sec.admin")
    db.session.expire_all()
    assert db.session.get(Organization, other.id).status == "rejected"
    # The existing job still runs in the same group.
    assert _run(app, "orgs", "expire-memberships", "--json").exit_code == 0


def test_office_members_commands(app, mail):
    p = people()
    boss = ("--as", "juniper.boss")
    org, mid = p.org.id, p.desk_membership.id
    listed = _json(app, "orgs", "members", org, *boss)
    assert listed["total"] == 2
    assert _json(app, "orgs", "member", org, mid, *boss)["role"] == "front_desk"
    assert _json(app, "orgs", "set-role", org, mid, "billing", *boss)["role"] == "billing"
    assert _json(app, "orgs", "deactivate", org, mid, *boss)["state"] == "deactivated"
    assert _json(app, "orgs", "reactivate", org, mid, *boss)["state"] == "active"
    ends = (date.today() + timedelta(days=14)).isoformat()
    assert _json(app, "orgs", "end-access", org, mid, ends, *boss)["access_ends_on"] == ends
    _refused(app, "orgs", "end-access", org, mid, "14/01/2030", *boss, says="YYYY-MM-DD")
    assert _json(app, "orgs", "end-access", org, mid, "--clear", *boss)["access_ends_on"] is None
    enroll_totp(p.desk, FixedClock())
    assert _json(app, "orgs", "reset-mfa", org, mid, *boss)["has_mfa"] is False
    _ok(app, "orgs", "password-reset", org, mid, *boss)
    # Another office's administrator: refused, nothing changed.
    _refused(app, "orgs", "deactivate", org, mid, "--as", "birch.boss", says="only an office")
    _refused(app, "orgs", "members", org, "--as", "juniper.desk")
    _refused(
        app,
        "orgs",
        "set-role",
        org,
        p.boss_membership.id,
        "front_desk",
        *boss,
        says="administrator",
    )
    _refused(app, "orgs", "remove", org, mid, *boss, says="--yes")
    db.session.expire_all()
    assert db.session.get(Membership, mid).status == "active"
    _ok(app, "orgs", "remove", org, mid, "--yes", *boss)
    db.session.expire_all()
    assert db.session.get(Membership, mid) is None


def test_office_invitation_commands(app, mail, tmp_path):
    p = people()
    boss = ("--as", "juniper.boss")
    org = p.org.id
    made = _json(app, "orgs", "invite", org, "new.one@clinic.test", "billing", *boss)
    assert made["state"] == "pending"
    assert [i["id"] for i in _json(app, "orgs", "invitations", org, *boss)["items"]] == [made["id"]]
    _ok(app, "orgs", "resend", org, made["id"], *boss)
    assert _json(app, "orgs", "revoke", org, made["id"], *boss)["state"] == "revoked"
    _refused(app, "orgs", "invite", org, "x@clinic.test", "billing", "--as", "birch.boss")
    bad = tmp_path / "bad.csv"
    bad.write_text("a@clinic.test\nnot-an-email\n")
    line = _refused(app, "orgs", "invite-bulk", org, bad, *boss, says="line 2")
    assert "no invitation was sent" in line
    assert db.session.scalar(db.select(db.func.count(Invitation.id))) == 1
    good = tmp_path / "good.csv"
    good.write_text("a@clinic.test,billing\nb@clinic.test\n")
    rows = _json(app, "orgs", "invite-bulk", org, good, *boss)["rows"]
    assert [r["outcome"] for r in rows] == ["sent", "sent"]


def test_an_admin_client_is_registered_with_idp_clients_add_and_gets_a_token(app):
    """The documented way: ``idp clients add --grant-type client_credentials --scope ...
    --audience <issuer>/api``; its token lists users through the API."""
    import base64

    from idp.oauth.cli import cli as clients_cli

    people()
    runner = app.test_cli_runner()
    added = runner.invoke(
        clients_cli,
        [
            "add",
            "Nightly user report",
            "--client-id",
            "user-report",
            "--grant-type",
            "client_credentials",
            "--scope",
            "admin.users.manage",
            "--audience",
            "http://idp.test/api",
            "--json",
        ],
    )
    assert added.exit_code == 0, added.output
    secret = json.loads(added.output)["client_secret"]
    http = app.test_client()
    basic = base64.b64encode(f"user-report:{secret}".encode()).decode()
    token = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    ).get_json()
    assert token["scope"] == "admin.users.manage"
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    assert http.get("/api/v1/users", headers=auth).status_code == 200
    assert http.get("/api/v1/clients", headers=auth).status_code == 403

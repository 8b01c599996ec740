"""``idp emergency issue|list|revoke`` on a real app (CLI runner with the app's context)."""

from __future__ import annotations

import json
import re

from idp import audit
from idp.accounts.passwords import verify_password
from idp.emergency.cli import cli
from idp.emergency.codes import clean
from idp.emergency.models import EmergencyCode
from idp.extensions import db
from tests.factories import make_user

CODE_LINE = re.compile(r"^\s+([a-z0-9]{4}(?:-[a-z0-9]{4}){7})$", re.M)


def issue(runner, username):
    result = runner.invoke(cli, ["issue", "--user", username])
    assert result.exit_code == 0, result.output
    (code,) = CODE_LINE.findall(result.output)
    return code, result.output


def test_issue_prints_the_code_once_and_stores_only_an_argon2_hash(app):
    sam = make_user("sam", platform_role="security_admin")
    runner = app.test_cli_runner()
    code, output = issue(runner, "sam")
    assert "seal it" in output and output.count(code) == 1
    (row,) = db.session.scalars(db.select(EmergencyCode)).all()
    assert row.user_id == sam.id and row.code_hash.startswith("$argon2id$")
    assert code not in row.code_hash and clean(code) not in row.code_hash
    assert verify_password(row.code_hash, clean(code), app.config["IDP_SETTINGS"])
    (issued,) = audit.service.events("emergency.code_issued")
    assert issued.subject_id == sam.id and code not in issued.data
    # the code is not shown again anywhere
    listed = runner.invoke(cli, ["list"])
    assert listed.exit_code == 0 and code not in listed.output
    assert re.search(r"^sam\s+usable", listed.output, re.M)


def test_issuing_again_replaces_the_unused_code(app):
    make_user("sam", platform_role="security_admin")
    runner = app.test_cli_runner()
    first, _ = issue(runner, "sam")
    second, _ = issue(runner, "sam")
    assert first != second
    rows = db.session.scalars(db.select(EmergencyCode).order_by(EmergencyCode.created_at)).all()
    usable = [r for r in rows if r.used_at is None and r.revoked_at is None]
    assert len(rows) == 2 and len(usable) == 1
    assert verify_password(usable[0].code_hash, clean(second), app.config["IDP_SETTINGS"])
    data = json.loads(audit.service.events("emergency.code_issued")[-1].data)
    assert data["replaced"] == 1


def test_revoke_and_list(app):
    make_user("sam", platform_role="security_admin")
    make_user("sue", platform_role="security_admin")
    runner = app.test_cli_runner()
    issue(runner, "sam")
    issue(runner, "sue")
    revoked = runner.invoke(cli, ["revoke", "--user", "sam"])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    again = runner.invoke(cli, ["revoke", "--user", "sam"])
    assert again.exit_code == 1 and "no unused emergency code" in again.output
    listed = json.loads(runner.invoke(cli, ["list", "--json"]).output)
    assert [(r["username"], r["state"]) for r in listed] == [("sam", "revoked"), ("sue", "usable")]
    assert len(audit.service.events("emergency.code_revoked")) == 1


def test_only_security_admins_get_a_code(app):
    make_user("nina")
    make_user("gone", platform_role="security_admin", status="disabled")
    runner = app.test_cli_runner()
    for name in ("nina", "gone"):
        result = runner.invoke(cli, ["issue", "--user", name])
        assert result.exit_code == 1 and "security administrator" in result.output
    unknown = runner.invoke(cli, ["issue", "--user", "nobody"])
    assert unknown.exit_code == 1 and "no such user" in unknown.output
    assert db.session.scalars(db.select(EmergencyCode)).all() == []

"""Bulk invitations: every row checked first, nothing half-done (no HTTP)."""

from __future__ import annotations

import pytest

from idp.errors import DomainError, Forbidden
from idp.orgs import bulk, invitations
from idp.orgs.models import Invitation
from idp.orgs.roles import least_privileged_org_role
from tests.factories import add_member
from tests.http.orgs.helpers import make_person
from tests.unit.orgs.support import count


def test_every_valid_row_is_invited_and_mailed(settings, mailer, clock, mail, office):
    org, admin = office
    text = "email,role\nAna@Svc.test, billing\n\nben@svc.test,Front desk\ncid@svc.test\n"
    result = bulk.invite_many(settings, admin, org.id, text, mailer=mailer, clock=clock)
    assert [(r.line, r.email, r.role, r.outcome) for r in result.rows] == [
        (2, "ana@svc.test", "billing", "sent"),
        (4, "ben@svc.test", "front_desk", "sent"),
        (5, "cid@svc.test", least_privileged_org_role(settings).name, "sent"),
    ]
    assert result.failure is None and count(Invitation) == 3
    for address in ("ana@svc.test", "ben@svc.test", "cid@svc.test"):
        assert len(mail.wait_for(address)) == 1


def test_the_default_role_is_the_least_privileged_never_an_administrator(settings):
    role = least_privileged_org_role(settings)
    assert "org.members.manage" not in role.permissions and not role.platform


def test_any_invalid_row_sends_nothing_and_names_each_problem(
    settings, mailer, clock, mail, office
):
    org, admin = office
    member = make_person("already.here")
    add_member(member, org, "billing")
    invitations.invite(
        settings, admin, org.id, "pending@svc.test", "billing", mailer=mailer, clock=clock
    )
    mail.clear()
    text = "\n".join(
        [
            "good@svc.test,billing",  # 1
            "not an address,billing",  # 2
            "role@svc.test,security_admin",  # 3
            f"{member.email},billing",  # 4
            "pending@svc.test",  # 5
            "Good@svc.test,front_desk",  # 6: the same address as line 1
            "extra@svc.test,billing,oops",  # 7
        ]
    )
    with pytest.raises(bulk.BulkInvalid) as refused:
        bulk.invite_many(settings, admin, org.id, text, mailer=mailer, clock=clock)
    problems = {r.line: r.problem for r in refused.value.rows}
    assert problems[1] is None
    assert "valid email address" in problems[2]
    assert "Unknown role 'security_admin'" in problems[3]
    assert "already a member" in problems[4]
    assert "pending invitation" in problems[5]
    assert "listed twice (also on line 1)" in problems[6]
    assert "at most one role" in problems[7]
    assert "6 of 7 rows" in refused.value.message
    assert count(Invitation) == 1  # only the one sent before
    assert mail.to("good@svc.test") == []


def test_a_csv_file_with_a_byte_order_mark_and_quotes(settings, clock, office):
    org, admin = office
    data = '\ufeffEmail,Role\r\n"dee@svc.test","Billing"\r\neve@svc.test,clinician\r\n'
    text = bulk.text_from_upload(data.encode("utf-8"))
    rows = bulk.check_rows(settings, admin, org.id, text, clock=clock)
    assert [(r.email, r.role) for r in rows] == [
        ("dee@svc.test", "billing"),
        ("eve@svc.test", "clinician"),
    ]
    assert count(Invitation) == 0  # checking creates nothing


def test_limits_on_rows_and_size(settings, clock, office):
    org, admin = office
    limit = settings.orgs_bulk_invitation_max_rows
    many = "\n".join(f"p{n}@svc.test" for n in range(limit + 1))
    with pytest.raises(DomainError, match=f"at most {limit} invitations"):
        bulk.check_rows(settings, admin, org.id, many, clock=clock)
    assert (
        len(bulk.check_rows(settings, admin, org.id, many.rsplit("\n", 1)[0], clock=clock)) == limit
    )
    with pytest.raises(DomainError, match="larger than"):
        bulk.text_from_upload(b"a" * (bulk.MAX_BYTES + 1))
    with pytest.raises(DomainError, match="larger than"):
        bulk.check_rows(settings, admin, org.id, "x" * (bulk.MAX_BYTES + 1), clock=clock)
    with pytest.raises(DomainError, match="not UTF-8"):
        bulk.text_from_upload(b"\xff\xfe\x00a")
    with pytest.raises(DomainError, match="at least one"):
        bulk.check_rows(settings, admin, org.id, "email,role\n\n  \n", clock=clock)
    assert count(Invitation) == 0


def test_only_an_administrator_of_the_office(settings, clock, office):
    org, _ = office
    desk = make_person("bulk.desk")
    add_member(desk, org, "front_desk")
    with pytest.raises(Forbidden):
        bulk.check_rows(settings, desk, org.id, "x@svc.test", clock=clock)


class FailsOn:
    """Sends through ``mailer`` until the address ``bad``, which fails."""

    def __init__(self, mailer, bad: str):
        self.mailer, self.bad = mailer, bad

    def send_template(self, to, name, /, **values):
        if to == self.bad:
            raise ConnectionRefusedError("mail server down")
        return self.mailer.send_template(to, name, **values)


def test_a_mail_failure_part_way_leaves_no_row_half_done(settings, mailer, clock, mail, office):
    org, admin = office
    text = "one@svc.test\ntwo@svc.test\nthree@svc.test\n"
    result = bulk.invite_many(
        settings, admin, org.id, text, mailer=FailsOn(mailer, "two@svc.test"), clock=clock
    )
    assert [(r.email, r.outcome) for r in result.rows] == [
        ("one@svc.test", "sent"),
        ("two@svc.test", "not_sent"),
        ("three@svc.test", "not_sent"),
    ]
    assert "line 2" in result.failure and "1 invitations were sent, 2 were not" in result.failure
    # Sent rows exist and were mailed; the failing row and those after it do not exist.
    assert {i.email for i in _invitations()} == {"one@svc.test"}
    assert len(mail.wait_for("one@svc.test")) == 1
    # The rows not sent can be sent again as they are.
    again = "\n".join(r.as_line() for r in result.not_sent)
    result = bulk.invite_many(settings, admin, org.id, again, mailer=mailer, clock=clock)
    assert [r.outcome for r in result.rows] == ["sent", "sent"]
    assert {i.email for i in _invitations()} == {"one@svc.test", "two@svc.test", "three@svc.test"}


def _invitations():
    from idp.extensions import db

    db.session.expire_all()
    return list(db.session.scalars(db.select(Invitation)))

"""Office administrators' operations through the API, on their own office only; denials
leave everything as it was."""

from __future__ import annotations

from datetime import date, timedelta

from idp.common.clock import FixedClock
from idp.extensions import db
from idp.mfa.service import has_mfa
from idp.orgs.models import Invitation, Membership
from tests.api.support import API, bearer, people, person_token
from tests.support.signin import enroll_totp


def _membership(membership_id) -> Membership | None:
    db.session.expire_all()
    return db.session.get(Membership, membership_id)


def _url(p, membership=None) -> str:
    m = membership or p.desk_membership
    return f"{API}/offices/{p.org.id}/members/{m.id}"


def test_members_list_and_details(client):
    p = people()
    auth = bearer(person_token(p.boss))
    listed = client.get(f"{API}/offices/{p.org.id}/members", headers=auth)
    assert listed.status_code == 200
    data = listed.get_json()
    assert data["total"] == 2 and {m["username"] for m in data["items"]} == {
        "juniper.boss",
        "juniper.desk",
    }
    assert client.get(f"{API}/offices/{p.org.id}/members?per_page=1", headers=auth).get_json()[
        "next"
    ]
    one = client.get(_url(p), headers=auth)
    assert one.headers["ETag"] and one.get_json()["state"] == "active"
    assert one.get_json()["has_mfa"] is False


def test_another_office_is_403_and_nothing_changes(client):
    p = people()
    auth = bearer(person_token(p.other_boss))
    assert client.get(f"{API}/offices/{p.org.id}/members", headers=auth).status_code == 403
    etag = client.get(_url(p), headers=bearer(person_token(p.boss))).headers["ETag"]
    answer = client.patch(
        _url(p), json={"status": "deactivated"}, headers={**auth, "If-Match": etag}
    )
    assert answer.status_code == 403 and answer.mimetype == "application/problem+json"
    assert client.delete(_url(p), headers={**auth, "If-Match": etag}).status_code == 403
    assert client.post(f"{_url(p)}/reset-mfa", headers=auth).status_code == 403
    invited = client.post(
        f"{API}/offices/{p.org.id}/invitations",
        json={"email": "x@clinic.test", "role": "front_desk"},
        headers=auth,
    )
    assert invited.status_code == 403
    assert _membership(p.desk_membership.id).status == "active"
    assert db.session.scalar(db.select(db.func.count(Invitation.id))) == 0
    # A member of another office cannot reach this office's member by its id either.
    wrong = f"{API}/offices/{p.other_org.id}/members/{p.desk_membership.id}"
    assert client.get(wrong, headers=auth).status_code == 404


def test_staff_are_403(client):
    p = people()
    auth = bearer(person_token(p.desk))
    assert client.get(f"{API}/offices/{p.org.id}/members", headers=auth).status_code == 403
    assert client.get(f"{API}/offices/{p.org.id}/invitations", headers=auth).status_code == 403


def test_role_status_end_date_with_etags(client):
    p = people()
    auth = bearer(person_token(p.boss))
    etag = client.get(_url(p), headers=auth).headers["ETag"]
    assert client.patch(_url(p), json={"role": "billing"}, headers=auth).status_code == 428
    changed = client.patch(_url(p), json={"role": "billing"}, headers={**auth, "If-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["role"] == "billing"
    stale = client.patch(
        _url(p), json={"status": "deactivated"}, headers={**auth, "If-Match": etag}
    )
    assert stale.status_code == 412 and _membership(p.desk_membership.id).status == "active"
    etag = changed.headers["ETag"]
    two = client.patch(
        _url(p), json={"role": "clinician", "status": "active"}, headers={**auth, "If-Match": etag}
    )
    assert two.status_code == 400 and "body" in two.get_json()["errors"]

    off = client.patch(_url(p), json={"status": "deactivated"}, headers={**auth, "If-Match": etag})
    assert off.get_json()["state"] == "deactivated"
    on = client.patch(
        _url(p), json={"status": "active"}, headers={**auth, "If-Match": off.headers["ETag"]}
    )
    assert on.get_json()["state"] == "active"

    ends = (date.today() + timedelta(days=30)).isoformat()
    dated = client.patch(
        _url(p), json={"access_ends_on": ends}, headers={**auth, "If-Match": on.headers["ETag"]}
    )
    assert dated.status_code == 200 and dated.get_json()["access_ends_on"] == ends
    assert dated.get_json()["state"] == "ending"
    bad = client.patch(
        _url(p),
        json={"access_ends_on": "31/12/2030"},
        headers={**auth, "If-Match": dated.headers["ETag"]},
    )
    assert bad.status_code == 400 and "access_ends_on" in bad.get_json()["errors"]
    past = (date.today() - timedelta(days=2)).isoformat()
    unconfirmed = client.patch(
        _url(p), json={"access_ends_on": past}, headers={**auth, "If-Match": dated.headers["ETag"]}
    )
    assert unconfirmed.status_code == 400
    assert unconfirmed.get_json()["code"] == "confirmation_required"
    cleared = client.patch(
        _url(p), json={"access_ends_on": None}, headers={**auth, "If-Match": dated.headers["ETag"]}
    )
    assert cleared.get_json()["access_ends_on"] is None


def test_the_last_admin_is_kept(client):
    p = people()
    auth = bearer(person_token(p.boss))
    url = _url(p, p.boss_membership)
    etag = client.get(url, headers=auth).headers["ETag"]
    answer = client.patch(url, json={"role": "front_desk"}, headers={**auth, "If-Match": etag})
    assert answer.status_code == 409
    assert client.delete(url, headers={**auth, "If-Match": etag}).status_code == 409
    assert _membership(p.boss_membership.id).role == "office_admin"


def test_remove_reset_mfa_and_password_reset(client, mail):
    p = people()
    auth = bearer(person_token(p.boss))
    enroll_totp(p.desk, FixedClock())
    reset = client.post(f"{_url(p)}/reset-mfa", headers=auth)
    assert reset.status_code == 200 and reset.get_json()["has_mfa"] is False
    assert not has_mfa(p.desk)
    mail.clear()
    assert client.post(f"{_url(p)}/password-reset", headers=auth).status_code == 200
    assert mail.wait_for(p.desk.email)
    etag = client.get(_url(p), headers=auth).headers["ETag"]
    assert client.delete(_url(p), headers={**auth, "If-Match": '"nope"'}).status_code == 412
    assert client.delete(_url(p), headers={**auth, "If-Match": etag}).status_code == 204
    assert _membership(p.desk_membership.id) is None
    assert client.get(_url(p), headers=auth).status_code == 404


def test_invitations_create_list_resend_revoke_and_bulk(client, mail):
    p = people()
    auth = bearer(person_token(p.boss))
    base = f"{API}/offices/{p.org.id}/invitations"
    made = client.post(base, json={"email": "new.one@clinic.test", "role": "billing"}, headers=auth)
    assert made.status_code == 201 and made.get_json()["state"] == "pending"
    assert mail.wait_for("new.one@clinic.test")
    again = client.post(
        base, json={"email": "new.one@clinic.test", "role": "billing"}, headers=auth
    )
    assert again.status_code == 400 and "email" in again.get_json()["errors"]
    missing = client.post(base, json={"email": "x@clinic.test"}, headers=auth)
    assert missing.status_code == 400 and "role" in missing.get_json()["errors"]
    inv_id = made.get_json()["id"]
    assert [i["id"] for i in client.get(base, headers=auth).get_json()["items"]] == [inv_id]
    assert client.post(f"{base}/{inv_id}/resend", headers=auth).status_code == 200
    revoked = client.post(f"{base}/{inv_id}/revoke", headers=auth)
    assert revoked.get_json()["state"] == "revoked"
    assert client.post(f"{base}/{inv_id}/resend", headers=auth).status_code == 409

    wrong = client.post(f"{base}/bulk", json={"text": "a@clinic.test\nnot-an-email"}, headers=auth)
    assert wrong.status_code == 400 and wrong.get_json()["code"] == "invalid_rows"
    assert [r["line"] for r in wrong.get_json()["errors"]] == [2]
    before = db.session.scalar(db.select(db.func.count(Invitation.id)))
    assert before == 1
    ok = client.post(
        f"{base}/bulk", json={"text": "a@clinic.test,billing\nb@clinic.test"}, headers=auth
    )
    assert ok.status_code == 201
    assert [r["outcome"] for r in ok.get_json()["rows"]] == ["sent", "sent"]


def test_bodies_that_are_not_objects_are_400(client):
    p = people()
    auth = bearer(person_token(p.boss))
    answer = client.post(
        f"{API}/offices/{p.org.id}/invitations",
        data="[1, 2]",
        headers={**auth, "Content-Type": "application/json"},
    )
    assert answer.status_code == 400 and answer.mimetype == "application/problem+json"
    answer = client.post(
        f"{API}/offices/{p.org.id}/invitations", json={"email": 5, "role": "x"}, headers=auth
    )
    assert answer.status_code == 400 and "email" in answer.get_json()["errors"]


def test_a_nul_character_in_a_json_body_is_400(client):
    p = people()
    answer = client.post(
        f"{API}/offices/{p.org.id}/invitations",
        json={"email": "a\u0000@clinic.test", "role": "billing"},
        headers=bearer(person_token(p.boss)),
    )
    assert answer.status_code == 400 and "NUL" in answer.get_json()["detail"]

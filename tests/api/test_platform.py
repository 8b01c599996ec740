"""Security administrators' operations through the API: organizations, users, sessions,
clients, keys; audit records with before/after; ETags."""

from __future__ import annotations

import json

from idp.accounts.models import User
from idp.audit.service import events
from idp.common.clock import FixedClock
from idp.extensions import db
from idp.jwk.keyring import KeyRing
from idp.login.current import store
from idp.mfa.service import has_mfa
from idp.orgs.models import Organization
from tests.api.support import API, admin_client, bearer, people, person_token
from tests.factories import make_org
from tests.support.auth import login_as
from tests.support.signin import enroll_totp


def _user(user_id) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def _last(event) -> dict:
    found = events(event)
    assert found, f"no {event} event"
    return json.loads(found[-1].data)


def test_queue_flags_a_duplicate_tin_and_approve(client, mail):
    p = people()
    pending = make_org("Juniper Again LLC", status="pending", tax_id=p.org.tax_id)
    token = admin_client(client)
    queue = client.get(f"{API}/organizations?status=pending", headers=bearer(token)).get_json()
    (row,) = queue["items"]
    assert row["id"] == pending.id and row["duplicate_tin"] and not row["duplicate_npi"]
    assert row["duplicates"][0]["id"] == p.org.id
    everyone = client.get(f"{API}/organizations", headers=bearer(token)).get_json()["items"]
    assert {o["status"] for o in everyone} == {"pending", "approved"}
    bad = client.get(f"{API}/organizations?status=nope", headers=bearer(token))
    assert bad.status_code == 400 and bad.get_json()["errors"] == {
        "status": bad.get_json()["detail"]
    }

    details = client.get(f"{API}/organizations/{p.org.id}", headers=bearer(token)).get_json()
    assert {m["username"] for m in details["members"]} == {"juniper.boss", "juniper.desk"}

    answer = client.post(f"{API}/organizations/{pending.id}/approve", headers=bearer(token))
    assert answer.status_code == 200 and answer.get_json()["status"] == "approved"
    assert _last("admin.org.approved")["before"] == {"status": "pending"}
    again = client.post(f"{API}/organizations/{pending.id}/approve", headers=bearer(token))
    assert again.status_code == 409 and again.mimetype == "application/problem+json"


def test_reject_needs_a_reason_and_suspend_reinstate(client, mail):
    p = people()
    pending = make_org("Unclear Practice", status="pending")
    token = admin_client(client)
    refused = client.post(f"{API}/organizations/{pending.id}/reject", headers=bearer(token))
    assert refused.status_code == 400 and "reason" in refused.get_json()["errors"]
    ok = client.post(
        f"{API}/organizations/{pending.id}/reject",
        json={"reason": "No such NPI"},
        headers=bearer(token),
    )
    assert ok.get_json()["status"] == "rejected"
    for action, status in (("suspend", "suspended"), ("reinstate", "approved")):
        answer = client.post(
            f"{API}/organizations/{p.org.id}/{action}",
            json={"reason": "audit"},
            headers=bearer(token),
        )
        assert answer.status_code == 200, answer.get_json()
        db.session.expire_all()
        assert db.session.get(Organization, p.org.id).status == status
    assert client.get(f"{API}/organizations/nope", headers=bearer(token)).status_code == 404


def test_search_filters_and_pages_with_link_header(client):
    people()
    for n in range(30):
        from tests.http.orgs.helpers import make_person

        make_person(f"bulk.person{n:02d}", status="locked" if n % 2 else "active")
    token = admin_client(client)
    first = client.get(f"{API}/users?q=bulk.person", headers=bearer(token))
    data = first.get_json()
    assert data["total"] == 30 and len(data["items"]) == 25 and data["pages"] == 2
    assert data["next"].endswith("page=2&q=bulk.person")
    assert first.headers["Link"] == f'<{data["next"]}>; rel="next"'
    second = client.get(data["next"], headers=bearer(token)).get_json()
    assert len(second["items"]) == 5 and second["next"] is None and second["prev"]
    locked = client.get(f"{API}/users?q=bulk.person&status=locked", headers=bearer(token))
    assert locked.get_json()["total"] == 15
    assert client.get(f"{API}/users?status=weird", headers=bearer(token)).status_code == 400
    assert client.get(f"{API}/users?page=0", headers=bearer(token)).status_code == 400


def test_user_details_and_every_action(client, mail):
    p = people()
    token = admin_client(client)
    auth = bearer(token)
    details = client.get(f"{API}/users/{p.desk.id}", headers=auth)
    assert details.headers["ETag"]
    body = details.get_json()
    assert body["status"] == "active" and body["memberships"][0]["org_name"] == p.org.legal_name

    for action, status in (("lock", "locked"), ("unlock", "active"), ("disable", "disabled")):
        answer = client.post(f"{API}/users/{p.desk.id}/{action}", headers=auth)
        assert answer.status_code == 200, answer.get_json()
        assert _user(p.desk.id).status == status
    assert client.post(f"{API}/users/{p.desk.id}/disable", headers=auth).status_code == 409
    assert client.post(f"{API}/users/{p.desk.id}/password-reset", headers=auth).status_code == 409
    assert client.post(f"{API}/users/{p.desk.id}/enable", headers=auth).status_code == 200
    assert _user(p.desk.id).status == "active"
    mail.clear()
    assert client.post(f"{API}/users/{p.desk.id}/password-reset", headers=auth).status_code == 200
    assert mail.wait_for(p.desk.email)

    enroll_totp(p.desk, FixedClock())
    assert client.post(f"{API}/users/{p.desk.id}/reset-mfa", headers=auth).status_code == 200
    assert not has_mfa(_user(p.desk.id))
    assert client.post(f"{API}/users/{p.desk.id}/reset-mfa", headers=auth).status_code == 400

    login_as(client.application.test_client(), p.desk)
    out = client.post(f"{API}/users/{p.desk.id}/sign-out-everywhere", headers=auth)
    assert out.status_code == 200 and store().for_user(p.desk.id) == []
    recorded = events("admin.user.locked")[-1]
    assert recorded.actor_id and json.loads(recorded.data)["before"] == {"status": "active"}


def test_a_person_cannot_lock_themselves(client):
    p = people()
    token = person_token(p.sec)
    answer = client.post(f"{API}/users/{p.sec.id}/lock", headers=bearer(token))
    assert answer.status_code == 409


def test_user_if_match_is_checked_when_sent(client):
    p = people()
    auth = bearer(admin_client(client))
    etag = client.get(f"{API}/users/{p.desk.id}", headers=auth).headers["ETag"]
    p.desk.status = "locked"  # another admin got there first
    db.session.commit()
    stale = client.post(f"{API}/users/{p.desk.id}/unlock", headers={**auth, "If-Match": etag})
    assert stale.status_code == 412 and stale.get_json()["code"] == "precondition_failed"
    assert _user(p.desk.id).status == "locked"


def test_sessions_list_and_end_one(client):
    p = people()
    auth = bearer(admin_client(client))
    browser = client.application.test_client()
    session = login_as(browser, p.desk)
    listed = client.get(f"{API}/users/{p.desk.id}/sessions", headers=auth).get_json()["items"]
    assert [s["id"] for s in listed] == [session.public_id]
    assert listed[0]["office_name"] == p.org.legal_name
    ended = client.delete(f"{API}/users/{p.desk.id}/sessions/{session.public_id}", headers=auth)
    assert ended.status_code == 204 and store().for_user(p.desk.id) == []
    again = client.delete(f"{API}/users/{p.desk.id}/sessions/{session.public_id}", headers=auth)
    assert again.status_code == 404
    assert _last("session.ended_by_admin")["after"]["live"] is False


def test_clients_create_secret_once_update_with_if_match_rotate_disable(client):
    people()
    auth = bearer(admin_client(client))
    created = client.post(
        f"{API}/clients",
        json={
            "client_id": "claims-portal",
            "name": "Claims portal",
            "redirect_uris": ["https://claims.example/cb"],
        },
        headers=auth,
    )
    assert created.status_code == 201, created.get_json()
    secret = created.get_json()["client_secret"]
    assert secret and created.headers["Cache-Control"] == "no-store"
    got = client.get(f"{API}/clients/claims-portal", headers=auth)
    assert "client_secret" not in got.get_json() and secret not in got.get_data(as_text=True)
    etag = got.headers["ETag"]
    assert created.headers["ETag"] == etag
    listed = client.get(f"{API}/clients", headers=auth).get_json()["items"]
    assert "claims-portal" in [c["client_id"] for c in listed]

    change = {"name": "Claims portal 2"}
    missing = client.patch(f"{API}/clients/claims-portal", json=change, headers=auth)
    assert missing.status_code == 428 and missing.get_json()["code"] == "precondition_required"
    updated = client.patch(
        f"{API}/clients/claims-portal", json=change, headers={**auth, "If-Match": etag}
    )
    assert updated.status_code == 200 and updated.get_json()["name"] == "Claims portal 2"
    lost = client.patch(
        f"{API}/clients/claims-portal", json={"name": "Mine"}, headers={**auth, "If-Match": etag}
    )
    assert lost.status_code == 412
    assert client.get(f"{API}/clients/claims-portal", headers=auth).get_json()["name"] == (
        "Claims portal 2"
    )
    bad = client.patch(
        f"{API}/clients/claims-portal",
        json={"redirect_uris": "not a list"},
        headers={**auth, "If-Match": updated.headers["ETag"]},
    )
    assert bad.status_code == 400 and "redirect_uris" in bad.get_json()["errors"]

    rotated = client.post(f"{API}/clients/claims-portal/rotate-secret", headers=auth).get_json()
    assert rotated["client_secret"] and rotated["client_secret"] != secret
    assert client.post(f"{API}/clients/claims-portal/disable", headers=auth).get_json()["disabled"]
    assert not client.post(f"{API}/clients/claims-portal/enable", headers=auth).get_json()[
        "disabled"
    ]
    assert _last("admin.client.created")["before"] is None
    assert client.get(f"{API}/clients/nope", headers=auth).status_code == 404
    dup = client.post(
        f"{API}/clients", json={"client_id": "claims-portal", "name": "x"}, headers=auth
    )
    assert dup.status_code in (400, 409) and dup.mimetype == "application/problem+json"


def test_keys_list_rotate_retire(client, app):
    people()
    ring = KeyRing(app.config["IDP_SETTINGS"].keys_path)
    active = ring.ensure_active("ES256")
    auth = bearer(admin_client(client))
    listed = client.get(f"{API}/keys", headers=auth).get_json()["items"]
    assert active.kid in [k["kid"] for k in listed] and listed[0]["state"] == "next"
    rotated = client.post(f"{API}/keys/rotate", json={"alg": "ES256"}, headers=auth)
    assert rotated.status_code == 200 and rotated.get_json()["state"] == "active"
    assert client.post(f"{API}/keys/rotate", json={"alg": "HS256"}, headers=auth).status_code == 400
    new_active = rotated.get_json()["kid"]
    assert client.post(f"{API}/keys/{new_active}/retire", headers=auth).status_code == 409
    retired = [
        k["kid"]
        for k in client.get(f"{API}/keys", headers=auth).get_json()["items"]
        if k["state"] == "retired"
    ]
    assert active.kid in retired
    assert client.post(f"{API}/keys/{active.kid}/retire", headers=auth).status_code == 200
    assert active.kid not in [s.kid for s in ring.states()]
    assert client.post(f"{API}/keys/nope/retire", headers=auth).status_code == 404

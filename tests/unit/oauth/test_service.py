"""The grant service and the principal re-checks, without HTTP: what a replay, a reuse or
a changed account does to a grant (its refresh family and access tokens), and the audit
record it leaves."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from idp.audit.service import events
from idp.common.clock import utcnow
from idp.common.tokens import random_token
from idp.extensions import db
from idp.oauth import principals
from idp.oauth.clients import client_service
from idp.oauth.context import service as oauth_service
from idp.oauth.principals import GrantRefused
from idp.oauth.protocol import AuthCode
from tests.factories import add_member, make_org, make_user


@pytest.fixture
def grants(app):
    registry = client_service(app.config["IDP_SETTINGS"], app.config["SECRET_KEY"])
    registry.add(name="RP", client_id="rp-app", redirect_uris=["https://rp.example/cb"])
    return oauth_service()


@pytest.fixture
def member(app):
    org = make_org()
    user = make_user("svc-user")
    add_member(user, org, "billing")
    return user, org


def family_of(grants, user, org, *, code: AuthCode | None = None):
    """A refresh token issued at sign-in (as the token endpoint does)."""
    principal = principals.for_session(user, org.id, "sid-1", time.time(), ["pwd"])
    principal.grant_id = code.grant_id if code else None
    token = random_token(32)
    row = grants.save_refresh_token(token, "rp-app", principal, "openid")
    return token, row


def revocations(user):
    return [json.loads(e.data)["reason"] for e in events("oauth.grant.revoked", user.id)]


def access_claims(grant_id: str | None, jti: str = "jti-1") -> dict:
    return {"jti": jti, "grant_id": grant_id, "exp": time.time() + 300}


def test_a_replayed_code_revokes_the_grant_its_first_use_gave(grants, member):
    user, org = member
    code = random_token(36)
    grants.issue_code(code, _code(user, org))
    redeemed = grants.redeem_code(code, "rp-app")
    assert redeemed is not None and redeemed.grant_id
    token, row = family_of(grants, user, org, code=redeemed)
    assert row.family_id == redeemed.grant_id
    assert grants.access_token_active(access_claims(redeemed.grant_id))
    assert grants.redeem_code(code, "rp-app") is None
    with pytest.raises(GrantRefused, match="code reuse"):
        grants.usable_refresh_token(token, "rp-app")
    assert not grants.access_token_active(access_claims(redeemed.grant_id))
    assert grants.redeem_code(code, "rp-app") is None  # revoked once, recorded once
    assert revocations(user) == ["code_reuse"]


def test_a_replay_before_the_first_redemption_issued_still_catches_its_tokens(grants, member):
    """The replay lands between the first redemption taking the code and saving tokens."""
    user, org = member
    code = random_token(36)
    grants.issue_code(code, _code(user, org))
    redeemed = grants.redeem_code(code, "rp-app")
    assert grants.redeem_code(code, "rp-app") is None  # the replay, first
    token, _ = family_of(grants, user, org, code=redeemed)  # then the tokens are saved
    with pytest.raises(GrantRefused):
        grants.usable_refresh_token(token, "rp-app")
    assert grants.refresh_record(token).revoked
    assert not grants.access_token_active(access_claims(redeemed.grant_id))


def test_a_code_for_another_client_is_spent_but_not_a_replay(grants, member):
    user, org = member
    code = random_token(36)
    grants.issue_code(code, _code(user, org))
    assert grants.redeem_code(code, "someone-else") is None
    assert grants.redeem_code(code, "rp-app") is None
    assert revocations(user) == []


def test_a_code_saved_before_grants_existed_gets_a_grant_when_redeemed(grants, member):
    user, org = member
    code = random_token(36)
    grants.store.save_code(code, _code(user, org))
    redeemed = grants.redeem_code(code, "rp-app")
    assert redeemed.grant_id and grants.access_token_active(access_claims(redeemed.grant_id))


def test_an_access_token_is_active_only_while_its_grant_and_itself_are(grants, member):
    user, org = member
    _, row = family_of(grants, user, org)
    live = access_claims(row.family_id)
    assert grants.access_token_active(live)
    assert not grants.access_token_active(access_claims("no-such-grant"))
    assert grants.access_token_active(access_claims(None, "service-jti"))  # a service's token
    from idp.oauth.protocol import TokenRecord

    grants.revoke(TokenRecord("access_token", "rp-app", "", live["exp"], False, live))
    assert not grants.access_token_active(live)
    assert grants.access_token_active(access_claims(row.family_id, "jti-2"))
    grants.revoke(TokenRecord("access_token", "rp-app", "", live["exp"], False, live))  # again
    assert revocations(user) == []  # one token, not the grant


def test_revoking_the_grants_of_a_person_by_client_and_office(grants, member, app):
    user, org = member
    other = make_org()
    add_member(user, other, "front_desk")
    registry = client_service(app.config["IDP_SETTINGS"], app.config["SECRET_KEY"])
    registry.add(name="RP2", client_id="rp-two", redirect_uris=["https://rp2.example/cb"])
    at_org = grants.new_grant(user.id, "rp-app", org.id)
    at_other = grants.new_grant(user.id, "rp-app", other.id)
    switched = grants.new_grant(user.id, "rp-two", org.id)
    grants.note_office(switched.id, other.id)
    grants.note_office(switched.id, other.id)  # remembered once
    assert db.session.get(type(switched), switched.id).other_org_ids.split() == [other.id]
    someone = grants.new_grant(make_user("someone").id, "rp-app", other.id)
    assert grants.revoke_grants_of(user.id, org_id=other.id, reason="membership_changed") == 2
    active = {
        g.id: grants.access_token_active(access_claims(g.id))
        for g in (at_org, at_other, switched, someone)
    }
    assert active == {at_org.id: True, at_other.id: False, switched.id: False, someone.id: True}
    assert grants.revoke_grants_of(user.id, client_id="rp-two", reason="x") == 0
    assert grants.revoke_grants_of(user.id, reason="password_changed") == 1
    assert not grants.access_token_active(access_claims(at_org.id))
    bulk = [json.loads(e.data) for e in events("oauth.grants.revoked", user.id)]
    assert sorted((b["reason"], b["grants"]) for b in bulk) == [
        ("membership_changed", 2),
        ("password_changed", 1),
    ]
    expired = grants.new_grant(user.id, "rp-app", org.id)
    expired.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert grants.revoke_grants_of(user.id, reason="password_changed") == 0  # nothing to end


def test_a_rotated_refresh_token_used_again_ends_the_family(grants, member):
    user, org = member
    token, row = family_of(grants, user, org)
    assert grants.usable_refresh_token(token, "rp-app") is row
    assert grants.claim_refresh_token(row)
    assert grants.usable_refresh_token(token, "rp-app") is None
    assert revocations(user) == ["refresh_reuse"]
    assert grants.revoke_by_grant_id(row.family_id, reason="again") is False
    assert revocations(user) == ["refresh_reuse"]


def test_losing_the_race_for_one_token_ends_the_family(grants, member):
    user, org = member
    _, row = family_of(grants, user, org)
    assert grants.store.claim_refresh_token(row.id, utcnow())  # the other request won
    assert grants.claim_refresh_token(row) is False
    assert revocations(user) == ["refresh_reuse"]


def test_a_password_change_ends_the_family(grants, member):
    user, org = member
    _, row = family_of(grants, user, org)
    user.password_changed_at = utcnow() + timedelta(seconds=5)
    db.session.commit()
    with pytest.raises(GrantRefused) as refused:
        grants.refresh_principal(row)
    assert refused.value.reason == "password_changed"
    assert revocations(user) == ["password_changed"]


def test_an_office_no_longer_approved_ends_the_family(grants, member):
    user, org = member
    _, row = family_of(grants, user, org)
    assert grants.refresh_principal(row).org_id == org.id
    org.status = "suspended"
    db.session.commit()
    with pytest.raises(GrantRefused):
        grants.refresh_principal(row)
    assert revocations(user) == ["membership_ended"]


def test_switching_to_an_office_one_does_not_belong_to_keeps_the_family(grants, member):
    user, org = member
    other = make_org()
    _, row = family_of(grants, user, org)
    with pytest.raises(GrantRefused) as refused:
        grants.refresh_principal(row, other.id)
    assert refused.value.reason is None
    assert revocations(user) == []
    add_member(user, other, "front_desk")
    switched = grants.refresh_principal(row, other.id)
    assert (switched.org_id, switched.role, switched.grant_id) == (
        other.id,
        "front_desk",
        row.family_id,
    )


def test_a_disabled_user_ends_the_family(grants, member):
    user, org = member
    _, row = family_of(grants, user, org)
    user.status = "disabled"
    db.session.commit()
    with pytest.raises(GrantRefused):
        grants.refresh_principal(row)
    assert revocations(user) == ["user_inactive"]


def test_exchange_rechecks_password_and_membership(member):
    user, org = member
    claims = {"sub": user.id, "auth_time": int(time.time()) + 10, "sid": "s"}
    assert principals.for_exchange(claims, org.id).role == "billing"
    with pytest.raises(GrantRefused, match="member"):
        principals.for_exchange(claims, make_org().id)
    with pytest.raises(GrantRefused, match="password"):
        principals.for_exchange({**claims, "auth_time": 1}, org.id)


def test_a_session_principal_acts_only_for_an_office_that_counts(member):
    user, org = member
    assert principals.for_session(user, org.id, "s", 0, ["pwd"]).role == "billing"
    pending = make_org(status="pending")
    add_member(user, pending, "office_admin")
    principal = principals.for_session(user, pending.id, "s", 0, ["pwd", "otp"])
    assert (principal.org_id, principal.role) == (None, None)
    assert principal.acr == "urn:idp:acr:mfa"


def test_consent_is_remembered_and_audited(grants, member):
    user, _ = member
    assert grants.consented_scopes(user.id, "rp-app") is None
    grants.save_consent(user.id, "rp-app", ["openid", "email"])
    assert grants.consented_scopes(user.id, "rp-app") == {"openid", "email"}
    assert [json.loads(e.data)["scopes"] for e in events("oauth.consent.granted", user.id)] == [
        ["email", "openid"]
    ]


def _code(user, org) -> AuthCode:
    return AuthCode(
        client_id="rp-app",
        user_id=user.id,
        org_id=org.id,
        redirect_uri="https://rp.example/cb",
        scope="openid",
        nonce=None,
        code_challenge=None,
        code_challenge_method=None,
        auth_time=time.time(),
        amr=["pwd"],
        sid="sid-1",
    )

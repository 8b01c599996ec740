"""The userinfo answer, without HTTP: claims re-read now, by scope."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from idp.extensions import db
from idp.oauth.context import minter, service
from idp.oauth.userinfo import bearer_token, userinfo
from tests.factories import add_member, make_org, make_user


@pytest.fixture
def person(app):
    org = make_org("Main Street Clinic")
    user = make_user("uinfo", display_name="Una Info")
    add_member(user, org, "billing")
    return user, org


def token_for(user, org, scope="openid profile organization", audience="http://idp.test", **extra):
    return minter().access_token(
        client_id="rp-app",
        sub=user.id,
        audience=audience,
        scope=scope,
        alg="ES256",
        org={"id": org.id, "name": org.legal_name, "npi": org.npi},
        roles=["billing"],
        auth_time=time.time(),
        **extra,
    )


def test_claims_follow_the_scopes_and_the_office(person):
    user, org = person
    token, _ = token_for(user, org)
    answer = userinfo(token, minter(), service())
    assert answer.status == 200 and answer.headers == {"Cache-Control": "no-store"}
    assert answer.body["sub"] == user.id and answer.body["name"] == "Una Info"
    assert "email" not in answer.body
    assert answer.body["organization"] == {
        "id": org.id,
        "name": "Main Street Clinic",
        "npi": org.npi,
        "roles": ["billing"],
    }
    assert [m["id"] for m in answer.body["memberships"]] == [org.id]


def test_an_office_that_no_longer_counts_is_left_out(person):
    user, org = person
    token, _ = token_for(user, org)
    org.status = "suspended"
    db.session.commit()
    answer = userinfo(token, minter(), service())
    assert answer.status == 200
    assert "organization" not in answer.body and answer.body["memberships"] == []


def test_refusals_are_bearer_errors(person):
    user, org = person
    assert userinfo(None, minter(), service()).challenge == "Bearer"
    assert userinfo("a.b.c", minter(), service()).body["error"] == "invalid_token"
    no_openid, _ = token_for(user, org, scope="claims")
    refused = userinfo(no_openid, minter(), service())
    assert (refused.status, refused.body["error"]) == (403, "insufficient_scope")
    token, claims = token_for(user, org)
    expires = datetime.fromtimestamp(claims["exp"], UTC)
    service().store.revoke_access_token(claims["jti"], expires)
    revoked = userinfo(token, minter(), service())
    assert revoked.status == 401 and 'error="invalid_token"' in revoked.challenge
    user.status = "disabled"
    db.session.commit()
    fresh, _ = token_for(user, org)
    assert userinfo(fresh, minter(), service()).body["error_description"] == (
        "the user can no longer sign in"
    )


def test_only_tokens_meant_for_the_issuer_are_answered(person):
    user, org = person
    for_api, _ = token_for(user, org, audience="https://claims.example/api")
    refused = userinfo(for_api, minter(), service())
    assert refused.status == 401 and "audience" in refused.body["error_description"]
    both, _ = token_for(user, org, audience=["https://claims.example/api", "http://idp.test"])
    assert userinfo(both, minter(), service()).status == 200


def test_a_token_of_a_revoked_grant_is_refused(person, app):
    from idp.oauth.clients import client_service

    user, org = person
    client_service(app.config["IDP_SETTINGS"], app.config["SECRET_KEY"]).add(
        name="RP", client_id="rp-app", redirect_uris=["https://rp.example/cb"]
    )
    grant = service().new_grant(user.id, "rp-app", org.id)
    token, _ = token_for(user, org, grant_id=grant.id)
    assert userinfo(token, minter(), service()).status == 200
    service().revoke_by_grant_id(grant.id, reason="test")
    refused = userinfo(token, minter(), service())
    assert refused.status == 401 and refused.body["error_description"] == "revoked"
    unknown, _ = token_for(user, org, grant_id="no-such-grant")
    assert userinfo(unknown, minter(), service()).status == 401


def test_bearer_token_from_header_or_form():
    assert bearer_token("Bearer abc ", None) == "abc"
    assert bearer_token("bearer abc", "form") == "abc"
    assert bearer_token("Basic xyz", "form") == "form"
    assert bearer_token("", None) is None

"""One contract for the OAuth store, on every backend it runs on: the session's database
(SQLite, or PostgreSQL when ``IDP_TEST_DATABASE_URL`` is set) with each shared-state
backend (the embedded SQL one, and Redis when ``IDP_TEST_REDIS_URL`` is set)."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest

from idp.common.clock import utcnow
from idp.common.tokens import random_token, token_hash
from idp.extensions import db
from idp.oauth.clients import client_service
from idp.oauth.models import OAuthGrant, RefreshToken
from idp.oauth.protocol import AuthCode
from idp.oauth.store import OAuthStore
from tests.contract.test_shared_state import BACKENDS, build
from tests.factories import make_user


@pytest.fixture(params=BACKENDS)
def store(request, app) -> OAuthStore:
    if request.param == "redis":
        state = build("redis", "", f"idp-contract-{uuid.uuid4().hex}:")
    else:
        from idp.state.sql_state import SqlState

        state = SqlState(db.engine)
    return OAuthStore(state, code_seconds=60)


@pytest.fixture
def user(app):
    return make_user("store-user")


@pytest.fixture
def clients(app):
    registry = client_service(app.config["IDP_SETTINGS"], app.config["SECRET_KEY"])
    for client_id in ("rp-one", "rp-two"):
        registry.add(
            name=client_id.upper(),
            client_id=client_id,
            redirect_uris=[f"https://{client_id}.example/cb"],
            first_party=client_id == "rp-one",
            launch_url="https://rp-one.example/" if client_id == "rp-one" else "",
        )
    return registry


def code_data(user_id: str, client_id: str = "rp-one") -> AuthCode:
    return AuthCode(
        client_id=client_id,
        user_id=user_id,
        org_id=None,
        redirect_uri="https://rp-one.example/cb",
        scope="openid",
        nonce="n",
        code_challenge="c" * 43,
        code_challenge_method="S256",
        auth_time=time.time(),
        amr=["pwd", "otp"],
        sid="public-sid",
    )


def grant_row(user_id: str, *, client_id: str = "rp-one", org_id=None, code=None):
    now = utcnow()
    return OAuthGrant(
        client_id=client_id,
        user_id=user_id,
        org_id=org_id,
        code_hash=token_hash(code) if code else None,
        created_at=now,
        expires_at=now + timedelta(days=1),
    )


def refresh_row(user_id: str, *, family_id: str | None = None, client_id: str = "rp-one"):
    token = random_token(32)
    now = utcnow()
    row = RefreshToken(
        token_hash=token_hash(token),
        family_id=family_id or str(uuid.uuid4()),
        client_id=client_id,
        user_id=user_id,
        scope="openid offline_access",
        auth_time=time.time(),
        amr_json='["pwd"]',
        issued_at=now,
        expires_at=now + timedelta(days=1),
        family_started_at=now,
    )
    return token, row


# --- codes ----------------------------------------------------------------------------------


def test_a_code_is_taken_exactly_once(store, user):
    code = random_token(36)
    store.save_code(code, code_data(user.id))
    taken = store.take_code(code)
    assert taken is not None and taken.user_id == user.id and taken.amr == ["pwd", "otp"]
    assert taken.code_hash and taken.code_hash != code
    assert store.take_code(code) is None
    assert store.take_code(random_token(36)) is None


def test_a_code_lives_only_its_seconds(store, user):
    """RFC 6749 §4.1.2, ASVS 10.4.3: an unredeemed code expires (``[oauth] code_seconds``,
    60 by default, at most 600 by the settings check), on every shared-state backend."""
    short = OAuthStore(store.state, code_seconds=1)
    code, kept = random_token(36), random_token(36)
    short.save_code(code, code_data(user.id))
    store.save_code(kept, code_data(user.id))
    time.sleep(1.3)
    assert short.take_code(code) is None
    assert short.take_code(kept) is not None


# --- grants ---------------------------------------------------------------------------------


def test_a_grant_is_found_by_the_code_that_began_it(store, user, clients):
    code = random_token(36)
    grant = store.add_grant(grant_row(user.id, code=code))
    assert store.grant_of_code(code) == grant.id
    assert store.grant_of_code(random_token(36)) is None
    store.delete_grant(grant.id)
    db.session.commit()
    assert store.grant_of_code(code) is None


def test_revoking_a_grant_ends_its_refresh_tokens_once_and_nothing_else(store, user, clients):
    grant = store.add_grant(grant_row(user.id))
    other = store.add_grant(grant_row(user.id))
    _, first = refresh_row(user.id, family_id=grant.id)
    _, second = refresh_row(user.id, family_id=grant.id)
    _, elsewhere = refresh_row(user.id, family_id=other.id)
    for row in (first, second, elsewhere):
        store.add_refresh_token(row)
    assert not store.grant_revoked(grant.id)
    assert store.grant_revoked("unknown-grant") == "unknown"  # no token outlives its grant
    revoked = store.revoke_grant(grant.id, utcnow(), "test")
    db.session.commit()
    assert revoked is not None and revoked.user_id == user.id and revoked.revoked_reason == "test"
    assert store.grant_revoked(grant.id) == "test" and store.grant_revoked(other.id) is None
    assert store.revoke_grant(grant.id, utcnow(), "again") is None
    db.session.expire_all()
    assert db.session.get(RefreshToken, second.id).revoked_at is not None
    assert db.session.get(RefreshToken, elsewhere.id).revoked_at is None


def test_live_grants_by_client_and_office(store, user, clients):
    home = store.add_grant(grant_row(user.id, org_id="org-a"))
    elsewhere = store.add_grant(grant_row(user.id, client_id="rp-two", org_id="org-b"))
    store.note_grant_office(home.id, "org-b")
    store.note_grant_office(home.id, "org-a")  # its own office: nothing to note
    db.session.commit()
    assert set(store.live_grants_of(user.id, utcnow())) == {home.id, elsewhere.id}
    assert store.live_grants_of(user.id, utcnow(), client_id="rp-two") == [elsewhere.id]
    assert set(store.live_grants_of(user.id, utcnow(), org_id="org-b")) == {home.id, elsewhere.id}
    assert store.live_grants_of(user.id, utcnow(), org_id="org-a") == [home.id]
    assert store.live_grants_of(user.id, utcnow(), org_id="org-%") == []
    assert store.revoke_grants([home.id, elsewhere.id], utcnow(), "test") == 2
    assert store.revoke_grants([home.id, elsewhere.id], utcnow(), "test") == 0
    assert store.revoke_grants([], utcnow(), "test") == 0
    db.session.commit()
    assert store.live_grants_of(user.id, utcnow()) == []


# --- refresh tokens -------------------------------------------------------------------------


def test_refresh_token_is_found_by_its_value_only(store, user, clients):
    token, row = refresh_row(user.id)
    store.add_refresh_token(row)
    found = store.find_refresh_token(token)
    assert found is not None and found.id == row.id and found.amr == ["pwd"]
    assert store.find_refresh_token(random_token(32)) is None
    assert store.find_refresh_token(row.token_hash) is None


def test_a_refresh_token_is_claimed_once(store, user, clients):
    _, row = refresh_row(user.id)
    store.add_refresh_token(row)
    assert store.claim_refresh_token(row.id, utcnow()) is True
    assert store.claim_refresh_token(row.id, utcnow()) is False
    db.session.expire_all()
    assert db.session.get(RefreshToken, row.id).rotated_at is not None


def test_live_families_by_client(store, user, clients):
    family = store.add_grant(grant_row(user.id)).id
    for client_id, family_id in (("rp-one", family), ("rp-one", family), ("rp-two", None)):
        store.add_refresh_token(refresh_row(user.id, family_id=family_id, client_id=client_id)[1])
    _, used = refresh_row(user.id, client_id="rp-two")
    store.add_refresh_token(used)
    store.claim_refresh_token(used.id, utcnow())
    assert store.live_families_by_client(user.id, utcnow()) == {"rp-one": 1, "rp-two": 1}
    assert store.live_families_by_client(user.id, utcnow() + timedelta(days=2)) == {}
    store.revoke_grant(family, utcnow(), "test")
    db.session.commit()
    assert store.live_families_by_client(user.id, utcnow()) == {"rp-two": 1}


# --- access tokens and client assertions ----------------------------------------------------


def test_an_access_token_is_live_while_neither_it_nor_its_grant_is_revoked(store, user, clients):
    grant = store.add_grant(grant_row(user.id))
    assert store.access_token_live(grant.id, "jti-1")
    assert store.access_token_live(None, "jti-1")
    assert not store.access_token_live("unknown-grant", "jti-1")
    store.revoke_access_token("jti-1", utcnow() + timedelta(minutes=5))
    store.revoke_access_token("jti-1", utcnow() + timedelta(minutes=5))  # twice is fine
    assert not store.access_token_live(grant.id, "jti-1")
    assert not store.access_token_live(None, "jti-1")
    assert store.access_token_live(grant.id, "jti-2")
    store.revoke_grant(grant.id, utcnow(), "test")
    db.session.commit()
    assert not store.access_token_live(grant.id, "jti-2")


def test_a_client_assertion_id_is_accepted_once(store):
    exp = time.time() + 60
    assert store.add_assertion_id("rp-one", "assertion-1", exp) is True
    assert store.add_assertion_id("rp-one", "assertion-1", exp) is False
    assert store.add_assertion_id("rp-two", "assertion-1", exp) is True


# --- consents -------------------------------------------------------------------------------


def test_consent_is_saved_merged_and_deleted(store, user, clients):
    assert store.consent(user.id, "rp-two") is None
    store.add_consent_scopes(user.id, "rp-two", ["openid", "email"])
    db.session.commit()
    store.add_consent_scopes(user.id, "rp-two", ["profile", "openid"])
    db.session.commit()
    assert store.consent(user.id, "rp-two").scopes == ["email", "openid", "profile"]
    assert [c.client_id for c in store.consents_of(user.id)] == ["rp-two"]
    assert store.delete_consent(user.id, "rp-two") == 1
    db.session.commit()
    assert store.consent(user.id, "rp-two") is None
    assert store.delete_consent(user.id, "rp-two") == 0


# --- client rows ----------------------------------------------------------------------------


def test_client_rows(store, clients):
    assert store.client("rp-one").name == "RP-ONE"
    assert store.client("nobody") is None
    assert [c.client_id for c in store.launchable_clients()] == ["rp-one"]
    clients.set_disabled("rp-one")
    assert store.launchable_clients() == []

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
from idp.oauth.models import RefreshToken
from idp.oauth.protocol import AuthCode
from idp.oauth.store import NO_FAMILY, OAuthStore
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


def test_a_spent_code_remembers_the_family_it_gave(store, user):
    code = random_token(36)
    store.save_code(code, code_data(user.id))
    taken = store.take_code(code)
    assert store.spent_code_family(code) is None
    store.mark_code_spent(taken.code_hash)
    assert store.spent_code_family(code) == NO_FAMILY
    store.mark_code_spent(taken.code_hash, "family-1")
    assert store.spent_code_family(code) == "family-1"


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


def test_revoking_a_family_ends_all_of_it_and_nothing_else(store, user, clients):
    family = str(uuid.uuid4())
    _, first = refresh_row(user.id, family_id=family)
    _, second = refresh_row(user.id, family_id=family)
    _, other = refresh_row(user.id)
    for row in (first, second, other):
        store.add_refresh_token(row)
    assert not store.family_revoked(family)
    revoked = store.revoke_family(family, utcnow())
    db.session.commit()
    assert revoked is not None and revoked.family_id == family and revoked.user_id == user.id
    assert store.family_revoked(family)
    assert not store.family_revoked(other.family_id)
    assert store.revoke_family(family, utcnow()) is None  # nothing live any more
    db.session.expire_all()
    assert db.session.get(RefreshToken, other.id).revoked_at is None


def test_live_families_and_ending_one_clients_tokens(store, user, clients):
    family = str(uuid.uuid4())
    for client_id, family_id in (("rp-one", family), ("rp-one", family), ("rp-two", None)):
        store.add_refresh_token(refresh_row(user.id, family_id=family_id, client_id=client_id)[1])
    _, used = refresh_row(user.id, client_id="rp-two")
    store.add_refresh_token(used)
    store.claim_refresh_token(used.id, utcnow())
    assert store.live_families_by_client(user.id, utcnow()) == {"rp-one": 1, "rp-two": 1}
    assert store.live_families_by_client(user.id, utcnow() + timedelta(days=2)) == {}
    assert store.revoke_user_client_tokens(user.id, "rp-one", utcnow()) == 2
    db.session.commit()
    assert store.live_families_by_client(user.id, utcnow()) == {"rp-two": 1}


# --- access tokens and client assertions ----------------------------------------------------


def test_a_revoked_access_token_stays_revoked_until_it_expires(store):
    assert not store.access_token_revoked("jti-1")
    store.revoke_access_token("jti-1", time.time() + 300)
    assert store.access_token_revoked("jti-1")
    store.revoke_access_token("jti-2", time.time() - 3600)  # long expired: nothing to keep
    assert not store.access_token_revoked("jti-2")


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

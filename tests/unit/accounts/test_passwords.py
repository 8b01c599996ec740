"""Argon2id with configured parameters; a stored hash is upgraded when they change."""

from argon2 import extract_parameters

from idp.accounts.models import User
from idp.accounts.passwords import hash_password, needs_rehash, verify_password
from idp.config import load_settings
from idp.extensions import db
from tests.factories import PASSWORD, make_user


def test_defaults_are_no_weaker_than_owasp():
    settings = load_settings({})
    params = extract_parameters(hash_password("a long test password", settings))
    assert params.type.name == "ID"
    assert params.memory_cost >= 19456 and params.time_cost >= 2 and params.parallelism >= 1


def test_verify_and_needs_rehash():
    low = load_settings({"auth_argon2_time_cost": 1, "auth_argon2_memory_kib": 1024})
    high = load_settings({"auth_argon2_time_cost": 2, "auth_argon2_memory_kib": 2048})
    stored = hash_password("a long test password", low)
    assert verify_password(stored, "a long test password", high)
    assert not verify_password(stored, "another password", high)
    assert not verify_password(None, "a long test password", high)
    assert not needs_rehash(stored, low)
    assert needs_rehash(stored, high)


def test_hash_upgraded_on_next_sign_in_after_parameter_change(app, make_app):
    user = make_user("ulla")
    old = user.password_hash
    assert extract_parameters(old).memory_cost == 1024
    stronger = make_app(auth_argon2_memory_kib=4096, auth_argon2_time_cost=2)
    stronger.config["WTF_CSRF_ENABLED"] = False
    with stronger.app_context():
        client = stronger.test_client()
        response = client.post("/login", data={"username": "ulla", "password": PASSWORD})
        assert response.status_code == 302
        stored = db.session.get(User, user.id).password_hash
        db.session.remove()
    assert stored != old
    params = extract_parameters(stored)
    assert (params.memory_cost, params.time_cost) == (4096, 2)
    assert verify_password(stored, PASSWORD)

"""The token endpoint's caches (client in shared state and, on Redis, a copy in each
process; parsed clients and keys in each process) never outlive a change: two instances on
one database, state and keys folder. The instance that made the change applies it at once;
another one on Redis as soon as the announcement reaches it (idp.state.near_cache:
milliseconds), which is all the test waits for."""

from __future__ import annotations

import base64
import time

import pytest
from joserfc import jws

from idp.jwk.keyring import KeyRing
from idp.oauth.clients import client_service

AUDIENCE = "https://claims.example/api"


@pytest.fixture
def service_client(app):
    registry = client_service(app.config["IDP_SETTINGS"], app.config["SECRET_KEY"])
    registered = registry.add(
        name="Claims batch",
        client_id="claims-batch",
        grant_types=["client_credentials"],
        scopes=["claims"],
        default_audience=AUDIENCE,
    )
    return registry, registered.secret


def soon(ask, expected: int, seconds: float = 2.0):
    """The answer once it has the expected status (or the last one after ``seconds``)."""
    deadline = time.monotonic() + seconds
    answer = ask()
    while answer.status_code != expected and time.monotonic() < deadline:
        time.sleep(0.005)
        answer = ask()
    return answer


def token(app, secret, client_id="claims-batch"):
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    with app.test_client() as http:
        return http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "scope": "claims"},
            headers={"Authorization": f"Basic {basic}"},
        )


def kid_of(response) -> str:
    assert response.status_code == 200, response.get_json()
    return jws.extract_compact(response.get_json()["access_token"].encode()).headers()["kid"]


def test_secret_rotation_and_disabling_apply_at_once_on_every_instance(
    app, make_app, service_client
):
    registry, secret = service_client
    other = make_app()
    for instance in (app, other, app, other):  # the second round comes from the caches
        assert token(instance, secret).status_code == 200
        assert token(instance, "cs_wrong-secret").status_code == 401

    new_secret = registry.rotate_secret("claims-batch").secret
    refused = token(app, secret)
    assert refused.status_code == 401
    assert refused.get_json()["error"] == "invalid_client"
    assert token(app, new_secret).status_code == 200
    refused = soon(lambda: token(other, secret), 401)
    assert refused.get_json()["error"] == "invalid_client"
    assert token(other, new_secret).status_code == 200

    registry.set_disabled("claims-batch", True)
    assert token(app, new_secret).get_json()["error"] == "invalid_client"
    assert soon(lambda: token(other, new_secret), 401).get_json()["error"] == "invalid_client"
    registry.set_disabled("claims-batch", False)
    assert soon(lambda: token(other, new_secret), 200).status_code == 200


def test_key_rotation_is_picked_up_by_every_instance(app, make_app, service_client):
    _, secret = service_client
    other = make_app()
    ring = KeyRing(app.config["IDP_SETTINGS"].keys_path)
    before = {kid_of(token(app, secret)), kid_of(token(other, secret))}
    assert before == {ring.active("ES256").kid}

    promoted = ring.rotate("ES256")
    assert kid_of(token(app, secret)) == promoted.kid
    assert kid_of(token(other, secret)) == promoted.kid
    with app.test_client() as http:
        published = {k["kid"] for k in http.get("/.well-known/jwks.json").get_json()["keys"]}
    assert before <= published and promoted.kid in published

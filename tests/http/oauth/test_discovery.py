"""Discovery documents validated by Authlib's metadata models; JWKS publishes next keys."""

from __future__ import annotations

import pytest
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from authlib.oidc.discovery import OpenIDProviderMetadata

from idp.jwk.keyring import KeyRing


@pytest.fixture
def settings_overrides():
    return {"public_base_url": "https://idp.test"}


def test_openid_configuration_is_valid_metadata(client):
    data = client.get("/.well-known/openid-configuration").get_json()
    OpenIDProviderMetadata(data).validate()
    assert data["issuer"] == "https://idp.test"
    assert data["code_challenge_methods_supported"] == ["S256"]
    assert data["response_types_supported"] == ["code"]
    assert "password" not in data["grant_types_supported"]
    assert data["authorization_response_iss_parameter_supported"] is True
    assert "claims" in data["scopes_supported"]  # role scopes are published
    rfc8414 = client.get("/.well-known/oauth-authorization-server").get_json()
    AuthorizationServerMetadata(rfc8414).validate()


def test_jwks_publishes_active_and_next_but_no_private_parts(app, client):
    ring = KeyRing(app.config["IDP_SETTINGS"].keys_path)
    ring.ensure_active("ES256")
    keys = client.get("/oauth/jwks").get_json()["keys"]
    states = {s.kid: s.state for s in ring.states()}
    assert {states[k["kid"]] for k in keys} >= {"active", "next"}
    assert all("d" not in k for k in keys)
    assert client.get("/.well-known/jwks.json").get_json()["keys"] == keys


def test_userinfo_without_token_is_401_json(client):
    response = client.get("/oauth/userinfo")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"]
    bad = client.get("/oauth/userinfo", headers={"Authorization": "Bearer a.b.c"})
    assert bad.status_code == 401 and bad.get_json()["error"] == "invalid_token"


def test_discovery_answers_304_to_its_etag(client):
    first = client.get("/.well-known/openid-configuration")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=300"
    again = client.get("/.well-known/openid-configuration", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    stale = client.get("/.well-known/openid-configuration", headers={"If-None-Match": '"x"'})
    assert stale.status_code == 200 and stale.get_json() == first.get_json()


def test_jwks_body_and_etag_change_when_the_key_ring_does(app, client):
    ring = KeyRing(app.config["IDP_SETTINGS"].keys_path)
    ring.ensure_active("ES256")
    before = client.get("/oauth/jwks")
    etag = before.headers["ETag"]
    assert before.headers["Cache-Control"] == "public, max-age=60"
    assert client.get("/oauth/jwks", headers={"If-None-Match": etag}).status_code == 304
    ring.rotate("ES256")  # a new next key is published
    after = client.get("/oauth/jwks", headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["ETag"] != etag
    kids = {k["kid"] for k in after.get_json()["keys"]}
    assert kids == {s.kid for s in ring.published()}


def test_fast_path_answers_as_the_app_does(app, client):
    from werkzeug.test import Client

    from idp.oauth.discovery import PublishedFastPath

    KeyRing(app.config["IDP_SETTINGS"].keys_path).ensure_active("ES256")
    fast = Client(PublishedFastPath(app))
    for path in ("/.well-known/openid-configuration", "/oauth/jwks"):
        slow, quick = client.get(path), fast.get(path)
        assert quick.status_code == 200 and quick.get_data() == slow.get_data()
        for header in ("ETag", "Cache-Control", "Content-Type", "X-Content-Type-Options"):
            assert quick.headers[header] == slow.headers[header]
        again = fast.get(path, headers={"If-None-Match": quick.headers["ETag"]})
        assert again.status_code == 304 and again.get_data() == b""
    assert fast.post("/oauth/jwks").status_code == 405  # everything else: the app
    assert fast.get("/oauth/jwks?x=1").get_json() == client.get("/oauth/jwks").get_json()

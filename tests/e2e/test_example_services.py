"""The example services (eligibility -> claims) on idp tokens, and key rotation seen by them."""

from __future__ import annotations

import base64
import json
import secrets
import time

import pytest
import requests

from examples.claims.app import create_app as claims_app
from examples.eligibility.app import create_app as eligibility_app
from idp.jwk.cli import cli as keys_cli
from idp.jwk.keyring import KeyRing
from tests.factories import add_member, make_org, make_user
from tests.http.oauth.conftest import browser_for
from tests.http.oauth.conftest import clients as clients  # noqa: F401 - fixture
from tests.http.oauth.conftest import live as live  # noqa: F401 - fixture
from tests.http.oauth.test_grants import code_for, params_of
from tests.support.live import LiveServer

ELIGIBILITY = "https://eligibility.example/api"
CLAIMS = "https://claims.example/api"
REDIRECT = "https://rp.example/cb"


@pytest.fixture
def world(live, clients):  # noqa: F811
    org, other = make_org(), make_org()
    desk = make_user("desk")
    add_member(desk, org, "front_desk")
    add_member(desk, other, "front_desk")
    web = clients.add(
        name="Portal",
        client_id="portal",
        redirect_uris=[REDIRECT],
        first_party=True,
        default_audience=f"{ELIGIBILITY} {CLAIMS}",
        scopes=["openid", "organization", "eligibility", "claims"],
    )
    svc = clients.add(
        name="Eligibility service",
        client_id="eligibility-svc",
        grant_types=["client_credentials"],
        scopes=["claims"],
        default_audience=CLAIMS,
    )
    claims = LiveServer(
        lambda url: claims_app(live.url, cache_seconds=1, min_refetch_seconds=0)
    ).start()
    claims_url = claims.url
    eligibility = LiveServer(
        lambda url: eligibility_app(
            live.url,
            claims_url,
            "eligibility-svc",
            svc.secret,
            cache_seconds=1,
            min_refetch_seconds=0,
        )
    ).start()
    yield {
        "org": org,
        "other": other,
        "desk": desk,
        "secret": web.secret,
        "claims": claims,
        "eligibility": eligibility,
        "live": live,
    }
    claims.stop()
    eligibility.stop()


def user_token(world, resource, scope="openid organization eligibility claims"):
    live = world["live"]
    browser = browser_for(live, world["desk"], org_id=world["org"].id)
    verifier = secrets.token_urlsafe(48)
    response = code_for(live, browser, "portal", verifier=verifier, scope=scope)
    code = params_of(response.headers["Location"])["code"]
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
        "resource": resource,
    }
    token = requests.post(live.url + "/oauth/token", data=data, auth=("portal", world["secret"]))
    assert token.status_code == 200, token.text
    return token.json()["access_token"]


def get(server, path, token):
    return requests.get(server.url + path, headers={"Authorization": f"Bearer {token}"})


def test_eligibility_calls_claims_with_a_client_credentials_token(world):
    token = user_token(world, ELIGIBILITY)
    org = world["org"].id
    response = get(world["eligibility"], f"/orgs/{org}/eligibility/M123", token)
    assert response.status_code == 200, response.text
    assert response.json()["open_claims"] == 1 and response.json()["checked_by"] == world["desk"].id


def test_services_refuse_wrong_audience_org_and_scope(world):
    token = user_token(world, ELIGIBILITY)
    org, other = world["org"].id, world["other"].id
    wrong_org = get(world["eligibility"], f"/orgs/{other}/eligibility/M1", token)
    assert wrong_org.status_code == 403
    wrong_aud = get(world["claims"], f"/orgs/{org}/claims", token)
    assert wrong_aud.status_code == 401 and "audience" in wrong_aud.json()["error_description"]
    # front_desk holds no "claims" scope, so a claims-audience token lacks it.
    claims_token = user_token(world, CLAIMS)
    no_scope = get(world["claims"], f"/orgs/{org}/claims", claims_token)
    assert no_scope.status_code == 403 and no_scope.json()["error"] == "insufficient_scope"
    assert get(world["claims"], f"/orgs/{org}/claims", "garbage").status_code == 401


def _b64(data) -> str:
    raw = json.dumps(data).encode() if isinstance(data, dict) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_alg_none_and_hs256_tokens_are_refused(world):
    good = user_token(world, ELIGIBILITY)
    header, payload, _ = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    none_token = f"{_b64({'alg': 'none', 'typ': 'at+jwt'})}.{payload}."
    path = f"/orgs/{world['org'].id}/eligibility/M1"
    refused = get(world["eligibility"], path, none_token)
    assert refused.status_code == 401
    # HS256 "signed" with the public JWKS as the secret (the classic confusion attack).
    from joserfc import jwt
    from joserfc.jwk import OctKey

    jwks = requests.get(world["live"].url + "/oauth/jwks").content
    hs = jwt.encode(
        {
            "alg": "HS256",
            "typ": "at+jwt",
            "kid": json.loads(base64.urlsafe_b64decode(header + "=="))["kid"],
        },
        claims,
        OctKey.import_key(jwks),
        algorithms=["HS256"],
    )
    refused = get(world["eligibility"], path, hs)
    assert refused.status_code == 401 and "algorithm" in refused.json()["error_description"]
    assert get(world["eligibility"], path, good).status_code == 200


def test_token_signed_before_rotation_verifies_until_its_key_is_dropped(world):
    live = world["live"]
    path = f"/orgs/{world['org'].id}/eligibility/M1"
    before = user_token(world, ELIGIBILITY)
    assert get(world["eligibility"], path, before).status_code == 200
    runner = live.app.test_cli_runner()
    ring = KeyRing(live.app.config["IDP_SETTINGS"].keys_path)
    old = ring.active("ES256").kid
    result = runner.invoke(keys_cli, ["rotate"])
    assert result.exit_code == 0, result.output
    assert ring.active("ES256").kid != old
    after = user_token(world, ELIGIBILITY)
    assert json.loads(base64.urlsafe_b64decode(after.split(".")[0] + "=="))["kid"] != old
    time.sleep(1.1)  # the services' JWKS cache (1 s in this test) expires
    assert get(world["eligibility"], path, before).status_code == 200
    assert get(world["eligibility"], path, after).status_code == 200
    assert old in [k["kid"] for k in requests.get(live.url + "/oauth/jwks").json()["keys"]]
    result = runner.invoke(keys_cli, ["retire", "--kid", old])
    assert result.exit_code == 0, result.output
    time.sleep(1.1)
    dropped = get(world["eligibility"], path, before)
    assert dropped.status_code == 401 and "unknown key" in dropped.json()["error_description"]
    assert get(world["eligibility"], path, after).status_code == 200

"""Garbage at every protocol endpoint gets a clear 4xx (or an inactive answer), never a 500."""

from __future__ import annotations

import base64

import pytest

from idp.oauth.clients import client_service
from idp.web.inputs import MAX_HEADER_FIELD
from tests.factories import make_user
from tests.support.auth import login_as

REDIRECT = "https://rp.example/cb"


@pytest.fixture
def web(app):
    service = client_service(app.config["IDP_SETTINGS"], app.config["SECRET_KEY"])
    return service.add(name="Web", client_id="web", redirect_uris=[REDIRECT], first_party=True)


def basic(secret):
    return {"Authorization": "Basic " + base64.b64encode(f"web:{secret}".encode()).decode()}


AUTHORIZE_QUERIES = [
    {},
    {"client_id": "web"},
    {"client_id": "web", "response_type": "code"},
    {"client_id": "web", "response_type": "code", "redirect_uri": "javascript:alert(1)"},
    {"client_id": "x" * 5000, "response_type": "code"},
    {"client_id": "web", "response_type": "code id_token", "redirect_uri": REDIRECT},
    {
        "client_id": "web",
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "code_challenge": "short",
        "code_challenge_method": "S256",
    },
    {
        "client_id": "web",
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "code_challenge": "a" * 43,
        "code_challenge_method": "S256",
        "max_age": "-5",
    },
    {
        "client_id": "web",
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "code_challenge": "a" * 43,
        "code_challenge_method": "S256",
        "prompt": "none login",
    },
    {
        "client_id": "web",
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "code_challenge": "a" * 43,
        "code_challenge_method": "S256",
        "request": "eyJ.x.y",
    },
    {
        "client_id": "web",
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "code_challenge": "a" * 43,
        "code_challenge_method": "S256",
        "scope": "admin root",
    },
]


@pytest.mark.parametrize("signed_in", [False, True])
def test_authorize_never_fails_with_500(app, client, web, signed_in):
    if signed_in:
        login_as(client, make_user())
    for query in AUTHORIZE_QUERIES:
        response = client.get("/oauth/authorize", query_string=query)
        assert response.status_code in (200, 302, 400), (query, response.status_code)
        location = response.headers.get("Location", "")
        if response.status_code == 302:
            assert location.startswith((REDIRECT, "/login")), (query, location)


TOKEN_BODIES = [
    {},
    {"grant_type": "authorization_code"},
    {"grant_type": "authorization_code", "code": "x" * 10000},
    {"grant_type": "refresh_token", "refresh_token": "nope"},
    {"grant_type": "refresh_token", "refresh_token": "nope", "organization": "x"},
    {"grant_type": "client_credentials"},
    {"grant_type": "urn:ietf:params:oauth:grant-type:token-exchange"},
    {"grant_type": "authorization_code", "code": "abc", "resource": ["a", "b"]},
    {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": "a.b.c",
    },
]


def test_token_endpoint_answers_rfc_errors(client, web):
    for body in TOKEN_BODIES:
        for headers in ({}, basic(web.secret), basic("wrong")):
            response = client.post("/oauth/token", data=body, headers=headers)
            assert 400 <= response.status_code < 500, (body, response.status_code)
            assert response.get_json()["error"], body
            if response.status_code == 401:
                assert "WWW-Authenticate" in response.headers


def test_introspect_revoke_userinfo_logout_with_garbage(client, web):
    for token in ("", "a.b.c", "x" * 9000, "eyJhbGciOiJub25lIn0.e30."):
        data = {"token": token}
        introspected = client.post("/oauth/introspect", data=data, headers=basic(web.secret))
        assert introspected.status_code in (200, 400)
        if introspected.status_code == 200:
            assert introspected.get_json() == {"active": False}
        revoked = client.post("/oauth/revoke", data=data, headers=basic(web.secret))
        assert revoked.status_code in (200, 400)
        info = client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {token}"})
        # A header longer than a server holds is refused before any token check.
        assert info.status_code == (431 if len(f"Bearer {token}") > MAX_HEADER_FIELD else 401)
        logout = client.get("/oauth/logout", query_string={"id_token_hint": token})
        assert logout.status_code in (200, 400)
    assert client.post("/oauth/introspect", data={"token": "x"}).status_code == 401


VALID_AUTHORIZE = {
    "client_id": "web",
    "response_type": "code",
    "redirect_uri": REDIRECT,
    "scope": "openid",
    "code_challenge": "a" * 43,
    "code_challenge_method": "S256",
}
#: Characters RFC 6749 does not allow in an error description, non-ASCII digits and text.
ODD_CHARACTERS = ["é", "\x01", "\x7f", '"', "\\", "\t", "\u2028", "①", "²", "日本"]
AUTHORIZE_PARAMS = [
    "client_id",
    "response_type",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "prompt",
    "max_age",
    "login_hint",
    "code_challenge",
    "code_challenge_method",
    "request",
    "resource",
]


@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.parametrize("name", AUTHORIZE_PARAMS)
def test_odd_characters_in_any_authorize_parameter_are_never_a_500(
    app, client, web, signed_in, name
):
    if signed_in:
        login_as(client, make_user())
    for char in ODD_CHARACTERS:
        for value in (char, VALID_AUTHORIZE.get(name, "x") + char):
            query = {**VALID_AUTHORIZE, name: value}
            response = client.get("/oauth/authorize", query_string=query)
            assert response.status_code in (200, 302, 400), (query, response.status_code)


@pytest.mark.parametrize("redirect_uri", [REDIRECT + "é", REDIRECT + "\x01", REDIRECT + '"'])
def test_an_unregistered_redirect_uri_with_odd_characters_gets_an_error_page(
    client, web, redirect_uri
):
    response = client.get(
        "/oauth/authorize", query_string={**VALID_AUTHORIZE, "redirect_uri": redirect_uri}
    )
    assert response.status_code == 400 and "Location" not in response.headers
    assert "redirect URI is not registered" in response.get_data(as_text=True)


@pytest.mark.parametrize("max_age", ["①", "²", "٣", "1.5", "-5", " 60"])
def test_max_age_must_be_ascii_digits(client, web, max_age):
    login_as(client, make_user())
    response = client.get("/oauth/authorize", query_string={**VALID_AUTHORIZE, "max_age": max_age})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(REDIRECT + "?") and "error=invalid_request" in location


def test_an_enormous_max_age_is_no_limit(client, web):
    login_as(client, make_user())
    response = client.get(
        "/oauth/authorize", query_string={**VALID_AUTHORIZE, "max_age": "9" * 5000}
    )
    assert response.status_code == 302 and "code=" in response.headers["Location"]

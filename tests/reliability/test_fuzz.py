"""Hypothesis fuzz of every route and form field: never a 5xx, never a changed record.

Routes come from the app's URL map and field names from the code and templates, so a new
route or field is fuzzed without touching this file. Each example is one request: a route
and method, junk path values, query and body parameters (non-ASCII, control characters,
NUL, unicode digits, invalid UTF-8, repeated names, long values), a body encoding (form,
JSON, multipart, raw bytes), junk cookies and credentials, anonymously or signed in.
Seeded (``derandomize``), so a run is repeatable and CI is not flaky.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idp.accounts.models import User
from idp.extensions import db
from tests.factories import add_member, make_org, make_user
from tests.http.test_bad_input import FIELDS as BAD_INPUT_FIELDS
from tests.http.test_bad_input import _check as check_response
from tests.http.test_bad_input import _snapshot
from tests.reliability.conftest import NO_IP_LIMITS
from tests.support.auth import login_as

EXAMPLES = 2500


#: The fields the code and templates read (as tests/http/test_bad_input finds them), and
#: the protocol parameters.
FIELDS = sorted(
    set(BAD_INPUT_FIELDS)
    | {
        "response_type", "redirect_uri", "scope", "nonce", "code_challenge", "max_age",
        "code_challenge_method", "refresh_token", "client_secret", "token", "prompt",
        "token_type_hint", "client_assertion", "client_assertion_type", "code_verifier",
        "grant_type", "client_id", "code", "state", "login_hint", "id_token_hint",
    }
)  # fmt: skip


#: Characters that have broken parsers: controls, NUL, bidi and zero-width marks, unicode
#: digits (int() accepts some of them), full-width and compatibility forms, astral planes.
NASTY = (
    "\x00\x01\x07\x08\t\n\r\x1b\x7f\x85\xa0\u00ad\u200b\u202e\ufeff"
    "①٣߂৩Ⅳ０１９𝟘\U0001f600\ufffd"
    "%&=+;,/?#\\\"'<>"
)
nasty_text = st.text(alphabet=st.sampled_from(NASTY) | st.characters(), max_size=40)
value = st.one_of(
    nasty_text,
    st.sampled_from(["", " ", "-1", "0", "1e309", "9" * 40, "null", "[]", "{}", "a" * 5000]),
    st.integers(-(2**70), 2**70).map(str),
    st.text(alphabet="0123456789①٣০", min_size=1, max_size=6),
)
name = st.one_of(st.sampled_from(FIELDS), nasty_text)
params = st.lists(st.tuples(name, value), max_size=12)


def _encode_form(pairs) -> bytes:
    return "&".join(
        f"{quote(k, safe='', errors='surrogatepass')}={quote(v, safe='', errors='surrogatepass')}"
        for k, v in pairs
    ).encode()


body = st.one_of(
    st.none(),
    params.map(lambda p: ("application/x-www-form-urlencoded", _encode_form(p))),
    st.binary(max_size=300).map(lambda b: ("application/x-www-form-urlencoded", b)),
    st.dictionaries(name, value | st.integers() | st.none(), max_size=6).map(
        lambda d: ("application/json", __import__("json").dumps(d).encode())
    ),
    st.binary(max_size=200).map(lambda b: ("application/json", b)),
    st.binary(max_size=200).map(lambda b: ("multipart/form-data; boundary=x", b"--x\r\n" + b)),
    st.tuples(
        st.sampled_from(["text/plain", "application/xml", "a/b; charset=utf-9"]),
        st.binary(max_size=100),
    ),
)
header_value = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=200,
)
headers = st.dictionaries(
    st.sampled_from(
        [
            "Authorization", "Cookie", "X-Forwarded-Uri", "X-Forwarded-Host", "Accept",
            "X-Forwarded-Method", "X-Original-URL", "User-Agent", "Accept-Language", "Origin",
            "Referer", "DPoP", "If-None-Match",
        ]
    ),
    st.one_of(
        header_value,
        st.sampled_from(["Basic Og==", "Basic !!!", "Bearer ", "Bearer a.b.c", "idp_sid=\x7f"]),
    ),
    max_size=4,
)  # fmt: skip


@pytest.fixture
def settings_overrides():
    return dict(NO_IP_LIMITS)


@pytest.fixture
def world(app):
    app.config["WTF_CSRF_ENABLED"] = False
    org = make_org()
    member = make_user("fuzzmember")
    add_member(member, org, role="office_admin")
    from idp.oauth.clients import client_service

    client_service(app.config["IDP_SETTINGS"], app.secret_key).add(
        name="Fuzz app", client_id="fuzz-app", redirect_uris=["https://rp.test/callback"]
    )
    routes = sorted(
        (rule.rule, tuple(sorted(rule.methods - {"HEAD", "OPTIONS"})))
        for rule in app.url_map.iter_rules()
        if not rule.rule.startswith("/static/")
    )
    return {"app": app, "member_id": member.id, "org_id": org.id, "routes": routes}


def _fill(rule: str, world: dict, data) -> str:
    def one(match: re.Match) -> str:
        var = match.group(1)
        choice = data.draw(st.one_of(st.just(None), nasty_text, st.uuids().map(str)))
        if choice is None and var in ("org_id",):
            return world["org_id"]
        return quote(choice or "x", safe="", errors="surrogatepass")

    return re.sub(r"<(?:\w+:)?(\w+)>", one, rule)


@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_route_and_field_answers_junk_without_a_5xx(world, data):
    app = world["app"]
    if not world.get("before"):
        world["before"] = _snapshot()
    rule, methods = data.draw(st.sampled_from(world["routes"]), label="route")
    method = data.draw(st.sampled_from(methods), label="method")
    path = _fill(rule, world, data)
    query = _encode_form(data.draw(params, label="query")).decode()
    target = f"{path}?{query}" if query else path
    content = data.draw(body, label="body")
    sent_headers = data.draw(headers, label="headers")
    client = app.test_client()
    if data.draw(st.booleans(), label="signed in"):
        login_as(client, db.session.get(User, world["member_id"]), amr=("pwd", "otp"))
    kwargs = {"headers": sent_headers}
    if content is not None and method != "GET":
        kwargs.update(content_type=content[0], data=content[1])
    response = client.open(target, method=method, **kwargs)
    # Below 500, and RFC JSON on protocol paths (the check of tests/http/test_bad_input).
    check_response(response, method, target, "fuzz", f"{kwargs!r:.300}")
    db.session.remove()
    assert _snapshot() == world["before"], f"{method} {target[:200]!r}: changed stored records"


# --- near-valid requests: a request that works, with fields spoiled ------------------------

NEAR_EXAMPLES = 1500
#: Routes the near-valid fuzz leaves out (none: every route is fuzzed).
SKIP: set[str] = set()
REDIRECT = "https://rp.test/callback"


def _templates(world: dict) -> list[tuple[str, str, dict, bool]]:
    """(method, path, params, signed in): each one a request the app accepts as it is."""
    authorize = {
        "client_id": "fuzz-app",
        "response_type": "code",
        "scope": "openid profile email",
        "redirect_uri": REDIRECT,
        "state": "s1",
        "nonce": "n1",
        "max_age": "300",
        "prompt": "consent",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
        "login_hint": "fuzzmember",
    }
    return [
        ("GET", "/oauth/authorize", authorize, True),
        ("GET", "/oauth/authorize", authorize, False),
        ("POST", "/oauth/token", {"grant_type": "client_credentials", "scope": "openid"}, False),
        (
            "POST",
            "/oauth/token",
            {
                "grant_type": "authorization_code",
                "code": "x" * 43,
                "redirect_uri": REDIRECT,
                "code_verifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            },
            False,
        ),
        ("POST", "/oauth/token", {"grant_type": "refresh_token", "refresh_token": "r" * 43}, False),
        ("POST", "/oauth/revoke", {"token": "t" * 43, "token_type_hint": "access_token"}, False),
        (
            "POST",
            "/oauth/introspect",
            {"token": "t" * 43, "token_type_hint": "refresh_token"},
            False,
        ),
        (
            "GET",
            "/oauth/logout",
            {
                "client_id": "fuzz-app",
                "post_logout_redirect_uri": REDIRECT,
                "state": "s",
            },
            True,
        ),
        ("GET", "/oauth/userinfo", {}, False),
        (
            "POST",
            "/login",
            {"username": "fuzzmember", "password": "not the password", "next": "/account"},
            False,
        ),
        ("GET", "/login", {"next": "/account", "login_hint": "fuzzmember", "reauth": "1"}, True),
        ("POST", "/login/forgot-password", {"identifier": "fuzzmember"}, False),
        ("POST", "/login/forgot-username", {"email": "fuzzmember@clinic.test"}, False),
        ("POST", "/verify-email/resend", {"email": "fuzzmember@clinic.test"}, False),
        ("POST", "/account/email", {"email": "moved@clinic.test", "password": "wrong"}, True),
        (
            "POST",
            "/account/password",
            {
                "current_password": "wrong",
                "new_password": "a long enough passphrase 42",
                "confirm": "a long enough passphrase 42",
            },
            True,
        ),
        (
            "POST",
            f"/orgs/{world['org_id']}/invitations",
            {"email": "new@clinic.test", "role": "billing"},
            True,
        ),
        ("GET", "/forward-auth", {}, True),
        ("GET", "/forward-auth/start", {"rd": "http://tool.test/x"}, False),
        (
            "POST",
            "/register",
            {
                "legal_name": "Maple Pediatrics PLLC",
                "tax_id": "12-3456789",
                "npi": "1234567893",
                "address_line1": "12 Maple Avenue",
                "city": "Peoria",
                "state": "IL",
                "postal_code": "61602",
                "username": "maple.admin",
                "display_name": "Morgan Maple",
                "email": "admin@maple.test",
                "password": "a long enough passphrase 42",
                "password_confirm": "a long enough passphrase 42",
            },
            False,
        ),
    ]


def _spoil(params: dict, data) -> list[tuple[str, str]]:
    pairs = list(params.items())
    if not pairs:
        return data.draw(params_strategy_small)
    for _ in range(data.draw(st.integers(1, 3), label="spoilt fields")):
        index = data.draw(st.integers(0, len(pairs) - 1))
        key, good = pairs[index]
        how = data.draw(st.sampled_from(["replace", "append", "prepend", "repeat", "drop"]))
        junk = data.draw(value)
        if how == "replace":
            pairs[index] = (key, junk)
        elif how == "append":
            pairs[index] = (key, good + junk)
        elif how == "prepend":
            pairs[index] = (key, junk + good)
        elif how == "repeat":
            pairs.append((key, junk))
        else:
            pairs.pop(index)
            if not pairs:
                break
    return pairs


params_strategy_small = st.lists(st.tuples(name, value), max_size=3)


@pytest.fixture
def near_world(world):
    from idp.oauth.clients import client_service

    app = world["app"]
    service = client_service(app.config["IDP_SETTINGS"], app.secret_key)
    batch = service.add(
        name="Fuzz batch", client_id="fuzz-batch", grant_types=["client_credentials"],
        scopes=["claims"], default_audience="https://claims.example/api",
    )  # fmt: skip
    world["batch_secret"] = batch.secret
    world["templates"] = [t for t in _templates(world) if t[1] not in SKIP]
    return world


@settings(
    max_examples=NEAR_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_near_valid_requests_with_spoilt_fields_answer_without_a_5xx(near_world, data):
    world = near_world
    app = world["app"]
    before = _snapshot()
    method, path, good, signed_in = data.draw(st.sampled_from(world["templates"]), label="t")
    pairs = _spoil(good, data)
    client = app.test_client()
    if signed_in:
        login_as(client, db.session.get(User, world["member_id"]), amr=("pwd", "otp"))
    kwargs: dict = {}
    if path.startswith(("/oauth/token", "/oauth/revoke", "/oauth/introspect")):
        kwargs["auth"] = ("fuzz-batch", world["batch_secret"])
    encoded = _encode_form(pairs)
    if method == "GET":
        target = f"{path}?{encoded.decode()}"
    else:
        target = path
        kwargs.update(data=encoded, content_type="application/x-www-form-urlencoded")
    response = client.open(target, method=method, **kwargs)
    where = f"{method} {target[:300]!r} {pairs!r:.400}"
    assert response.status_code < 500, f"{where}: {response.status_code} {response.data[:300]!r}"
    db.session.remove()
    if response.status_code >= 400:
        assert _snapshot() == before, f"{where}: refused, but changed stored records"

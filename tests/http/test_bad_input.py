"""Bad input on every route: always a clear 4xx (or a redirect/page), never a 500, never a
half-written record.

The routes come from the app's own URL map at collection time, so a new route is fuzzed
without touching this file, and a failure names the route. Each route gets junk path values
(random text, very long text, unicode, NUL, invalid UTF-8, UUIDs that exist nowhere, and the
real id of an office or a bystander where one fits), junk query strings, and junk bodies
(none, garbage form fields, huge values, NUL bytes, invalid UTF-8, repeated keys, malformed
JSON, wrong content types), sent anonymously, as an office administrator with MFA and as a
security administrator, then with CSRF on and a missing or invalid token. Randomness is seeded.
"""

from __future__ import annotations

import json
import random
import re
import uuid
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from werkzeug.datastructures import MultiDict

from idp import create_app
from idp.common.clock import FixedClock
from idp.config import PROJECT_ROOT
from idp.extensions import db
from tests.factories import add_member, make_org, make_user
from tests.support.auth import login_as
from tests.support.signin import enroll_totp

JSON_PATHS = ("/oauth/", "/api/", "/.well-known/")
#: Browser-facing protocol endpoints: RFC 6749 4.1.2.1 and OIDC RP-initiated logout tell the
#: person (an HTML page) rather than a machine when the client or redirect cannot be trusted.
BROWSER_PROTOCOL_PATHS = ("/oauth/authorize", "/oauth/logout")
TABLES = ("users", "organizations", "memberships", "invitations", "oauth_clients")
UNTRACKED_USER_COLUMNS = ("last_sign_in_at",)


def _routes() -> list[tuple[str, tuple[str, ...]]]:
    app = create_app(
        {
            "database_url": "sqlite://",
            "secret_key": "collect-routes-only-not-a-real-secret-key",
            "instance_dir": "/nonexistent/idp-collect",
            "keys_dir": "/nonexistent/idp-collect/keys",
        }
    )
    found = []
    for rule in app.url_map.iter_rules():
        methods = tuple(sorted(rule.methods - {"HEAD", "OPTIONS"}))
        found.append((rule.rule, methods))
    return sorted(found)


def _field_names() -> list[str]:
    """Every form/query field the code or templates read, so junk reaches validation."""
    names = set()
    for path in (PROJECT_ROOT / "idp").rglob("*.py"):
        text = path.read_text()
        names.update(re.findall(r"(?:form|args|values|json)\.get(?:list)?\(\s*\"(\w+)\"", text))
        names.update(re.findall(r"\"(\w+)\"", _registration_block(text)))
    for path in Path(PROJECT_ROOT / "templates").rglob("*.html"):
        names.update(re.findall(r'name="(\w+)"', path.read_text()))
    names.update(
        {
            "response_type", "redirect_uri", "scope", "nonce", "code_challenge",
            "code_challenge_method", "refresh_token", "client_secret", "token",
            "token_type_hint", "client_assertion", "client_assertion_type", "code_verifier",
            "tax_id", "npi", "legal_name", "new_password", "current_password",
        }
    )  # fmt: skip
    names.discard("csrf_token")
    return sorted(names)


def _registration_block(text: str) -> str:
    match = re.search(r"REGISTRATION_FIELDS = \(([^)]*)\)", text)
    return match.group(1) if match else ""


ROUTES = _routes()
FIELDS = _field_names()
RNG_SEED = 20261124

JUNK_VALUES = [
    "",
    "   ",
    "\x00",
    "a\x00b",
    "x" * 100_000,
    "ünïcødé ☃ 𝔘𝔫𝔦",
    "\u202e\u200b",
    "'; DROP TABLE users; --",
    "../../../../etc/passwd",
    "%00%ff",
    "-1",
    "99999999999999999999999999",
    "http://evil.example/\r\nSet-Cookie: a=b",
    "javascript:alert(1)",
    "<script>alert(1)</script>",
    str(uuid.UUID(int=0xDEADBEEF)),
]


def _path_junk(rng: random.Random) -> list[str]:
    """Values for path variables, already percent-encoded where needed."""
    random_text = "".join(rng.choice("abcXYZ019-_.~") for _ in range(12))
    return [
        random_text,
        "y" * 3000,
        quote("ünï ☃"),
        "%00",
        "a%00b",
        "%FF%FE",
        str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "..",
    ]


def _bodies(rng: random.Random) -> list[dict]:
    """Keyword arguments for the test client: each one a kind of junk body."""
    fields = list(FIELDS)
    rng.shuffle(fields)
    small = [v for v in JUNK_VALUES if len(v) < 1000]
    garbage = MultiDict([(name, rng.choice(small)) for name in fields])
    repeated = MultiDict([(name, v) for name in fields[:12] for v in small[:4]])
    huge = {name: "h" * 100_000 for name in fields[:8]}
    key_chars = "abcdefghijklmnop_[]{}."
    random_keys = {
        "".join(rng.choice(key_chars) for _ in range(rng.randint(1, 40))): rng.choice(small)
        for _ in range(30)
    }
    nul = {name: "\x00" for name in fields}
    return [
        {},
        {"data": garbage},
        {"data": repeated},
        {"data": huge},
        {"data": random_keys},
        {"data": nul},
        {
            "data": b"username=%FF%FE&next=\xc3\x28&password=\xff\xfe\xfd&client_id=\xe2\x82",
            "content_type": "application/x-www-form-urlencoded",
        },
        {"data": b'{"client_id": "x", "token": ', "content_type": "application/json"},
        {"data": b"\xff\xfe{\x00}", "content_type": "application/json"},
        {
            "data": json.dumps({"client_id": [1, 2], "token": {"a": None}, "scope": 7}),
            "content_type": "application/json",
        },
        {"data": "<xml>\x00</xml>", "content_type": "application/xml"},
        {
            "data": b"--x\r\nContent-Disposition: form-data\r\n\r\n",
            "content_type": "multipart/form-data; boundary=x",
        },
        {"data": "plain", "content_type": "text/plain; charset=utf-9"},
    ]  # fmt: skip


def _query(rng: random.Random) -> str:
    small = [v for v in JUNK_VALUES if len(v) < 1000]
    pairs = [(name, rng.choice(small)) for name in FIELDS]
    return urlencode(pairs) + "&next=%00&rd=%FF&client_id=%00"


def _snapshot() -> dict:
    out = {}
    with db.engine.connect() as conn:
        for table in TABLES:
            model = db.metadata.tables[table]
            columns = [c for c in model.columns if c.name not in UNTRACKED_USER_COLUMNS]
            rows = conn.execute(db.select(*columns).order_by(*model.primary_key.columns))
            out[table] = [tuple(map(str, row)) for row in rows]
    return out


@pytest.fixture
def settings_overrides():
    limits = ("login", "totp", "password_reset", "username_recovery", "register")
    return {f"auth_ip_limit_{name}": 1_000_000 for name in limits}


@pytest.fixture
def people(app):
    """An office with its administrator (MFA), a bystander, and a security admin (MFA)."""
    clock = FixedClock()
    app.extensions["idp_clock"] = clock
    org = make_org()
    admin = make_user("fuzzadmin")
    add_member(admin, org, role="office_admin")
    bystander = make_user("fuzzbystander")
    add_member(bystander, org, role="front_desk")
    security = make_user("fuzzsec", platform_role="security_admin")
    enroll_totp(admin, clock)
    enroll_totp(security, clock)
    from idp.oauth.clients import client_service

    registered = client_service(app.config["IDP_SETTINGS"], app.secret_key).add(
        name="Fuzz app",
        client_id="fuzz-app",
        redirect_uris=["https://rp.test/callback"],
    )
    return {
        "admin": admin,
        "security": security,
        "org_id": org.id,
        "user_id": bystander.id,
        "client_id": registered.client.client_id,
    }


def _fills(rule: str, people: dict, rng: random.Random) -> list[str]:
    """Paths for ``rule``: every variable junk, and (where one fits) a real id with junk
    for the rest, so validation behind the lookup is reached too."""
    variables = re.findall(r"<(?:\w+:)?(\w+)>", rule)
    if not variables:
        return [rule]
    paths = []
    for junk in _path_junk(rng):
        paths.append(re.sub(r"<[^>]+>", junk, rule))
    real = {name: people[name] for name in variables if name in people}
    if real:
        path = rule
        for name in variables:
            value = real.get(name, "nosuch")
            path = re.sub(rf"<(?:\w+:)?{name}>", quote(str(value)), path)
        paths.append(path)
    return paths


def _check(response, method: str, path: str, who: str, what: str) -> None:
    where = f"{who} {method} {path[:120]} [{what}]"
    assert response.status_code < 500, f"{where}: {response.status_code} {response.data[:300]!r}"
    bare = path.split("?", 1)[0]
    if (
        response.status_code >= 400
        and bare.startswith(JSON_PATHS)
        and not bare.startswith(BROWSER_PROTOCOL_PATHS)
    ):
        assert response.is_json, f"{where}: not JSON: {response.data[:200]!r}"
        body = response.get_json(silent=True)
        if bare.startswith("/api/"):  # RFC 9457 problem details
            assert response.mimetype == "application/problem+json", where
            assert isinstance(body, dict) and body.get("status") == response.status_code, where
            assert body.get("type") and body.get("title"), f"{where}: {body!r}"
        else:
            assert isinstance(body, dict) and body.get("error"), f"{where}: {body!r}"


def _send_junk_bodies(app, people, rule, methods):
    rng = random.Random(f"{RNG_SEED}:{rule}")
    app.config["WTF_CSRF_ENABLED"] = False
    personas = [
        ("anonymous", None, ()),
        ("office_admin", people["admin"], ("pwd", "otp")),
        ("security_admin", people["security"], ("pwd", "otp")),
    ]
    paths = _fills(rule, people, rng)
    bodies = _bodies(rng)
    query = _query(rng)
    for who, user, amr in personas:
        for index, path in enumerate(paths):
            for method in methods:
                # Full body matrix on the first and the last (real-id) path; the rest get
                # the no-body request and the junk query string.
                kinds = bodies if index in (0, len(paths) - 1) else bodies[:1]
                for number, body in enumerate(kinds):
                    client = app.test_client()
                    if user is not None:
                        login_as(client, user, amr=amr)
                    target = path if number else f"{path}?{query}"
                    response = client.open(target, method=method, **body)
                    _check(response, method, target, who, f"body {number}")


def _send_bad_csrf(app, people, rule, methods):
    """CSRF on, with a missing or invalid token: refused cleanly."""
    rng = random.Random(f"{RNG_SEED}:csrf:{rule}")
    app.config["WTF_CSRF_ENABLED"] = True
    path = _fills(rule, people, rng)[-1]
    tokens = [None, "", "not-a-token", "\x00", "x" * 10_000]
    for who, user in (("anonymous", None), ("office_admin", people["admin"])):
        for method in set(methods) - {"GET"}:
            for token in tokens:
                client = app.test_client()
                if user is not None:
                    login_as(client, user, amr=("pwd", "otp"))
                data = {"username": "someone", "code": "123456"}
                if token is not None:
                    data["csrf_token"] = token
                response = client.open(path, method=method, data=data)
                _check(response, method, path, who, f"csrf {token!r:.20}")


COOKIE_JUNK = ["\x00", "a\x00b", "c" * 4000, "ünï☃", str(uuid.UUID(int=7)), "%00", '"quoted"']


def test_junk_cookies_are_no_session_not_an_error(app, people):
    """The session and device cookies come back from the browser: any value is a lookup
    key the state backend must survive."""
    from idp import services
    from idp.login.current import cookie_name

    before = _snapshot()
    app.config["WTF_CSRF_ENABLED"] = False
    names = [cookie_name(), services.device_cookie_name(), "idp_flow"]
    for value in COOKIE_JUNK:
        for path, method in [(r, m) for r, methods in ROUTES for m in methods if "<" not in r]:
            client = app.test_client()
            for name in names:
                client.set_cookie(name, value)
            response = client.open(path, method=method)
            _check(response, method, path, "junk cookie", repr(value[:10]))
    assert _snapshot() == before, "junk requests changed stored records"


#: Enough of a request for the token endpoint to reach client authentication.
GRANT_FORM = {"grant_type": "client_credentials", "token": "x", "scope": "openid"}


def _junk_headers(rng: random.Random) -> list[dict]:
    """Headers the code reads (credentials, the gateway's forwarded request, the agent)."""
    import base64

    def basic(raw: bytes) -> str:
        return "Basic " + base64.b64encode(raw).decode()

    latin = "\xff\xfe\xe9"
    values = ["", " ", "x" * 8000, latin, "a\tb", "%00", "../..", "http://evil.example/"]
    authorizations = [
        "Bearer",
        "Bearer ",
        "Bearer " + "x" * 8000,
        "Bearer a.b.c",
        "Bearer " + latin,
        "Basic",
        "Basic !!!not-base64",
        basic(b"no-colon"),
        basic(b"\xff\xfe:\xfd"),
        basic(b"fuzz-app:" + b"s" * 5000),
        basic(b":"),
        "Negotiate abc",
        latin,
    ]
    forwarded = [
        "X-Forwarded-Uri", "X-Forwarded-Host", "X-Forwarded-Method", "X-Forwarded-Proto",
        "X-Original-URL", "X-Original-Method", "User-Agent", "X-Requested-With",
    ]  # fmt: skip
    sets = [{"Authorization": value} for value in authorizations]
    for _ in range(6):
        sets.append({name: rng.choice(values) for name in forwarded})
    return sets


def _send_junk_headers(app, people, rule, methods):
    rng = random.Random(f"{RNG_SEED}:headers:{rule}")
    app.config["WTF_CSRF_ENABLED"] = False
    path = _fills(rule, people, rng)[-1]
    for who, user in (("anonymous", None), ("office_admin", people["admin"])):
        for method in methods:
            for headers in _junk_headers(rng):
                client = app.test_client()
                if user is not None:
                    login_as(client, user, amr=("pwd", "otp"))
                data = GRANT_FORM if method == "POST" else None
                response = client.open(path, method=method, headers=headers, data=data)
                _check(response, method, path, who, f"headers {sorted(headers)[:2]}")


@pytest.mark.parametrize(("rule", "methods"), ROUTES, ids=[r for r, _ in ROUTES])
def test_route_answers_junk_with_a_client_error(app, people, rule, methods):
    """Junk bodies and query strings as three personas, bad CSRF tokens, junk headers; one
    test per route (one setup), named by the route."""
    before = _snapshot()
    _send_junk_bodies(app, people, rule, methods)
    if set(methods) - {"GET"}:
        _send_bad_csrf(app, people, rule, methods)
    if not rule.startswith("/static/"):
        _send_junk_headers(app, people, rule, methods)
    assert _snapshot() == before, "junk requests changed stored records"


@pytest.mark.parametrize(
    "authorization",
    ["Basic ", "Bearer ", "Basic " + __import__("base64").b64encode(b"\xff\xfe:\xfd").decode()],
)
def test_token_endpoint_answers_unreadable_client_credentials_with_invalid_client(
    client, authorization
):
    """Authlib's own Basic parsing raises on these; the server refuses them first."""
    response = client.post(
        "/oauth/token", data=GRANT_FORM, headers={"Authorization": authorization}
    )
    assert response.status_code in (400, 401), response.data
    assert response.get_json()["error"] == "invalid_client"


def test_authorize_refuses_a_response_type_it_cannot_quote(app, people):
    """Authlib quotes an unknown response_type in error_description and raises ValueError
    when the value has characters RFC 6749 forbids there."""
    client = app.test_client()
    response = client.get(
        "/oauth/authorize?"
        + urlencode({"client_id": "fuzz-app", "response_type": "code\u2603", "scope": "openid"})
    )
    assert response.status_code == 400
    assert b"unsupported_response_type" in response.data


def test_nul_characters_are_refused_with_a_clear_400(app, client):
    app.config["WTF_CSRF_ENABLED"] = False
    page = client.post("/login", data={"username": "a\x00b", "password": "x"})
    assert page.status_code == 400 and b"NUL character" in page.data
    api = client.post("/oauth/token", data={"grant_type": "client_credentials\x00"})
    assert api.status_code == 400
    assert api.get_json() == {
        "error": "invalid_request",
        "error_description": "A form field contains a NUL character.",
    }
    assert client.get("/orgs/%00/members").status_code == 400


NEAR_VALID_JUNK = [
    "x" * 100_000,
    "y" * 300,
    "   ",
    "ünï☃" * 80,
    "\u202e\u200b",
    "a\tb\r\nc",
    "<script>alert(1)</script>",
    "\udcff".encode("utf-8", "surrogatepass").decode("latin-1"),
]


def _near_valid_forms(people, n: int) -> list[tuple[str, str | None, dict]]:
    """(path, who, a form that succeeds as is, unique by ``n``): each is then sent with one
    field spoiled."""
    from tests.factories import PASSWORD, npi_with_check_digit

    registration = {
        "legal_name": f"Maple Pediatrics {n} PLLC",
        "tax_id": f"{450000000 + n:09d}",
        "npi": npi_with_check_digit(f"{198700000 + n:09d}"),
        "address_line1": "12 Maple Avenue",
        "address_line2": "Suite 3",
        "city": "Peoria",
        "state": "IL",
        "postal_code": "61602",
        "username": f"maple.admin{n}",
        "display_name": "Morgan Maple",
        "email": f"admin{n}@maple.test",
        "password": "a long enough passphrase 42",
        "password_confirm": "a long enough passphrase 42",
    }
    invitations = f"/orgs/{people['org_id']}/invitations"
    return [
        ("/register", None, registration),
        (invitations, "admin", {"email": f"new{n}@clinic.test", "role": "billing"}),
        ("/account/email", "admin", {"email": f"moved{n}@clinic.test", "password": PASSWORD}),
        ("/login/forgot-password", None, {"identifier": "fuzzadmin"}),
        ("/login/forgot-username", None, {"email": "fuzzadmin@clinic.test"}),
    ]


def test_near_valid_forms_with_one_bad_field_write_nothing(app, people):
    """A form that would succeed, with one field spoiled (too long for its column, blank,
    control characters, odd unicode): a 4xx and no row, or success; never a 500."""
    app.config["WTF_CSRF_ENABLED"] = False
    numbers = iter(range(1, 10_000))

    def send(index: int, spoil: tuple[str, str] | None = None):
        path, who, form = _near_valid_forms(people, next(numbers))[index]
        client = app.test_client()
        if who is not None:
            login_as(client, people[who], amr=("pwd", "otp"))
        data = {**form, spoil[0]: spoil[1]} if spoil else form
        return path, who, client.post(path, data=data)

    for index, (_, _, form) in enumerate(_near_valid_forms(people, 0)):
        for field in form:
            for junk in NEAR_VALID_JUNK:
                before = _snapshot()
                path, who, response = send(index, (field, junk))
                _check(response, "POST", path, who or "anonymous", f"{field}={junk[:12]!r}")
                if response.status_code >= 400:
                    assert _snapshot() == before, f"{path} {field}: refused but wrote records"
        path, _, response = send(index)
        assert response.status_code < 400, f"the unspoiled form for {path} must succeed"

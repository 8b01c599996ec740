"""The client-credentials and introspection fast path (idp/oauth/fastpath.py) against the
same requests through Flask (``oauth_fast_path = false``), on one database and state.

Its answers carry the same headers and claims; every request it hands on is answered by
the app exactly as before, status, JSON and audit entry alike.
"""

from __future__ import annotations

import base64
import json
import logging

import pytest
from flask import request_started

from idp.audit.service import events
from idp.metrics.exposition import generate_latest, registry
from idp.metrics.hooks import install_request_hooks
from idp.oauth.clients import client_service
from idp.state import shared_state

AUDIENCE = "https://claims.example/api"
OTHER_AUDIENCE = "https://other.example/api"
#: Per-request values: compared for shape, not equality.
PER_REQUEST = {"X-Request-ID"}


class Flasked:
    """Counts the requests Flask dispatched (the fast path's answers are not among them)."""

    def __init__(self, app):
        self.count = 0
        request_started.connect(self._seen, app, weak=False)

    def _seen(self, _sender, **_extra):
        self.count += 1


@pytest.fixture
def slow(make_app, app):
    """The same instance with the fast path off (after ``app`` emptied the tables)."""
    return make_app(oauth_fast_path=False)


@pytest.fixture
def registry_(app):
    return client_service(app.config["IDP_SETTINGS"], app.config["SECRET_KEY"])


@pytest.fixture
def service(registry_):
    return registry_.add(
        name="Claims batch",
        client_id="claims-batch",
        grant_types=["client_credentials"],
        scopes=["claims", "eligibility"],
        default_audience=f"{AUDIENCE} {OTHER_AUDIENCE}",
    ).secret


@pytest.fixture
def resource_server(registry_):
    return registry_.add(
        name="Claims API",
        client_id="claims-api",
        grant_types=["client_credentials"],
        scopes=["claims"],
        default_audience=AUDIENCE,
    ).secret


@pytest.fixture
def web(registry_):
    return registry_.add(
        name="Web",
        client_id="web",
        grant_types=["authorization_code"],
        redirect_uris=["https://rp.example/cb"],
        scopes=["openid"],
    ).secret


def basic(client_id: str, secret: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def both(app, slow, path, **kwargs):
    """The answer of the fast path's app and of the app without it, and whether Flask
    dispatched the first."""
    flasked = Flasked(app)
    fast = app.test_client().post(path, **kwargs)
    plain = slow.test_client().post(path, **kwargs)
    return fast, plain, flasked.count == 1


def same_headers(fast, plain) -> None:
    assert [k for k, _ in fast.headers] == [k for k, _ in plain.headers]
    for (name, value), (_, other) in zip(fast.headers, plain.headers, strict=True):
        if name in PER_REQUEST:
            assert len(value) == len(other) == 32
        else:
            assert value == other, name


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.mark.parametrize("auth", ["client_secret_basic", "client_secret_post"])
def test_a_token_answer_is_flasks_answer(app, slow, service, auth):
    form = {"grant_type": "client_credentials", "scope": "claims"}
    headers = {"User-Agent": "batch/1.0"}
    if auth == "client_secret_basic":
        headers |= basic("claims-batch", service)
    else:
        form |= {"client_id": "claims-batch", "client_secret": service}
    fast, plain, flasked = both(app, slow, "/oauth/token", data=form, headers=headers)
    assert not flasked, "the fast path answered"
    assert fast.status_code == plain.status_code == 200
    same_headers(fast, plain)
    assert fast.headers["Cache-Control"] == "no-store" and fast.headers["Pragma"] == "no-cache"
    a, b = fast.get_json(), plain.get_json()
    assert a.keys() == b.keys() and a["scope"] == b["scope"] == "claims"
    assert a["expires_in"] == b["expires_in"]
    mine, theirs = claims_of(a["access_token"]), claims_of(b["access_token"])
    varying = {"jti", "iat", "nbf", "exp"}
    assert {k: v for k, v in mine.items() if k not in varying} == {
        k: v for k, v in theirs.items() if k not in varying
    }
    issued = events("oauth.token.issued")
    assert [e.request_id for e in issued] == [
        fast.headers["X-Request-ID"],
        plain.headers["X-Request-ID"],
    ]
    for entry in issued:
        assert (entry.ip, entry.user_agent, entry.client_id) == (
            "127.0.0.1",
            "batch/1.0",
            "claims-batch",
        )
        assert entry.data == issued[0].data


def test_resource_and_default_scope_come_from_the_same_decisions(app, slow, service):
    form = {"grant_type": "client_credentials", "resource": OTHER_AUDIENCE}
    fast, plain, flasked = both(
        app, slow, "/oauth/token", data=form, headers=basic("claims-batch", service)
    )
    assert not flasked
    a, b = fast.get_json(), plain.get_json()
    assert a["scope"] == b["scope"] == "claims eligibility"
    assert claims_of(a["access_token"])["aud"] == claims_of(b["access_token"])["aud"]
    assert claims_of(a["access_token"])["aud"] == OTHER_AUDIENCE


def _token(app, secret) -> str:
    answer = app.test_client().post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "claims"},
        headers=basic("claims-batch", secret),
    )
    return answer.get_json()["access_token"]


@pytest.mark.parametrize("case", ["live", "revoked", "not ours", "not its audience", "hint"])
def test_an_introspection_answer_is_flasks_byte_for_byte(
    app, slow, service, resource_server, web, case
):
    token = _token(app, service)
    asker = ("claims-api", resource_server)
    form = {"token": token}
    if case == "revoked":
        revoked = app.test_client().post(
            "/oauth/revoke", data={"token": token}, headers=basic("claims-batch", service)
        )
        assert revoked.status_code == 200
    elif case == "not ours":
        form = {"token": "a.b.c"}
    elif case == "not its audience":
        asker = ("web", web)
    elif case == "hint":
        form["token_type_hint"] = "access_token"
    fast, plain, flasked = both(app, slow, "/oauth/introspect", data=form, headers=basic(*asker))
    assert not flasked
    assert fast.status_code == plain.status_code == 200
    assert fast.data == plain.data
    assert fast.get_json()["active"] is (case in ("live", "hint"))
    same_headers(fast, plain)


def test_introspection_with_the_secret_in_the_form(app, slow, service, resource_server):
    form = {
        "token": _token(app, service),
        "client_id": "claims-api",
        "client_secret": resource_server,
    }
    fast, plain, flasked = both(app, slow, "/oauth/introspect", data=form)
    assert not flasked and fast.data == plain.data and fast.get_json()["active"] is True


TOKEN = "/oauth/token"
INTROSPECT = "/oauth/introspect"
CC = {"grant_type": "client_credentials"}
RAW = b"grant_type=client_credentials&scope="
FORM_TYPE = {"content_type": "application/x-www-form-urlencoded"}

#: (name, path, form, how to authenticate, extra keywords): each is handed to Flask.
DECLINED = [
    ("wrong secret, basic", TOKEN, CC, ("claims-batch", "wrong"), {}),
    ("unknown client, basic", TOKEN, CC, ("nobody", "wrong"), {}),
    (
        "wrong secret, post",
        TOKEN,
        {**CC, "client_id": "claims-batch", "client_secret": "x"},
        None,
        {},
    ),
    ("no credentials", TOKEN, CC, None, {}),
    ("grant the client lacks", TOKEN, CC, "web", {}),
    ("unsupported grant", TOKEN, {"grant_type": "password", "username": "a"}, "service", {}),
    ("resource not registered", TOKEN, {**CC, "resource": "https://evil.example/"}, "service", {}),
    ("two resources", TOKEN, {**CC, "resource": [AUDIENCE, OTHER_AUDIENCE]}, "service", {}),
    ("scope twice", TOKEN, {**CC, "scope": ["claims", "eligibility"]}, "service", {}),
    ("unknown field", TOKEN, {**CC, "audience": AUDIENCE}, "service", {}),
    ("NUL in a field", TOKEN, {**CC, "scope": "claims\x00"}, "service", {}),
    ("query string", TOKEN + "?x=1", CC, "service", {}),
    ("JSON body", TOKEN, None, "service", {"json": CC}),
    ("raw UTF-8 body", TOKEN, RAW + "claim\u00e9".encode(), "service", FORM_TYPE),
    ("not UTF-8 once decoded", TOKEN, RAW + b"%FF", "service", FORM_TYPE),
    ("bearer header", TOKEN, CC, None, {"headers": {"Authorization": "Bearer abc"}}),
    ("blank basic", TOKEN, CC, None, {"headers": {"Authorization": "Basic "}}),
    ("basic and a form secret", TOKEN, {**CC, "client_secret": "x"}, "service", {}),
    ("introspection, no token", INTROSPECT, {}, "resource", {}),
    (
        "introspection, bad hint",
        INTROSPECT,
        {"token": "a.b.c", "token_type_hint": "id"},
        "resource",
        {},
    ),
    ("introspection, wrong secret", INTROSPECT, {"token": "a.b.c"}, ("claims-api", "x"), {}),
]


#: Declined, and then answered with a token by Flask all the same.
TOKEN_ANYWAY = {"scope twice", "unknown field", "query string", "raw UTF-8 body"}
TOKEN_ANYWAY |= {"basic and a form secret", "not UTF-8 once decoded"}


@pytest.mark.parametrize("name, path, form, auth, extra", DECLINED, ids=[d[0] for d in DECLINED])
def test_what_the_fast_path_declines_flask_answers_as_before(
    app, slow, service, resource_server, web, name, path, form, auth, extra
):
    secrets = {"service": ("claims-batch", service), "resource": ("claims-api", resource_server)}
    secrets["web"] = ("web", web)
    kwargs = dict(extra)
    if form is not None:
        kwargs["data"] = form
    if auth is not None:
        kwargs["headers"] = basic(*(secrets[auth] if isinstance(auth, str) else auth))
    fast, plain, flasked = both(app, slow, path, **kwargs)
    assert flasked, "handed to Flask"
    assert fast.status_code == plain.status_code
    same_headers(fast, plain)
    if plain.status_code == 200:  # Flask takes the first value, or ignores the field
        assert name in TOKEN_ANYWAY
        assert fast.get_json().keys() == plain.get_json().keys()
        return
    assert fast.data == plain.data, "the same error, byte for byte"
    failed = events("oauth.client_auth.failed")
    assert len(failed) % 2 == 0 and [e.data for e in failed[::2]] == [e.data for e in failed[1::2]]


def test_an_outage_is_flasks_503_and_is_met_once(app, slow, service, monkeypatch):
    from redis.exceptions import ConnectionError as RedisDown

    state = shared_state()
    calls = []

    def down(*_args, **_kwargs):
        calls.append(1)
        raise RedisDown("Connection refused")

    with app.app_context():
        monkeypatch.setattr(type(state), "get", down)
        flasked = Flasked(app)
        fast = app.test_client().post(
            "/oauth/token", data=CC, headers=basic("claims-batch", service)
        )
        assert flasked.count == 1 and len(calls) == 1, "the app answered, without asking again"
        plain = slow.test_client().post(
            "/oauth/token", data=CC, headers=basic("claims-batch", service)
        )
    assert fast.status_code == plain.status_code == 503
    assert fast.data == plain.data
    assert fast.get_json()["error"] == "temporarily_unavailable"
    same_headers(fast, plain)
    assert fast.headers["Retry-After"] == plain.headers["Retry-After"]


def _value(text: str, line_start: str) -> float:
    for line in text.splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_and_access_log_count_a_fast_answer_like_flasks(
    app, slow, service, resource_server, caplog
):
    for each in (app, slow):
        install_request_hooks(each, metrics=True, access_log=True)
    issued = 'idp_tokens_issued_total{grant_type="client_credentials"}'
    answered = 'idp_responses_total{endpoint="/oauth/introspect",status="2xx"}'
    timed = 'idp_request_duration_seconds_count{endpoint="/oauth/token",method="POST"}'
    before = generate_latest(registry()).decode()
    access = logging.getLogger("idp.access")
    access.addHandler(caplog.handler)
    with caplog.at_level(logging.INFO, logger="idp.access"):
        fast, plain, flasked = both(
            app, slow, "/oauth/token", data=CC, headers=basic("claims-batch", service)
        )
        introspected = both(
            app,
            slow,
            "/oauth/introspect",
            data={"token": "a.b.c"},
            headers=basic("claims-api", resource_server),
        )
    assert not flasked and not introspected[2]
    access.removeHandler(caplog.handler)
    after = generate_latest(registry()).decode()
    for name in (issued, answered, timed):
        assert _value(after, name) == _value(before, name) + 2, name
    lines = [r.getMessage() for r in caplog.records if r.name == "idp.access"]
    assert len(lines) == 4
    for mine, theirs in (lines[:2], lines[2:]):
        assert mine.rsplit(" rid=", 1)[0] == theirs.rsplit(" rid=", 1)[0]
    assert lines[0].endswith("rid=" + fast.headers["X-Request-ID"])
    assert '"POST /oauth/token HTTP/1.1" 200' in lines[0]


def test_the_audit_sealer_runs_after_a_fast_answer_when_due(app, service, monkeypatch):
    import idp.audit.app

    sealed = []
    monkeypatch.setattr(idp.audit.app, "seal_quietly", lambda app_: sealed.append(app_))
    schedule = app.extensions["idp.audit.seal_schedule"]
    schedule.last -= schedule.interval
    client = app.test_client()
    for _ in range(2):
        answer = client.post("/oauth/token", data=CC, headers=basic("claims-batch", service))
        assert answer.status_code == 200
        answer.close()
        assert sealed == [app], "after the answer, once per interval"


def test_under_https_both_paths_add_hsts(make_app):
    fast_app = make_app(public_base_url="https://idp.test")
    slow_app = make_app(public_base_url="https://idp.test", oauth_fast_path=False)
    with fast_app.app_context():
        secret = (
            client_service(fast_app.config["IDP_SETTINGS"], fast_app.config["SECRET_KEY"])
            .add(
                name="S",
                client_id="svc-https",
                grant_types=["client_credentials"],
                scopes=["claims"],
            )
            .secret
        )
        fast, plain, flasked = both(
            fast_app,
            slow_app,
            "/oauth/token",
            data=CC,
            headers=basic("svc-https", secret),
            base_url="https://idp.test",
        )
    assert not flasked and fast.status_code == plain.status_code == 200
    same_headers(fast, plain)
    assert fast.headers["Strict-Transport-Security"].startswith("max-age=")


def test_plain_http_to_a_public_host_is_left_to_authlibs_refusal(app, slow, service):
    """Authlib refuses OAuth over http except on loopback (``insecure_transport``)."""
    fast, plain, flasked = both(
        app,
        slow,
        "/oauth/token",
        data=CC,
        headers=basic("claims-batch", service),
        base_url="http://idp.example.org",
    )
    assert flasked and fast.status_code == plain.status_code
    assert fast.get_json() == plain.get_json()

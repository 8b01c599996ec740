"""Revocation under races and after Redis loses its data, over real HTTP (werkzeug, threaded,
on 127.0.0.1) against the session's database (SQLite, or PostgreSQL in the PG pass).

- 20 concurrent redemptions of one code: exactly one gets tokens, and every token of that
  grant is inactive at introspection and 401 at userinfo afterwards -- in every trial. The
  requests are released together by a barrier; nothing waits on a timer.
- A revoked access token (alone, by ``jti``) and a revoked grant stay revoked after the
  Redis the app uses is emptied (FLUSHALL on a redis-server of this test's own).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from idp.audit.service import events
from idp.extensions import db
from tests.conftest import _empty_all_tables
from tests.factories import add_member, make_org, make_user
from tests.http.oauth.conftest import browser_for, code_for_signed_in, redeem, serve
from tests.reliability.gunicorn_server import child_pids
from tests.support.mailcatcher import free_port

SCOPE = "openid profile email organization"
TRIALS = 10
REPLAYS = 20
IDP = os.path.join(os.path.dirname(sys.executable), "idp")


@pytest.fixture
def live(make_app):
    yield from serve(make_app)


def _people(live):
    from idp.oauth.clients import client_service

    clients = client_service(live.app.config["IDP_SETTINGS"], live.app.config["SECRET_KEY"])
    org = make_org()
    user = make_user("racer")
    add_member(user, org, "front_desk")
    web = clients.add(
        name="Web", client_id="web", redirect_uris=["https://rp.example/cb"], first_party=True
    )
    return {"user": user, "auth": ("web", web.secret), "browser": browser_for(live, user)}


def _code(live, setup) -> tuple[str, str]:
    return code_for_signed_in(live, setup["browser"], scope=SCOPE)


def _redeem(live, setup, code, verifier) -> requests.Response:
    return redeem(live, setup["auth"], code, verifier)


def _active(live, setup, token) -> bool:
    answer = requests.post(
        live.url + "/oauth/introspect", auth=setup["auth"], data={"token": token}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["active"]


def _userinfo(live, token) -> int:
    return requests.get(
        live.url + "/oauth/userinfo", headers={"Authorization": "Bearer " + token}, timeout=30
    ).status_code


def _refresh(live, setup, refresh_token) -> int:
    return requests.post(
        live.url + "/oauth/token",
        auth=setup["auth"],
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        timeout=30,
    ).status_code


def _grant_of(access_token: str) -> str:
    payload = access_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["grant_id"]


def _replay_trials(live, setup) -> list:
    """TRIALS times: one code, REPLAYS redemptions released together; what came of each."""
    outcomes = []
    for _trial in range(TRIALS):
        code, verifier = _code(live, setup)
        barrier = threading.Barrier(REPLAYS)

        def redeem(_, code=code, verifier=verifier, barrier=barrier):
            barrier.wait()
            return _redeem(live, setup, code, verifier)

        with ThreadPoolExecutor(REPLAYS) as pool:
            results = list(pool.map(redeem, range(REPLAYS)))
        statuses = sorted(r.status_code for r in results)
        assert statuses == [200] + [400] * (REPLAYS - 1), statuses
        assert {r.json()["error"] for r in results if r.status_code == 400} == {"invalid_grant"}
        token = next(r.json() for r in results if r.status_code == 200)
        grant_id = _grant_of(token["access_token"])
        outcome = (
            _active(live, setup, token["access_token"]),
            _active(live, setup, token["refresh_token"]),
            _userinfo(live, token["access_token"]),
            _refresh(live, setup, token["refresh_token"]),
        )
        reasons = [
            json.loads(e.data)["reason"]
            for e in events("oauth.grant.revoked")
            if json.loads(e.data)["grant_id"] == grant_id
        ]
        outcomes.append((outcome, reasons))
    return outcomes


#: Every trial: access and refresh token inactive, userinfo 401, refresh refused, and the
#: grant revoked exactly once, for the code's reuse.
ALL_REVOKED = [((False, False, 401, 400), ["code_reuse"])] * TRIALS


def test_concurrent_code_replays_give_one_token_set_and_revoke_all_of_it(live):
    assert _replay_trials(live, _people(live)) == ALL_REVOKED


@pytest.mark.slow
def test_concurrent_code_replays_against_idp_serve(gunicorn):
    """The same against ``idp serve`` (its default server, two worker processes with
    threads): the replays race across processes, not only threads."""
    assert _replay_trials(gunicorn, _people(gunicorn)) == ALL_REVOKED
    assert len(child_pids(gunicorn.pid)) == 2


def test_one_redemption_and_no_replay_leaves_the_grant_alone(live):
    """The control: without a replay the same tokens are active."""
    setup = _people(live)
    code, verifier = _code(live, setup)
    token = _redeem(live, setup, code, verifier).json()
    assert _active(live, setup, token["access_token"]) is True
    assert _active(live, setup, token["refresh_token"]) is True
    assert _userinfo(live, token["access_token"]) == 200


# --- idp serve ------------------------------------------------------------------------------


class Served:
    """A running ``idp serve`` and an app of the same settings (same database and shared
    state) in whose context the test seeds people and reads the audit trail."""

    def __init__(self, url: str, app, log_path, pid: int):
        self.url = url
        self.app = app
        self.log_path = log_path
        self.pid = pid


@pytest.fixture
def gunicorn(make_app, base_settings, tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = make_app(public_base_url=url)
    settings = {
        **base_settings,
        "public_base_url": url,
        "redis_prefix": app.config["IDP_SETTINGS"].redis_prefix,
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    for name, value in settings.items():
        env["IDP_" + name.upper()] = str(value).lower() if isinstance(value, bool) else str(value)
    env.update(IDP_SERVER_HOST="127.0.0.1", IDP_SERVER_PORT=str(port), IDP_SERVER_WORKERS="2")
    with app.app_context():
        _empty_all_tables()
        log = (tmp_path / "serve.log").open("w")
        process = subprocess.Popen(  # noqa: S603 - our own console script
            [IDP, "serve"], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait_ready(url, process, tmp_path / "serve.log")
            yield Served(url, app, tmp_path / "serve.log", process.pid)
        finally:
            process.terminate()
            process.wait(20)
            log.close()
            db.session.remove()


def _wait_ready(url: str, process, log_path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(url + "/readyz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail("idp serve did not become ready:\n" + log_path.read_text()[-3000:])
        time.sleep(0.2)


# --- Redis emptied ---------------------------------------------------------------------------


@pytest.fixture
def live_on_private_redis(make_app, private_redis):
    url, connection = private_redis
    for server in serve(make_app, redis_url=url):
        server.redis = connection
        yield server


def test_revocations_survive_redis_losing_its_data(live_on_private_redis):
    live = live_on_private_redis
    setup = _people(live)
    one, two, kept = (_redeem(live, setup, *_code(live, setup)).json() for _ in range(3))
    for kind, token in (("access_token", one), ("refresh_token", two)):
        revoked = requests.post(
            live.url + "/oauth/revoke", auth=setup["auth"], data={"token": token[kind]}, timeout=30
        )
        assert revoked.status_code == 200
    assert live.redis.dbsize() > 0  # the app really keeps its shared state there
    live.redis.flushall()
    assert live.redis.dbsize() == 0
    # The access token revoked alone, and every token of the revoked grant, stay revoked.
    assert _active(live, setup, one["access_token"]) is False
    assert _userinfo(live, one["access_token"]) == 401
    assert _active(live, setup, two["access_token"]) is False
    assert _active(live, setup, two["refresh_token"]) is False
    assert _userinfo(live, two["access_token"]) == 401
    assert _refresh(live, setup, two["refresh_token"]) == 400
    # What was not revoked still works: a flush costs sign-ins, not valid tokens.
    assert _active(live, setup, kept["access_token"]) is True
    assert _userinfo(live, kept["access_token"]) == 200
    assert _refresh(live, setup, kept["refresh_token"]) == 200

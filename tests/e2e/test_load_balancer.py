"""Scale-out: real nginx (Debian's) round-robin in front of two idp instances, each a real
``idp serve`` process (gunicorn) on the same database, shared state and keys folder.

nginx tags every answer with the instance that served it (``X-Upstream``), so each test
proves the instances took turns: a session started on one is valid on the other, lockout
counts failures from both, a code issued by one is redeemed once at the other, and a key
rotation done by ``idp keys rotate`` is seen by both at once.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import uuid
from pathlib import Path

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwk, jwt

from idp import create_app
from idp.audit.service import events
from idp.extensions import db
from idp.jwk.keyring import KeyRing
from idp.oauth.clients import client_service
from tests.cli.test_cli import IDP
from tests.factories import PASSWORD, add_member, make_org, make_user
from tests.support.gateway_stack import Nginx, nginx_available, wait_for_port
from tests.support.mailcatcher import free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not nginx_available(), reason="needs Debian's nginx (/usr/sbin/nginx)"),
]

#: The ``http`` block's servers; ``Nginx.preamble()`` comes before it.
NGINX_CONF = """
    # As deploy/nginx/idp-load-balancer.example.conf: round-robin, no stickiness.
    upstream idp_pool {{
        server 127.0.0.1:{a};
        server 127.0.0.1:{b};
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://idp_pool;
            proxy_set_header Host              $host;
            proxy_set_header X-Forwarded-For   $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


class LoadBalancer(Nginx):
    """Debian's nginx (started, checked with -t and stopped as in the gateway tests) with
    the round-robin configuration above instead of the gateway's."""

    def config(self, a: int, b: int) -> str:
        return self.preamble() + NGINX_CONF.format(a=a, b=b, port=self.port)


def _env(settings: dict) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    for name, value in settings.items():
        if isinstance(value, dict):
            continue
        env["IDP_" + name.upper()] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


class Instance:
    def __init__(self, settings: dict, workdir: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / f"idp-{self.port}.log"
        self.env = _env(
            {
                **settings,
                "server_host": "127.0.0.1",
                "server_port": self.port,
                "server_workers": 1,
                "server_threads": 4,
                "server_trusted_proxies": 1,
            }
        )
        self.cwd = workdir
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("w") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own command
                [IDP, "serve"], cwd=self.cwd, env=self.env, stdout=log, stderr=log
            )

    def wait(self) -> None:
        try:
            wait_for_port(self.port, timeout=30)
        except RuntimeError:
            raise RuntimeError(f"idp did not start: {self.log.read_text()}") from None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


@pytest.fixture(scope="module")
def stack(base_settings, migrated, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("lb")
    port = free_port()
    settings = {
        **base_settings,
        "redis_prefix": f"idp-lb-{uuid.uuid4().hex[:8]}:",
        "public_base_url": f"http://127.0.0.1:{port}",
    }
    app = create_app(settings)  # the tests' own handle on the shared database
    instances = [Instance(settings, workdir), Instance(settings, workdir)]
    try:
        for instance in instances:
            instance.start()
        for instance in instances:
            instance.wait()
        with LoadBalancer(workdir, port, instances[0].port, instances[1].port):
            yield type(
                "Stack",
                (),
                {
                    "app": app,
                    "base": f"http://127.0.0.1:{port}",
                    "instances": instances,
                    "env": instances[0].env,
                    "workdir": workdir,
                },
            )
    finally:
        for instance in instances:
            instance.stop()
        with app.app_context():
            db.engine.dispose()


def served_by(response: requests.Response) -> str:
    return response.headers["X-Upstream"]


def both(stack) -> set[str]:
    return {f"127.0.0.1:{i.port}" for i in stack.instances}


@pytest.fixture
def person(stack):
    with stack.app.app_context():
        org = make_org(f"LB Practice {uuid.uuid4().hex[:6]} LLC")
        user = make_user(f"lb{uuid.uuid4().hex[:8]}")
        add_member(user, org, "front_desk")
        return {"username": user.username, "id": user.id}


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(browser: requests.Session, base: str, username: str, password: str = PASSWORD):
    page = browser.get(f"{base}/login")
    assert page.status_code == 200, page.text
    return browser.post(
        f"{base}/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(page.text)},
        allow_redirects=False,
    )


def test_a_session_started_on_one_instance_is_valid_on_the_other(stack, person):
    browser = requests.Session()
    signed_in = sign_in(browser, stack.base, person["username"])
    assert signed_in.status_code == 302, signed_in.text
    pages = [browser.get(f"{stack.base}/account", allow_redirects=False) for _ in range(4)]
    assert [p.status_code for p in pages] == [200] * 4
    assert {served_by(p) for p in pages} == both(stack)
    assert all(person["username"] in p.text for p in pages)
    # Signing out on one ends the session on both.
    out = browser.post(
        f"{stack.base}/logout",
        data={"csrf_token": csrf_token(pages[-1].text)},
        allow_redirects=False,
    )
    assert out.status_code == 302
    after = [browser.get(f"{stack.base}/account", allow_redirects=False) for _ in range(2)]
    assert {served_by(p) for p in after} == both(stack)
    assert all(p.status_code == 302 and "/login" in p.headers["Location"] for p in after)


def test_lockout_counts_failures_on_both_instances(stack, person):
    limit = stack.app.config["IDP_SETTINGS"].auth_lockout_failures
    browser = requests.Session()
    page = browser.get(f"{stack.base}/login")
    token = csrf_token(page.text)
    failures = [
        browser.post(
            f"{stack.base}/login",
            data={"username": person["username"], "password": "wrong guess!", "csrf_token": token},
            allow_redirects=False,
        )
        for _ in range(limit)
    ]
    assert [f.status_code for f in failures] == [401] * limit
    assert {served_by(f) for f in failures} == both(stack)
    # Locked for this source on every instance, even with the right password.
    for _ in range(2):
        locked = browser.post(
            f"{stack.base}/login",
            data={"username": person["username"], "password": PASSWORD, "csrf_token": token},
            allow_redirects=False,
        )
        assert locked.status_code == 401, served_by(locked)
    with stack.app.app_context():
        assert len(events("lockout.locked", subject_id=person["id"])) == 1
        checked = [e.data for e in events("login.failed", subject_id=person["id"])]
    assert sum('"bad_password"' in d for d in checked) == limit
    assert sum('"locked"' in d for d in checked) == 2


def _public_client(stack) -> tuple[str, str]:
    client_id = f"lb-{uuid.uuid4().hex[:8]}"
    redirect_uri = f"https://{client_id}.rp.test/cb"
    with stack.app.app_context():
        client_service(stack.app.config["IDP_SETTINGS"], stack.app.config["SECRET_KEY"]).add(
            name="LB tool",
            client_id=client_id,
            auth_method="none",
            redirect_uris=[redirect_uri],
            first_party=True,
        )
    return client_id, redirect_uri


def _code(stack, browser, client_id, redirect_uri):
    """(code response, RP session, verifier) from the authorization endpoint via nginx."""
    rp = OAuth2Session(
        client_id,
        None,
        scope="openid profile email",
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
    )
    verifier = secrets.token_urlsafe(48)
    url, _ = rp.create_authorization_url(
        f"{stack.base}/oauth/authorize", code_verifier=verifier, nonce="n-1"
    )
    response = browser.get(url, allow_redirects=False)
    assert response.status_code == 302, response.text
    assert response.headers["Location"].startswith(redirect_uri)
    return response, rp, verifier


def _redeem(instance_url: str, client_id: str, redirect_uri: str, location: str, verifier: str):
    code = re.search(r"[?&]code=([^&]+)", location).group(1)
    return requests.post(
        f"{instance_url}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": client_id,
            "code_verifier": verifier,
        },
    )


def _instance(stack, upstream: str):
    return next(i for i in stack.instances if upstream.endswith(f":{i.port}"))


def test_a_code_from_one_instance_is_redeemed_once_at_the_other(stack, person):
    client_id, redirect_uri = _public_client(stack)
    browser = requests.Session()
    assert sign_in(browser, stack.base, person["username"]).status_code == 302
    response, _, verifier = _code(stack, browser, client_id, redirect_uri)
    issuer = _instance(stack, served_by(response))
    other = next(i for i in stack.instances if i is not issuer)
    location = response.headers["Location"]
    redeemed = _redeem(other.url, client_id, redirect_uri, location, verifier)
    assert redeemed.status_code == 200, redeemed.text
    assert "id_token" in redeemed.json()
    for instance in (issuer, other):
        replay = _redeem(instance.url, client_id, redirect_uri, location, verifier)
        assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


def _jwks(url: str):
    return jwk.KeySet.import_key_set(requests.get(f"{url}/oauth/jwks").json())


def test_a_key_rotation_on_one_is_seen_by_the_other(stack, person):
    client_id, redirect_uri = _public_client(stack)
    browser = requests.Session()
    assert sign_in(browser, stack.base, person["username"]).status_code == 302

    def id_token():
        response, rp, verifier = _code(stack, browser, client_id, redirect_uri)
        tokens = rp.fetch_token(
            f"{stack.base}/oauth/token",
            authorization_response=response.headers["Location"],
            code_verifier=verifier,
        )
        return tokens["id_token"]

    before = id_token()
    rotated = subprocess.run(  # noqa: S603 - our own command
        [IDP, "keys", "rotate"],
        cwd=stack.workdir,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert rotated.returncode == 0, rotated.stderr
    alg = stack.app.config["IDP_SETTINGS"].oauth_signing_alg
    new_kid = KeyRing(stack.app.config["IDP_SETTINGS"].keys_path).active(alg).kid
    assert new_kid in rotated.stdout
    for instance in stack.instances:
        keys = _jwks(instance.url)
        assert new_kid in {k.kid for k in keys.keys}
        # Tokens signed before the rotation still verify (the old key stays published).
        jwt.decode(before, keys, algorithms=[alg])
    after = [id_token(), id_token()]
    for token in after:
        assert jwt.decode(token, _jwks(stack.base), algorithms=[alg]).header["kid"] == new_kid
        for instance in stack.instances:
            jwt.decode(token, _jwks(instance.url), algorithms=[alg])

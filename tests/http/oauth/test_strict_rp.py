"""A certified strict relying-party library (oauth4webapi, from npm) against the live idp."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.factories import add_member, make_org, make_user
from tests.http.oauth.conftest import browser_for

RP_DIR = Path(__file__).resolve().parents[2] / "rp"
REDIRECT = "http://127.0.0.1:9/callback"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (RP_DIR / "node_modules" / "oauth4webapi").is_dir(),
    reason="node and tests/rp/node_modules are needed (scripts/install-test-deps)",
)


def run_rp(live, browser, **env):
    proc = subprocess.Popen(
        ["node", str(RP_DIR / "code-flow.mjs")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "ISSUER": live.url,
            "REDIRECT_URI": REDIRECT,
            **env,
        },
    )
    try:
        first = json.loads(proc.stdout.readline() or "{}")
        assert "authorize" in first, proc.stderr.read()
        response = browser.get(first["authorize"], allow_redirects=False)
        assert response.status_code == 302, response.text
        out, err = proc.communicate(response.headers["Location"] + "\n", timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def test_public_spa_client_with_pkce_passes_oauth4webapi(live, clients):
    org = make_org()
    user = make_user("rp-user")
    add_member(user, org, "front_desk")
    clients.add(
        name="Scheduling SPA",
        client_id="spa",
        auth_method="none",
        redirect_uris=[REDIRECT],
        first_party=True,
    )
    result = run_rp(live, browser_for(live, user), CLIENT_ID="spa")
    assert result["ok"] and result["sub"] == user.id and result["amr"] == ["pwd"]
    assert result["userinfo"]["organization"]["npi"] == org.npi
    assert result["accessClaims"]["client_id"] == "spa"
    assert result["accessClaims"]["org"]["id"] == org.id


def test_confidential_rs256_client_passes_oauth4webapi(live, clients):
    user = make_user("rp-user2")
    reg = clients.add(
        name="Claims portal",
        client_id="claims-web",
        redirect_uris=[REDIRECT],
        first_party=True,
        id_token_alg="RS256",
        default_audience="https://claims.example/api",
    )
    result = run_rp(
        live,
        browser_for(live, user),
        CLIENT_ID="claims-web",
        CLIENT_SECRET=reg.secret,
        ALG="RS256",
        AUDIENCE="https://claims.example/api",
    )
    # The API is the audience; with openid the issuer is too (the token may call userinfo).
    assert result["ok"] and result["accessClaims"]["aud"] == [
        "https://claims.example/api",
        live.url,
    ]


def test_client_credentials_and_introspection_pass_oauth4webapi(live, clients):
    reg = clients.add(
        name="Eligibility service",
        client_id="elig-svc",
        grant_types=["client_credentials"],
        scopes=["claims"],
        default_audience="https://claims.example/api",
    )
    out = subprocess.run(
        ["node", str(RP_DIR / "client-credentials.mjs")],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "ISSUER": live.url,
            "CLIENT_ID": "elig-svc",
            "CLIENT_SECRET": reg.secret,
            "RESOURCE": "https://claims.example/api",
        },
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["scope"] == "claims" and result["introspection"]["client_id"] == "elig-svc"
    assert result["claims"]["sub"] == "elig-svc" and "org" not in result["claims"]

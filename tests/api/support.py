"""Tokens for the admin API as automation and people get them: a client-credentials token
from the token endpoint of an admin client registered with the API's audience, and a
person's token (minted with a grant, as the code flow does)."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass

from flask import current_app

from idp.api.auth import ADMIN_SCOPES, audience
from idp.oauth.clients import client_service
from idp.oauth.context import minter, service
from tests.factories import add_member, make_org
from tests.http.orgs.helpers import make_person

API = "/api/v1"


def _settings():
    return current_app.config["IDP_SETTINGS"]


def registry():
    return client_service(_settings(), current_app.config["SECRET_KEY"])


def admin_client(test_client, scopes=ADMIN_SCOPES, client_id: str = "automation") -> str:
    """Register a client-credentials client with ``scopes`` and the API's audience; return
    an access token from the real token endpoint."""
    registered = registry().add(
        client_id=client_id,
        name="Automation",
        grant_types=["client_credentials"],
        scopes=list(scopes),
        default_audience=audience(_settings()),
        auth_method="client_secret_basic",
        redirect_uris=[],
    )
    basic = base64.b64encode(f"{client_id}:{registered.secret}".encode()).decode()
    answer = test_client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["access_token"]


def _person_client() -> str:
    if not any(c.client_id == "console-cli" for c in registry().all_clients()):
        registry().add(
            client_id="console-cli",
            name="Admin scripts",
            redirect_uris=["http://127.0.0.1:8765/cb"],
            grant_types=["authorization_code", "refresh_token"],
            default_audience=audience(_settings()),
            auth_method="none",
        )
    return "console-cli"


def person_token(user, *, age_seconds: int = 0, org_id: str | None = None, aud=None) -> str:
    """A person's access token for the API, signed in ``age_seconds`` ago."""
    client_id = _person_client()
    grant = service().new_grant(user.id, client_id, org_id)
    token, _ = minter().access_token(
        client_id=client_id,
        sub=user.id,
        audience=aud or audience(_settings()),
        scope="openid",
        alg="ES256",
        auth_time=time.time() - age_seconds,
        grant_id=grant.id,
    )
    return token


def bearer(token: str, **extra) -> dict:
    return {"Authorization": f"Bearer {token}", **extra}


@dataclass
class People:
    sec: object
    boss: object
    desk: object
    other_boss: object
    org: object
    other_org: object
    boss_membership: object
    desk_membership: object
    other_membership: object


def people() -> People:
    org = make_org("Juniper Family Practice")
    other = make_org("Birch Clinic")
    sec = make_person("sec.admin", platform_role="security_admin")
    boss = make_person("juniper.boss")
    desk = make_person("juniper.desk", display_name="Dana Desk")
    other_boss = make_person("birch.boss")
    bm = add_member(boss, org, "office_admin")
    dm = add_member(desk, org, "front_desk")
    om = add_member(other_boss, other, "office_admin")
    return People(sec, boss, desk, other_boss, org, other, bm, dm, om)

"""Demo relying clients for ``idp demo``: a confidential first-party web app and a public
single-page app with PKCE. Registered once; each run issues a fresh secret for the web app
(secrets are stored only as keyed hashes, so the clear value exists only when issued)."""

from __future__ import annotations

from typing import Any

from flask import current_app

from idp.oauth.clients import client_service

WEB_APP: dict[str, Any] = {
    "client_id": "demo-portal-web",
    "name": "Eligibility checker (demo)",
    "redirect_uris": ["http://127.0.0.1:8001/callback"],
    "backchannel_logout_uri": "http://127.0.0.1:8001/backchannel-logout",
    "post_logout_redirect_uris": ["http://127.0.0.1:8001/"],
    "launch_url": "http://127.0.0.1:8001/",
    "scopes": [
        "openid",
        "profile",
        "email",
        "organization",
        "offline_access",
        "eligibility",
        "claims",
        "prior_auth",
        "remittance",
        "messages",
    ],
    "default_audience": "https://eligibility.example/api https://claims.example/api",
}
SPA: dict[str, Any] = {
    "client_id": "demo-scheduler-spa",
    "name": "Claims portal (demo)",
    "redirect_uris": ["http://127.0.0.1:8002/callback"],
    "backchannel_logout_uri": "http://127.0.0.1:8002/backchannel-logout",
    "post_logout_redirect_uris": ["http://127.0.0.1:8002/"],
    "launch_url": "http://127.0.0.1:8002/",
    "scopes": ["openid", "profile", "email", "organization", "eligibility", "prior_auth"],
    "default_audience": "https://eligibility.example/api",
}


def seed_demo_clients(settings) -> dict[str, Any]:
    service = client_service(settings, current_app.config["SECRET_KEY"])
    existing = {c.client_id for c in service.all_clients()}
    out = []
    if WEB_APP["client_id"] in existing:
        secret = service.rotate_secret(WEB_APP["client_id"]).secret
    else:
        secret = service.add(first_party=True, **WEB_APP).secret
    out.append(
        {
            **WEB_APP,
            "client_secret": secret,
            "type": "confidential",
            "token_endpoint_auth_method": "client_secret_basic",
        }
    )
    if SPA["client_id"] not in existing:
        service.add(first_party=True, auth_method="none", **SPA)
    out.append(
        {**SPA, "type": "public", "token_endpoint_auth_method": "none", "pkce": "S256 required"}
    )
    issuer = settings.issuer
    return {
        "clients": out,
        "oauth": {
            "discovery": f"{issuer}/.well-known/openid-configuration",
            "authorization_endpoint": f"{issuer}/oauth/authorize",
            "token_endpoint": f"{issuer}/oauth/token",
        },
    }

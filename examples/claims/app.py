"""Example downstream service: claims. Accepts people acting for an office (scope ``claims``,
office in the URL) and trusted services with a client-credentials token.

Run: IDP_ISSUER=https://login.example.org flask --app examples.claims.app:create_app run
"""

from __future__ import annotations

import os

from flask import Flask, jsonify

from idp.resource import ResourceServer, TokenVerifier, current_token

AUDIENCE = "https://claims.example/api"


def create_app(issuer: str | None = None, audience: str = AUDIENCE, **verifier_options) -> Flask:
    app = Flask("claims")
    rs = ResourceServer(
        TokenVerifier(issuer or os.environ["IDP_ISSUER"], audience, **verifier_options)
    )
    app.extensions["resource_server"] = rs

    @app.get("/orgs/<org_id>/claims")
    @rs.require(scope="claims", org_arg="org_id", allow_service=True)
    def list_claims(org_id: str):
        token = current_token()
        return jsonify(
            org_id=org_id,
            caller=token["client_id"],
            claims=[
                {"id": f"CLM-{org_id[:4]}-001", "status": "pending", "amount": "125.00"},
                {"id": f"CLM-{org_id[:4]}-002", "status": "paid", "amount": "80.00"},
            ],
        )

    return app

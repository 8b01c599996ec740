"""The OpenAPI 3.1 document of ``/api/v1``, written here beside the routes it describes
(``tests/api/test_openapi.py`` checks every route is in it and the reverse; the schemathesis
run checks the answers against it), served as JSON and as a plain HTML page (no scripts)."""

from __future__ import annotations

from flask import current_app, jsonify, render_template

from idp.admin import VIEW_AUDIT
from idp.api import operations_audit
from idp.api.auth import ADMIN_SCOPES, audience
from idp.api.http import PREFIX, bp
from idp.api.operations import PROBLEM, paths, ref
from idp.api.schemas import COMPONENTS


def document(settings) -> dict:
    responses = {
        f"Problem{status}": {
            "description": "RFC 9457 problem details",
            "content": {PROBLEM: {"schema": ref("Problem")}},
        }
        for status in (400, 401, 403, 404, 409, 410, 412, 428, 503)
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "idp admin API",
            "version": "1",
            "description": (
                "The security console's and the office pages' operations. Bearer access "
                f"tokens of this idp for the audience `{audience(settings)}`. See docs/api.md."
            ),
        },
        "servers": [{"url": settings.issuer.rstrip("/") + PREFIX}],
        "paths": {**paths(), **operations_audit.paths(VIEW_AUDIT)},
        "components": {
            "schemas": COMPONENTS,
            "responses": responses,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "oauth2": {
                    "type": "oauth2",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": settings.issuer.rstrip("/") + "/oauth/token",
                            "scopes": {s: f"platform permission {s}" for s in ADMIN_SCOPES},
                        }
                    },
                },
            },
        },
    }


def _cached(settings) -> dict:
    key = "idp.api.openapi"
    if key not in current_app.extensions:
        current_app.extensions[key] = document(settings)
    return current_app.extensions[key]


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(_cached(current_app.config["IDP_SETTINGS"]))


@bp.get("/docs")
def openapi_docs():
    doc = _cached(current_app.config["IDP_SETTINGS"])
    return render_template("api/docs.html", doc=doc, prefix=PREFIX)

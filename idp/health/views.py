from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from idp.health.checks import run_checks

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    settings = current_app.config["IDP_SETTINGS"]
    names = ["database", "redis"] if settings.redis_url else ["database"]
    results = run_checks(names, settings)
    failed = {name: reason for name, reason in results.items() if reason}
    if failed:
        retry = str(settings.server_retry_after_seconds)
        return jsonify(status="unavailable", failed=failed), 503, {"Retry-After": retry}
    return jsonify(status="ready", checked=names)

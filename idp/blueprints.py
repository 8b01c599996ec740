"""The one list of blueprints; each area owns its own."""

from __future__ import annotations

import importlib

BLUEPRINTS = [
    "idp.health.views",
    "idp.mail.views",
    "idp.login.views",
    "idp.dashboard.views",
    "idp.orgs.views",
    "idp.accounts.verification.views",
    "idp.mfa.views",
    "idp.mfa.passkey_views",
    "idp.accounts.recovery_views",
    "idp.emergency.views",
    "idp.security.views",
    "idp.oauth.views",
    "idp.self_service.views",
    "idp.forward_auth.views",
    "idp.admin.views",
    "idp.api.views",
]


def register_blueprints(app) -> None:
    for name in BLUEPRINTS:
        module = importlib.import_module(name)
        app.register_blueprint(module.bp)

    from idp.login.current import apply_session_cookie

    app.after_request(apply_session_cookie)

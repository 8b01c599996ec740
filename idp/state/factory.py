from __future__ import annotations

from flask import current_app

from idp.state.base import SharedState


def build_shared_state(settings, engine) -> SharedState:
    if settings.redis_url:
        from idp.state.redis_state import RedisState

        return RedisState(settings.redis_url, settings.redis_prefix)
    from idp.state.sql_state import SqlState

    return SqlState(engine)


def shared_state() -> SharedState:
    """The application's shared state (built lazily: the engine needs an app context)."""
    ext = current_app.extensions
    if "idp.state" not in ext:
        from idp.extensions import db

        ext["idp.state"] = build_shared_state(current_app.config["IDP_SETTINGS"], db.engine)
    return ext["idp.state"]

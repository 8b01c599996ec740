from __future__ import annotations

from flask import current_app

from idp.state.base import SharedState
from idp.state.durable import DurableState


def build_shared_state(settings, engine) -> SharedState:
    if settings.redis_url:
        from idp.state.redis_state import RedisState

        return RedisState(
            settings.redis_url,
            settings.redis_prefix,
            connect_timeout=settings.redis_connect_timeout_ms / 1000,
            timeout=settings.redis_timeout_ms / 1000,
        )
    from idp.state.sql_state import SqlState

    return SqlState(engine)


def build_durable_state(state: SharedState, engine) -> DurableState:
    from idp.state.sql_state import SqlState

    if isinstance(state, SqlState):
        return DurableState(state, state)
    return DurableState(state, SqlState(engine, table="durable_state"))


def shared_state() -> SharedState:
    """The application's shared state (built lazily: the engine needs an app context)."""
    ext = current_app.extensions
    if "idp.state" not in ext:
        from idp.extensions import db

        ext["idp.state"] = build_shared_state(current_app.config["IDP_SETTINGS"], db.engine)
    return ext["idp.state"]


def durable_state() -> DurableState:
    """Security state that survives the loss of Redis' data (see idp.state.durable)."""
    ext = current_app.extensions
    if "idp.durable_state" not in ext:
        from idp.extensions import db

        ext["idp.durable_state"] = build_durable_state(shared_state(), db.engine)
    return ext["idp.durable_state"]

"""The OAuth area's collaborators inside an application: settings, key ring and token
minter, the Authlib server, and the grant service over the store. Grants, endpoints and
views take them from here; nothing here decides anything.

The key ring and minter are built once per application (``init_oauth``): the key ring
caches parsed keys and notices changes to the keys folder by itself, so the token endpoint
never re-reads key files.
"""

from __future__ import annotations

from flask import current_app

from idp.jwk.keyring import KeyRing
from idp.oauth.client_cache import cached_client
from idp.oauth.protocol import ProtocolClient
from idp.oauth.service import OAuthService
from idp.oauth.store import OAuthStore
from idp.oauth.tokens import TokenMinter


def settings():
    return current_app.config["IDP_SETTINGS"]


def keyring() -> KeyRing:
    return current_app.extensions["idp.keyring"]


def minter() -> TokenMinter:
    return current_app.extensions["idp.minter"]


def oauth_server():
    return current_app.extensions["idp.oauth"]


def store() -> OAuthStore:
    from idp.state import shared_state

    return OAuthStore(
        shared_state(),
        settings().oauth_code_seconds,
        current_app.extensions.get("idp.oauth.live_tokens"),
    )


def service() -> OAuthService:
    return OAuthService(settings(), store())


def query_client(client_id) -> ProtocolClient | None:
    """An enabled client as Authlib sees it (from the client cache)."""
    rows = store()
    model = cached_client(rows.state, client_id, rows.client)
    if model is None or model.disabled:
        return None
    return ProtocolClient(model, current_app.config["SECRET_KEY"])

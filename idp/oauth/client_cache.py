"""The token endpoint's copy of each client: a shared-state entry instead of a database
checkout, a process-local copy of it in front (:mod:`idp.state.near_cache`: no round trip
at all while the process hears every change), and the parsed client memoised per process.

Every change to a client marks its shared entry forgotten and announces it (``ClientService``
calls :func:`forget`): the process making the change drops its copy at once, every other
process of every instance when the announcement reaches it (about a millisecond); a reader
that loaded the row before the change cannot put it back (:meth:`NearCache.fill`); the expiry
only bounds memory. The parsed copies are keyed by the cached text itself, so one is used only
while the cache still holds exactly that text. They are transient (never in a database
session) and only read.
"""

from __future__ import annotations

import json

from idp.oauth.models import OAuthClient
from idp.state.base import SharedState
from idp.state.near_cache import near_cache

CLIENT_CACHE_SECONDS = 300
CACHED_CLIENT_COLUMNS = (
    "client_id",
    "name",
    "secret_hash",
    "token_endpoint_auth_method",
    "redirect_uris_json",
    "post_logout_redirect_uris_json",
    "grant_types_json",
    "scopes_json",
    "default_audience",
    "first_party",
    "require_pkce",
    "id_token_alg",
    "jwks_json",
    "backchannel_logout_uri",
    "launch_url",
    "disabled",
)
#: Longest client id looked up (the column's length): longer input is never a client.
MAX_CLIENT_ID = 64
#: The change feed every client change is announced on.
CLIENTS_CHANNEL = "changes:oauth-clients"

_PARSED_CLIENTS: dict[str, OAuthClient] = {}
PARSED_CLIENTS_MAX = 256


def client_cache_key(client_id: str) -> str:
    return f"oauth:client:{client_id}"


def forget(state: SharedState, client_id: str) -> None:
    near_cache(state, CLIENTS_CHANNEL).forget(client_cache_key(client_id))


def _parsed(raw: str) -> OAuthClient:
    model = _PARSED_CLIENTS.get(raw)
    if model is None:
        if len(_PARSED_CLIENTS) >= PARSED_CLIENTS_MAX:
            _PARSED_CLIENTS.clear()
        model = _PARSED_CLIENTS[raw] = OAuthClient(**json.loads(raw))
    return model


def cached_client(state: SharedState, client_id: object, load) -> OAuthClient | None:
    """The client named ``client_id``, enabled or not, from the cache or from ``load``.

    ``load(client_id)`` reads the row; unknown ids are not cached (no state for garbage)."""
    if not client_id or not isinstance(client_id, str) or len(client_id) > MAX_CLIENT_ID:
        return None
    key = client_cache_key(client_id)
    cache = near_cache(state, CLIENTS_CHANNEL)
    raw, mark = cache.read(key)
    if raw is not None:
        return _parsed(raw)
    model = load(client_id)
    if model is not None:
        fields = {c: getattr(model, c) for c in CACHED_CLIENT_COLUMNS}
        cache.fill(key, json.dumps(fields), CLIENT_CACHE_SECONDS, mark)
    return model

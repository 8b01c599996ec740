"""OAuth clients, for security admins, over the registry's own rules (``ClientService``:
it validates and raises DomainErrors; this adds the permission and the before/after record).

Token lifetimes are global settings (``[oauth]``), not per client: the client model has no
lifetime columns, so there is nothing per client to edit.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from idp.accounts.models import User
from idp.errors import DomainError
from idp.oauth.clients import ClientService, Registered
from idp.oauth.models import OAuthClient
from idp.orgs import access

from . import MANAGE_CLIENTS, recording


@dataclass
class ClientSettings:
    """What an admin sets on a client. On update, None leaves a value as it is."""

    name: str | None = None
    redirect_uris: list[str] | None = None
    post_logout_redirect_uris: list[str] | None = None
    grant_types: list[str] | None = None
    scopes: list[str] | None = None
    #: Space-separated list of the APIs (resource indicators) tokens may be issued for.
    default_audience: str | None = None
    first_party: bool | None = None
    require_pkce: bool | None = None
    id_token_alg: str | None = None
    backchannel_logout_uri: str | None = None
    launch_url: str | None = None
    jwks: dict | None = None

    def given(self) -> dict:
        """The fields that were set."""
        return {k: v for k, v in asdict(self).items() if v is not None}


def _snapshot(client: OAuthClient) -> dict:
    return client.to_dict()


def list_clients(settings, actor: User, *, registry: ClientService) -> list[OAuthClient]:
    """Contract: every registered client, by client id."""
    access.require_platform_permission(settings, actor, MANAGE_CLIENTS)
    return registry.all_clients()


def get_client(settings, actor: User, client_id: str, *, registry: ClientService) -> OAuthClient:
    """Contract: one client; NotFound."""
    access.require_platform_permission(settings, actor, MANAGE_CLIENTS)
    return registry.get(client_id)


def create_client(
    settings,
    actor: User,
    values: ClientSettings,
    *,
    client_id: str | None = None,
    auth_method: str = "client_secret_basic",
    registry: ClientService,
    ip: str | None = None,
) -> Registered:
    """Contract: registers a client (``ClientService.add`` validates); the result carries
    the secret in the clear once (None for public and private_key_jwt clients)."""
    access.require_platform_permission(settings, actor, MANAGE_CLIENTS)
    given = {"name": "", **values.given()}
    registered = registry.add(
        client_id=client_id or None, auth_method=auth_method, actor_id=actor.id, **given
    )
    recording.changed(
        "admin.client.created",
        actor,
        ip=ip,
        client_id=registered.client.client_id,
        before=None,
        after=_snapshot(registered.client),
    )
    return registered


def update_client(
    settings,
    actor: User,
    client_id: str,
    changes: ClientSettings,
    *,
    registry: ClientService,
    ip: str | None = None,
) -> OAuthClient:
    """Contract: changes the given fields (``ClientService.update`` validates; the
    authentication method cannot change)."""
    access.require_platform_permission(settings, actor, MANAGE_CLIENTS)
    if changes.name is not None and not changes.name.strip():
        raise DomainError("a client needs a name", field="name")
    before = _snapshot(registry.get(client_id))
    client = registry.update(client_id, actor_id=actor.id, **changes.given())
    recording.changed(
        "admin.client.updated",
        actor,
        ip=ip,
        client_id=client_id,
        before=before,
        after=_snapshot(client),
    )
    return client


def rotate_secret(
    settings, actor: User, client_id: str, *, registry: ClientService, ip: str | None = None
) -> Registered:
    """Contract: a new secret, returned in the clear once; the old one stops at once.
    DomainError for clients without a secret."""
    access.require_platform_permission(settings, actor, MANAGE_CLIENTS)
    before = registry.get(client_id).secret_rotated_at
    registered = registry.rotate_secret(client_id, actor_id=actor.id)
    recording.changed(
        "admin.client.secret_rotated",
        actor,
        ip=ip,
        client_id=client_id,
        before={"secret_rotated_at": before},
        after={"secret_rotated_at": registered.client.secret_rotated_at},
    )
    return registered


def set_disabled(
    settings,
    actor: User,
    client_id: str,
    disabled: bool,
    *,
    registry: ClientService,
    ip: str | None = None,
) -> OAuthClient:
    """Contract: disabling stops every grant and ends the client's refresh tokens;
    enabling lets it ask for tokens again."""
    access.require_platform_permission(settings, actor, MANAGE_CLIENTS)
    before = {"disabled": registry.get(client_id).disabled}
    client = registry.set_disabled(client_id, disabled, actor_id=actor.id)
    recording.changed(
        "admin.client.disabled" if disabled else "admin.client.enabled",
        actor,
        ip=ip,
        client_id=client_id,
        before=before,
        after={"disabled": client.disabled},
    )
    return client

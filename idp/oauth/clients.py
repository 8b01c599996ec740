"""Client registry rules: registration, updates, secret rotation, disabling.

Generated secrets carry 256 bits of randomness, so a keyed fast hash (HMAC-SHA-256) is the
right store: a slow password hash would cap the token endpoint at a few dozen requests a
second and adds nothing against guessing a random value. The key is the server's secret, so
a leaked database alone does not allow offline checks.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import String

from idp import audit
from idp.common.clock import utcnow
from idp.common.tokens import constant_time_equals, keyed_hash
from idp.errors import DomainError, NotFound
from idp.extensions import db
from idp.oauth.client_cache import forget
from idp.oauth.models import AUTH_METHODS, GRANT_TYPES, OAuthClient
from idp.oauth.redirect_uris import check_uri, local_install

CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9._-]{3,64}$")
#: The shape of a person's id (``idp.accounts.models.new_id``). A service's own token names
#: its client id as ``sub``; a client id of this shape could pass downstream for a person's
#: (RFC 9700 §4.15), so none is registered.
PERSON_ID_SHAPE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
SECRET_PREFIX = "idpcs_"  # noqa: S105 - a label, not a secret


def hash_secret(pepper: str, secret: str) -> str:
    return keyed_hash(pepper + "|oauth-client-secret", secret)


def check_secret(pepper: str, client: OAuthClient, secret: str) -> bool:
    if not client.secret_hash or not secret:
        return False
    return constant_time_equals(client.secret_hash, hash_secret(pepper, secret))


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _write_protocol(client: OAuthClient, values: dict) -> None:
    """Put checked protocol settings (``_validate``'s keywords) on the row; the auth
    method is set once, at registration."""
    client.grant_types_json = json.dumps(values["grant_types"])
    client.redirect_uris_json = json.dumps(values["redirect_uris"])
    client.post_logout_redirect_uris_json = json.dumps(values["post_logout_redirect_uris"])
    client.scopes_json = json.dumps(values["scopes"])
    client.id_token_alg = values["id_token_alg"]
    client.jwks_json = json.dumps(values["jwks"]) if values["jwks"] else None
    client.require_pkce = values["require_pkce"]
    client.backchannel_logout_uri = values["backchannel_logout_uri"]
    client.launch_url = values["launch_url"]


@dataclass
class Registered:
    client: OAuthClient
    #: The secret in the clear: shown once, never stored.
    secret: str | None


def _column_length(name: str) -> int:
    return cast(String, OAuthClient.__table__.c[name].type).length or 0


def _check_text(value: str, column: str, label: str) -> None:
    """Values longer than their column, or with NUL (PostgreSQL refuses both), would fail in
    the database instead; other control characters would garble every listing."""
    limit = _column_length(column)
    if len(value) > limit:
        raise DomainError(f"{label}: at most {limit} characters", field=column)
    if not value.isprintable():
        raise DomainError(f"{label}: control characters are not allowed", field=column)


def _validate(
    *,
    auth_method: str,
    grant_types: list[str],
    redirect_uris: list[str],
    post_logout_redirect_uris: list[str],
    scopes: list[str],
    known_scopes: set[str],
    id_token_alg: str,
    jwks: dict | None,
    require_pkce: bool,
    backchannel_logout_uri: str,
    launch_url: str,
    local: bool = False,
) -> None:
    """``local``: the idp runs on a loopback http URL (see :func:`local_install`)."""
    if auth_method not in AUTH_METHODS:
        raise DomainError(f"auth method must be one of {', '.join(AUTH_METHODS)}", field="auth")
    unknown = [g for g in grant_types if g not in GRANT_TYPES]
    if unknown or not grant_types:
        raise DomainError(
            f"grant types must be among {', '.join(GRANT_TYPES)} (implicit and password are "
            "not offered)",
            field="grant_types",
        )
    if auth_method == "none":
        if "client_credentials" in grant_types:
            raise DomainError("a public client cannot use client_credentials", field="grant")
        if not require_pkce:
            raise DomainError("PKCE is required for public clients", field="pkce")
    if "authorization_code" in grant_types and not redirect_uris:
        raise DomainError("authorization_code needs at least one redirect URI", field="redirect")
    for uri in redirect_uris + post_logout_redirect_uris:
        check_uri(
            uri,
            "redirect_uri",
            allow_custom_scheme=auth_method == "none",
            allow_loopback_http=auth_method == "none" or local,
        )
    for uri, column in (
        (backchannel_logout_uri, "backchannel_logout_uri"),
        (launch_url, "launch_url"),
    ):
        if uri:
            check_uri(
                uri,
                "uri",
                allow_custom_scheme=False,
                redirect=False,
                max_length=_column_length(column),
            )
    bad = [s for s in scopes if s not in known_scopes]
    if bad:
        raise DomainError(f"unknown scope(s): {', '.join(bad)}", field="scopes")
    if id_token_alg not in ("ES256", "RS256"):
        raise DomainError("signing algorithm must be ES256 or RS256", field="alg")
    if auth_method == "private_key_jwt":
        keys = (jwks or {}).get("keys")
        if not isinstance(keys, list) or not keys:
            raise DomainError("private_key_jwt needs a JWKS with the client's public keys")
        from joserfc import jwk

        try:
            keyset = jwk.KeySet.import_key_set(cast(jwk.KeySetSerialization, jwks))
        except Exception as exc:  # joserfc raises several types for bad key material
            raise DomainError(f"JWKS could not be read: {exc}", field="jwks") from None
        if any(k.is_private for k in keyset.keys):
            raise DomainError("the JWKS must hold public keys only", field="jwks")


class ClientService:
    """Registry operations; ``pepper`` is the server secret keying the secret hashes."""

    def __init__(self, pepper: str, known_scopes: set[str], state=None, *, local: bool = False):
        self.pepper = pepper
        self.known_scopes = known_scopes
        self.state = state
        #: The idp runs on loopback http (development): see :func:`local_install`.
        self.local = local

    def _changed(self, client_id: str) -> None:
        """Drop the token endpoint's cached copy (see idp.oauth.client_cache)."""
        if self.state is not None:
            forget(self.state, client_id)

    def get(self, client_id: str) -> OAuthClient:
        client = (
            db.session.get(OAuthClient, client_id) if CLIENT_ID_RE.fullmatch(client_id) else None
        )
        if client is None:
            raise NotFound(f"no client {client_id!r}")
        return client

    def all_clients(self) -> list[OAuthClient]:
        return list(db.session.scalars(db.select(OAuthClient).order_by(OAuthClient.client_id)))

    def add(
        self,
        *,
        name: str,
        client_id: str | None = None,
        auth_method: str = "client_secret_basic",
        grant_types: list[str] | None = None,
        redirect_uris: list[str] | None = None,
        post_logout_redirect_uris: list[str] | None = None,
        scopes: list[str] | None = None,
        default_audience: str = "",
        first_party: bool = False,
        require_pkce: bool = True,
        id_token_alg: str = "ES256",  # noqa: S107
        jwks: dict | None = None,
        backchannel_logout_uri: str = "",
        launch_url: str = "",
        actor_id: str | None = None,
    ) -> Registered:
        name = name.strip()
        if not name:
            raise DomainError("a client needs a name", field="name")
        _check_text(name, "name", "name")
        _check_text(default_audience, "default_audience", "audience")
        client_id = client_id or ("c_" + secrets.token_urlsafe(12).replace("-", "x"))
        if not CLIENT_ID_RE.fullmatch(client_id):
            raise DomainError("client id: 3-64 letters, digits, '.', '_' or '-'", field="id")
        if PERSON_ID_SHAPE.fullmatch(client_id):
            raise DomainError(
                "client id: not in the form of a person's id (a UUID); choose a name",
                field="id",
            )
        if db.session.get(OAuthClient, client_id) is not None:
            raise DomainError(f"client {client_id!r} already exists", field="id")
        protocol: dict[str, Any] = {
            "auth_method": auth_method,
            "grant_types": grant_types or ["authorization_code", "refresh_token"],
            "redirect_uris": redirect_uris or [],
            "post_logout_redirect_uris": post_logout_redirect_uris or [],
            "scopes": scopes or ["openid", "profile", "email", "organization"],
            "id_token_alg": id_token_alg,
            "jwks": jwks,
            "require_pkce": require_pkce,
            "backchannel_logout_uri": backchannel_logout_uri,
            "launch_url": launch_url,
        }
        _validate(known_scopes=self.known_scopes, local=self.local, **protocol)
        secret = new_secret() if auth_method.startswith("client_secret") else None
        client = OAuthClient(
            client_id=client_id,
            name=name,
            secret_hash=hash_secret(self.pepper, secret) if secret else None,
            secret_rotated_at=utcnow() if secret else None,
            token_endpoint_auth_method=auth_method,
            default_audience=default_audience,
            first_party=first_party,
        )
        _write_protocol(client, protocol)
        db.session.add(client)
        audit.record("oauth.client.added", actor_id=actor_id, client_id=client_id)
        db.session.commit()
        self._changed(client_id)
        return Registered(client, secret)

    def update(self, client_id: str, *, actor_id: str | None = None, **changes) -> OAuthClient:
        client = self.get(client_id)
        before = client.to_dict()
        merged = {
            "auth_method": client.token_endpoint_auth_method,
            "grant_types": client.grant_types,
            "redirect_uris": client.redirect_uris,
            "post_logout_redirect_uris": client.post_logout_redirect_uris,
            "scopes": client.scopes,
            "id_token_alg": client.id_token_alg,
            "jwks": json.loads(client.jwks_json) if client.jwks_json else None,
            "require_pkce": client.require_pkce,
            "backchannel_logout_uri": client.backchannel_logout_uri,
            "launch_url": client.launch_url,
        }
        simple = {"name", "default_audience", "first_party"}
        for key, value in changes.items():
            if value is None:
                continue
            if key not in merged and key not in simple:
                raise DomainError(f"cannot change {key!r}")
            if key in merged:
                merged[key] = value
        if "auth_method" in changes and changes["auth_method"] not in (
            None,
            client.token_endpoint_auth_method,
        ):
            raise DomainError("the auth method cannot change; register a new client")
        _validate(known_scopes=self.known_scopes, local=self.local, **merged)
        for key, label in (("name", "name"), ("default_audience", "audience")):
            if changes.get(key) is not None:
                _check_text(changes[key], key, label)
        _write_protocol(client, merged)
        for key in simple:
            if changes.get(key) is not None:
                setattr(client, key, changes[key])
        after = client.to_dict()
        changed = sorted(k for k in after if after[k] != before.get(k))
        audit.record(
            "oauth.client.updated",
            actor_id=actor_id,
            client_id=client_id,
            fields=sorted(k for k, v in changes.items() if v is not None),
            before={k: before.get(k) for k in changed},
            after={k: after[k] for k in changed},
        )
        db.session.commit()
        self._changed(client_id)
        return client

    def rotate_secret(self, client_id: str, *, actor_id: str | None = None) -> Registered:
        client = self.get(client_id)
        if not client.token_endpoint_auth_method.startswith("client_secret"):
            raise DomainError("this client does not authenticate with a secret")
        secret = new_secret()
        client.secret_hash = hash_secret(self.pepper, secret)
        client.secret_rotated_at = utcnow()
        audit.record("oauth.client.secret_rotated", actor_id=actor_id, client_id=client_id)
        db.session.commit()
        self._changed(client_id)
        return Registered(client, secret)

    def set_disabled(
        self, client_id: str, disabled: bool = True, *, actor_id: str | None = None
    ) -> OAuthClient:
        """Disabling stops every grant and ends the client's refresh tokens."""
        from idp.oauth.models import RefreshToken

        client = self.get(client_id)
        was = client.disabled
        client.disabled = disabled
        if disabled:
            db.session.execute(
                db.update(RefreshToken)
                .where(RefreshToken.client_id == client_id, RefreshToken.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
        audit.record(
            "oauth.client.disabled" if disabled else "oauth.client.enabled",
            actor_id=actor_id,
            client_id=client_id,
            before={"disabled": was},
            after={"disabled": disabled},
        )
        db.session.commit()
        self._changed(client_id)
        return client


def known_scopes(settings) -> set[str]:
    from idp.orgs.roles import roles

    found = set(settings.oauth_scopes)
    for role in roles(settings).values():
        found.update(role.scopes)
    return found


def client_service(settings, secret_key: str) -> ClientService:
    """The registry inside an app context (it clears the shared client cache on changes)."""
    from idp.state import shared_state

    return ClientService(
        secret_key,
        known_scopes(settings),
        shared_state(),
        local=local_install(settings.public_base_url),
    )

"""The token endpoint's output for every grant: an RFC 9068 access token (audience per
RFC 8707), plus a refresh token for a person. The grants themselves are in
:mod:`idp.oauth.grant_types`.

A person's token names its grant (``grant_id``); with the ``openid`` scope its audience
includes the issuer as well as the resource, since userinfo accepts only tokens meant for
the issuer. A service's own token (client credentials) names no grant.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from authlib.oauth2.rfc6749 import OAuth2Error
from authlib.oauth2.rfc6749.errors import InvalidScopeError
from flask import request

from idp.oauth.claims import org_claim
from idp.oauth.context import minter, service, settings
from idp.oauth.protocol import IDENTITY_SCOPES, Principal
from idp.oauth.service import new_refresh_token
from idp.orgs import access


class InvalidTargetError(OAuth2Error):
    """RFC 8707: the requested resource is not one this client may get tokens for."""

    error = "invalid_target"


def audience(client, principal: Principal | None, resources: list[str], grant_type: str) -> str:
    """RFC 8707 ``resource`` when given (must be one of the client's audiences), else the
    audience of the refresh family, else the client's default audience, else the issuer
    (a token only for userinfo)."""
    if len(resources) > 1:
        raise InvalidTargetError(description="Ask for one resource per token.")
    if resources:
        resource = resources[0]
        parts = urlsplit(resource)
        if not parts.scheme or parts.fragment or resource not in client.audiences:
            raise InvalidTargetError(description="The resource is not registered for this client.")
        return resource
    if principal is not None and principal.audience and grant_type == "refresh_token":
        return principal.audience
    return client.audiences[0] if client.audiences else settings().issuer


def granted_scope(client, principal: Principal | None, scope: str | None) -> str:
    """A person gets identity scopes and what their office role grants; a service gets the
    API scopes it asked for among those registered for it (all of them when it asked for
    none), and ``invalid_scope`` for one that is not: a service's scopes are permissions
    (the admin API's ``admin.*``), never more than it was registered with."""
    requested = (scope or "").split()
    if principal is None:
        registered = [s for s in client.model.scopes if s not in IDENTITY_SCOPES]
        wanted = [s for s in requested if s not in IDENTITY_SCOPES]
        if not requested:
            return " ".join(registered)
        refused = [s for s in wanted if s not in registered]
        if refused:
            raise InvalidScopeError(description=_not_registered(refused))
        return " ".join(wanted)
    allowed = set(IDENTITY_SCOPES) | access.role_scopes(settings(), principal.role)
    return " ".join(s for s in requested if s in allowed)


def _not_registered(scopes: list[str]) -> str:
    """Names the scopes when each is a well-formed scope token (RFC 6749 §3.3: printable
    ASCII but space, ``"`` and ``\\``); anything else cannot go in an ``error_description``."""
    if all(s and all(0x21 <= ord(c) <= 0x7E and c not in '"\\' for c in s) for s in scopes):
        return f"Not registered for this client: {' '.join(scopes)}."
    return "A scope asked for is not registered for this client."


def token_audience(aud: str, scope: str) -> str | list[str]:
    """The ``aud`` claim: the resource, plus the issuer when the token may call userinfo."""
    issuer = settings().issuer
    if aud != issuer and "openid" in scope.split():
        return [aud, issuer]
    return aud


def generate_token(
    grant_type, client, user=None, scope=None, expires_in=None, include_refresh_token=True
):
    """Token generator for every grant (Authlib's signature)."""
    return token_for(
        client,
        user,
        scope,
        request.values.getlist("resource"),
        request.form.get("grant_type", ""),
        include_refresh_token=include_refresh_token,
    )


def token_for(
    client,
    principal: Principal | None,
    scope: str | None,
    resources: list[str],
    grant_type: str,
    *,
    include_refresh_token: bool,
) -> dict:
    """The token endpoint's answer for a request already authorized: audience, scope and
    the signed access token (raises :class:`InvalidTargetError` for a resource the client
    may not have)."""
    aud = audience(client, principal, resources, grant_type)
    scope = granted_scope(client, principal, scope)
    if principal is None:
        sub, org, roles = client.client_id, None, None
    else:
        sub = principal.user.id
        org = org_claim(principal.org_id)
        roles = [principal.role] if principal.role else []
        principal.audience = aud
    access_token, claims = minter().access_token(
        client_id=client.client_id,
        sub=sub,
        audience=token_audience(aud, scope),
        scope=scope,
        alg=client.model.id_token_alg,
        org=org,
        roles=roles,
        auth_time=principal.auth_time if principal else None,
        acr=principal.acr if principal else None,
        sid=principal.sid if principal else None,
        grant_id=principal.grant_id if principal else None,
    )
    token = {
        "token_type": "Bearer",
        "access_token": access_token,
        "expires_in": claims["exp"] - claims["iat"],
        "scope": scope,
    }
    if include_refresh_token and principal is not None:
        token["refresh_token"] = new_refresh_token()
    return token


def save_token(token, oauth_request) -> None:
    """Save a refresh token and audit the issue, in one commit before the answer goes out."""
    service().token_issued(
        grant_type=oauth_request.payload.grant_type or "",
        client_id=oauth_request.client.client_id,
        principal=oauth_request.user,
        scope=token.get("scope", ""),
        refresh_token=token.get("refresh_token"),
    )

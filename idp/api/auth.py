"""Who is calling: a bearer access token of this idp, for the API's audience, unrevoked.

- A **person's token** (authorization code flow; ``sub`` is a user id, it names its grant)
  acts as that person: what they may do comes from their role through ``idp.orgs.access``
  inside each service, never from the token's claims. A change (any method but GET/HEAD)
  also needs a fresh sign-in: ``auth_time`` within ``session.step_up_minutes``, as the
  console's step-up; otherwise 401 ``insufficient_user_authentication`` (RFC 9470).
- A **client-credentials token** (``sub`` is the client, no grant) acts as a *service
  principal*: the ``security_admin`` platform role narrowed to the permissions its scopes
  name (scope ``admin.users.manage`` = permission ``admin.users.manage``). Each endpoint
  names its permission; a token without that scope gets 403 ``insufficient_scope`` before
  the service is called. It has no office membership, so office endpoints refuse it (403,
  from ``access.require_org_permission``), and no ``auth_time``: its step-up is the client
  authentication it just did. Its account (``service_principal``) is a stored user that
  cannot sign in; the audit names it as the actor.

Tokens are verified with ``idp.resource.TokenVerifier`` against the local key ring and then
checked for revocation (``OAuthService.access_token_active``, what introspection answers),
since admin calls are high-value.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, g, request
from sqlalchemy.exc import IntegrityError

from idp.accounts.models import User
from idp.admin import CONSOLE_PERMISSIONS
from idp.api.problems import problem
from idp.extensions import db
from idp.resource.verifier import InvalidToken, TokenVerifier

#: The platform role a service principal's permissions are taken from (then narrowed).
SERVICE_ROLE = "security_admin"
#: Scopes an admin client may hold: the console's platform permissions, by name.
ADMIN_SCOPES = tuple(sorted(CONSOLE_PERMISSIONS))
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_NAMESPACE = uuid.UUID("6f1c3b1e-6a8e-4c7a-9d55-0f3a3d8b2a10")


def audience(settings) -> str:
    """The API's own audience: register admin clients with it (``--audience``)."""
    return settings.issuer.rstrip("/") + "/api"


@dataclass(frozen=True)
class Caller:
    actor: User
    claims: dict
    #: The client id of a service principal; None for a person.
    service_client: str | None
    scopes: frozenset[str]


def service_principal(client_id: str) -> User:
    """The account a client-credentials token acts as, made at its first call: id derived
    from the client id (the audit's ``actor_id``), platform role ``SERVICE_ROLE``, no
    password, status ``disabled`` so that nobody can ever sign in to it or recover it (the
    services never look at their actor's status). Stored, because what the services write
    names its actor (``decided_by_id``, ``invited_by_id`` ...)."""
    user_id = str(uuid.uuid5(_NAMESPACE, client_id))
    user = db.session.get(User, user_id)
    if user is not None:
        return user
    user = User(
        id=user_id,
        username=f"client.{user_id.replace('-', '')[:24]}",
        email=f"{user_id}@service.invalid",
        email_verified=False,
        display_name=f"API client {client_id}"[:200],
        status="disabled",
        platform_role=SERVICE_ROLE,
    )
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent first call made it
        db.session.rollback()
        user = db.session.get(User, user_id)
        if user is None:
            raise
    return user


def _verifier() -> TokenVerifier:
    app = current_app
    verifier = app.extensions.get("idp.api.verifier")
    if verifier is None:
        settings = app.config["IDP_SETTINGS"]
        ring = app.extensions["idp.keyring"]
        verifier = TokenVerifier(
            settings.issuer,
            audience(settings),
            fetch=lambda _url: ring.jwks(),
            cache_seconds=5,
            min_refetch_seconds=0,
        )
        app.extensions["idp.api.verifier"] = verifier
    return verifier


def _challenge(error: str, description: str, **extra: str) -> dict[str, str]:
    params = [f'error="{error}"', f'error_description="{description}"']
    params += [f'{k}="{v}"' for k, v in extra.items()]
    return {"WWW-Authenticate": "Bearer " + ", ".join(params)}


def _unauthorized(error: str, description: str, **extra: str):
    return problem(401, error, description, headers=_challenge(error, description, **extra))


def _authenticate(permission: str | None):
    """The Caller, or a problem response saying why not."""
    from idp.oauth.context import service

    header = request.headers.get("Authorization", "")
    if header[:7].lower() != "bearer ":
        return problem(
            401,
            "invalid_token",
            "A bearer access token is required.",
            headers={"WWW-Authenticate": 'Bearer realm="idp-admin-api"'},
        )
    token = header[7:].strip()
    try:
        claims = _verifier().verify(token)
    except InvalidToken as exc:
        return _unauthorized("invalid_token", str(exc))
    if not service().access_token_active(claims):
        return _unauthorized("invalid_token", "The token has been revoked.")
    scopes = frozenset(str(claims.get("scope", "")).split())
    settings = current_app.config["IDP_SETTINGS"]
    if claims.get("sub") == claims.get("client_id") and not claims.get("grant_id"):
        if permission and permission not in scopes:
            return problem(
                403,
                "insufficient_scope",
                f"This call needs the scope {permission}.",
                headers=_challenge("insufficient_scope", "missing scope", scope=permission),
            )
        actor = service_principal(str(claims["client_id"]))
        return Caller(actor, claims, str(claims["client_id"]), scopes)
    if not claims.get("grant_id"):
        return _unauthorized("invalid_token", "A person's token must name its grant.")
    user = db.session.get(User, str(claims["sub"]))
    if user is None or user.status != "active":
        return _unauthorized("invalid_token", "The token's account cannot act now.")
    if request.method not in READ_METHODS:
        window = settings.session_step_up_minutes * 60
        auth_time = claims.get("auth_time")
        if not isinstance(auth_time, int | float) or time.time() - auth_time > window:
            return _unauthorized(
                "insufficient_user_authentication",
                "Changes need a recent sign-in; sign in again and get a new token.",
                max_age=str(window),
            )
    return Caller(user, claims, None, scopes)


def api_call(permission: str | None = None) -> Callable:
    """Authenticate the caller before the view. ``permission`` is the platform permission a
    service principal's scopes must name (None: office endpoints, whose permission is the
    office role's, checked by the service)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            caller = _authenticate(permission)
            if not isinstance(caller, Caller):
                return caller
            g.api_caller = caller
            return view(*args, **kwargs)

        wrapper.api_permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorator


def actor() -> User:
    return g.api_caller.actor

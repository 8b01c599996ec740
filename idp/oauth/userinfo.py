"""The OpenID Connect userinfo endpoint: claims about the person of a valid access token
with the ``openid`` scope whose audience includes the issuer, re-read now (an account
disabled since, a revoked token or grant is refused)."""

from __future__ import annotations

from dataclasses import dataclass, field

from idp.oauth import principals
from idp.oauth.claims import memberships_claim, user_claims
from idp.oauth.protocol import Principal
from idp.oauth.service import OAuthService
from idp.oauth.tokens import ACCESS_TOKEN_TYP, BadToken, TokenMinter
from idp.orgs import access


@dataclass(frozen=True)
class Answer:
    """Status and JSON body; ``challenge`` is the WWW-Authenticate value, when one is due."""

    status: int
    body: dict
    challenge: str | None = None
    headers: dict = field(default_factory=dict)


def _refused(status: int, error: str, description: str) -> Answer:
    return Answer(
        status,
        {"error": error, "error_description": description},
        f'Bearer error="{error}", error_description="{description}"',
    )


def bearer_token(authorization: str, form_token: str | None) -> str | None:
    """RFC 6750: the Authorization header, else (on POST) the ``access_token`` field."""
    token = authorization[7:].strip() if authorization[:7].lower() == "bearer " else None
    return token if token is not None else form_token


def userinfo(token: str | None, minter: TokenMinter, grants: OAuthService) -> Answer:
    if not token:
        return Answer(
            401, {"error": "invalid_request", "error_description": "Send a bearer token."}, "Bearer"
        )
    try:
        claims = minter.verify(token, typ=ACCESS_TOKEN_TYP)
    except BadToken as exc:
        return _refused(401, "invalid_token", str(exc))
    aud = claims.get("aud")
    if minter.issuer not in (aud if isinstance(aud, list) else [aud]):
        return _refused(401, "invalid_token", "the token is not meant for userinfo (audience)")
    if not grants.access_token_active(claims):
        return _refused(401, "invalid_token", "revoked")
    scope = claims.get("scope", "")
    if "openid" not in scope.split():
        return _refused(403, "insufficient_scope", "the openid scope is needed")
    user = principals.active_user(str(claims.get("sub", "")))
    if user is None:
        return _refused(401, "invalid_token", "the user can no longer sign in")
    org_id = (claims.get("org") or {}).get("id")
    counting = {m.org_id for m in access.counting_memberships(user)}
    roles = claims.get("roles") or []
    principal = Principal(
        user=user,
        org_id=org_id if org_id in counting else None,
        role=roles[0] if roles else None,
        sid="",
        auth_time=0,
        amr=[],
    )
    body = {"sub": user.id, **user_claims(principal, scope)}
    if "organization" in scope.split():
        body["memberships"] = memberships_claim(user)
    return Answer(200, body, headers={"Cache-Control": "no-store"})

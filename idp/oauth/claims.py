"""Claims about the person, shared by ID tokens, access tokens and userinfo."""

from __future__ import annotations

from idp.accounts.models import User
from idp.oauth.protocol import Principal
from idp.orgs import access
from idp.orgs import store as orgs_store


def org_claim(org_id: str | None) -> dict | None:
    """The ``org`` / ``organization`` claim of the office a principal acts for.

    A principal carries an office only while its membership counts (``idp.orgs.access``);
    the office row is then already loaded with that membership."""
    org = orgs_store.get_org(org_id) if org_id else None
    if org is None:
        return None
    return {"id": org.id, "name": org.legal_name, "npi": org.npi}


def memberships_claim(user: User) -> list[dict]:
    """Every office the person belongs to, while the membership counts (oldest first)."""
    return [
        {
            "id": m.organization.id,
            "name": m.organization.legal_name,
            "npi": m.organization.npi,
            "roles": [m.role],
        }
        for m in access.counting_memberships(user)
    ]


def user_claims(principal: Principal, scope: str) -> dict:
    scopes = set((scope or "").split())
    claims: dict = {}
    user = principal.user
    if "profile" in scopes:
        claims["name"] = user.display_name
        claims["preferred_username"] = user.username
    if "email" in scopes:
        claims["email"] = user.email
        claims["email_verified"] = bool(user.email_verified)
    if "organization" in scopes and principal.org_id:
        org = org_claim(principal.org_id)
        if org:
            claims["organization"] = {**org, "roles": [principal.role] if principal.role else []}
    return claims

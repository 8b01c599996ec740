"""Applications the dashboard offers a person in their active office: first-party clients
with a launch URL, enabled, and usable by the person's role there (a client that serves
only role-scoped APIs is listed when the role grants at least one of those scopes)."""

from __future__ import annotations

from idp.extensions import db
from idp.oauth.models import OAuthClient
from idp.oauth.storage import IDENTITY_SCOPES


def applications_for(user, org_id: str | None, settings=None) -> list[dict]:
    """``[{"name", "url"}]`` sorted by name."""
    if settings is None:
        from flask import current_app

        settings = current_app.config["IDP_SETTINGS"]
    from idp.orgs.roles import get_role

    role_scopes: set[str] = set()
    for membership in getattr(user, "memberships", []):
        if membership.org_id == org_id:
            role = get_role(settings, membership.role)
            role_scopes = set(role.scopes) if role else set()
    clients = db.session.scalars(
        db.select(OAuthClient).where(
            OAuthClient.first_party.is_(True),
            OAuthClient.disabled.is_(False),
            OAuthClient.launch_url != "",
        )
    )
    apps = []
    for client in clients:
        api_scopes = {s for s in client.scopes if s not in IDENTITY_SCOPES}
        if api_scopes and not api_scopes & role_scopes:
            continue
        apps.append({"name": client.name, "url": client.launch_url})
    return sorted(apps, key=lambda a: a["name"].lower())

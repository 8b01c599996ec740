"""Applications the dashboard offers a person in their active office: first-party clients
with a launch URL, enabled, and usable by the person's role there (a client that serves
only role-scoped APIs is listed when the role grants at least one of those scopes)."""

from __future__ import annotations

from idp.oauth.context import store
from idp.oauth.protocol import IDENTITY_SCOPES
from idp.orgs import access


def applications_for(user, org_id: str | None, settings=None) -> list[dict]:
    """``[{"name", "url"}]`` sorted by name."""
    if settings is None:
        from flask import current_app

        settings = current_app.config["IDP_SETTINGS"]
    role_scopes = access.org_scopes(settings, user.id, org_id)
    apps = []
    for client in store().launchable_clients():
        api_scopes = {s for s in client.scopes if s not in IDENTITY_SCOPES}
        if api_scopes and not api_scopes & role_scopes:
            continue
        apps.append({"name": client.name, "url": client.launch_url})
    return sorted(apps, key=lambda a: a["name"].lower())

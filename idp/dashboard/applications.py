"""The relying applications a person may open from the dashboard."""

from __future__ import annotations


def applications_for(user, org_id: str | None) -> list[dict]:
    """``[{"name": ..., "url": ...}]`` of the applications ``user`` may open while working
    for office ``org_id``.

    Empty here on purpose: the OAuth area owns the registered relying clients and fills this
    in (clients whose scopes the user's role in that office grants) when the areas are merged.
    """
    return []

"""Role tables for settings overrides (an override replaces the whole ``[roles]`` table)."""

from __future__ import annotations

import copy

from idp.config import load_settings


def roles_with(**changes: dict) -> dict:
    """The configured roles with some keys changed, e.g. ``billing={"mfa_required": True}``."""
    roles = copy.deepcopy(load_settings(environ={}).table("roles"))
    for name, body in changes.items():
        roles[name].update(body)
    return roles

"""Roles and what they grant, read from the ``[roles.*]`` tables of the configuration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from idp.config import TABLE_VALIDATORS, ConfigError

ROLE_KEYS = {
    "label",
    "description",
    "scopes",
    "permissions",
    "mfa_required",
    "platform",
    "phishing_resistant",
}


@dataclass(frozen=True)
class Role:
    name: str
    label: str
    scopes: tuple[str, ...]
    permissions: tuple[str, ...]
    mfa_required: bool
    platform: bool = False
    #: Whoever holds the role must sign in with a passkey or security key (implies MFA).
    phishing_resistant: bool = False
    #: What the role may do, in words, for the people choosing it (the invitation form).
    description: str = ""


def _validate_roles(values: dict[str, Any], tables: dict[str, Any]) -> None:
    roles = tables.get("roles", {})
    if not roles:
        raise ConfigError("[roles]: at least one role must be configured")
    for name, body in roles.items():
        unknown = set(body) - ROLE_KEYS
        if unknown:
            raise ConfigError(f"[roles.{name}]: unknown key(s) {', '.join(sorted(unknown))}")
        if not isinstance(body.get("label", ""), str):
            raise ConfigError(f"[roles.{name}].label: must be text")
        description = body.get("description", "")
        if not isinstance(description, str) or "\n" in description or len(description) > 300:
            raise ConfigError(f"[roles.{name}].description: one line of at most 300 characters")
        for key in ("scopes", "permissions"):
            items = body.get(key, [])
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                raise ConfigError(f"[roles.{name}].{key}: must be a list of strings")
        for key in ("mfa_required", "platform", "phishing_resistant"):
            if not isinstance(body.get(key, False), bool):
                raise ConfigError(f"[roles.{name}].{key}: must be true or false")


TABLE_VALIDATORS.append(_validate_roles)


def roles(settings) -> dict[str, Role]:
    return {
        name: Role(
            name=name,
            label=body.get("label", name),
            scopes=tuple(body.get("scopes", [])),
            permissions=tuple(body.get("permissions", [])),
            mfa_required=bool(body.get("mfa_required", False)),
            platform=bool(body.get("platform", False)),
            phishing_resistant=bool(body.get("phishing_resistant", False)),
            description=body.get("description", ""),
        )
        for name, body in settings.table("roles").items()
    }


def org_roles(settings) -> dict[str, Role]:
    """Roles that can be held in an organization (not platform roles)."""
    return {name: role for name, role in roles(settings).items() if not role.platform}


def get_role(settings, name: str) -> Role | None:
    return roles(settings).get(name)


def check_org_role(settings, name: str, errors: dict[str, str], field: str = "role") -> Role | None:
    """The office role named ``name``, or None with an error under ``field``."""
    role = org_roles(settings).get(name or "")
    if role is None:
        errors[field] = "Choose one of the roles in the list."
    return role


def least_privileged_org_role(settings) -> Role:
    """The office role granting the fewest permissions, then the fewest scopes (the first
    configured on a tie): the default where a role is left out, never more than needed."""
    candidates = list(org_roles(settings).values())
    if not candidates:
        raise ConfigError("[roles]: no office role is configured")
    return min(candidates, key=lambda r: (len(r.permissions), len(r.scopes)))


def find_org_role(settings, text: str) -> Role | None:
    """The office role named, or labelled, ``text`` (case and spacing ignored)."""
    wanted = " ".join((text or "").split()).casefold()
    for role in org_roles(settings).values():
        if wanted in (role.name.casefold(), role.label.casefold()):
            return role
    return None

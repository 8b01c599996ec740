"""The console's landing page: what needs attention, and which areas the actor may use."""

from __future__ import annotations

from dataclasses import dataclass

from idp.accounts.models import User
from idp.errors import Forbidden
from idp.orgs import access

from . import CONSOLE_PERMISSIONS, store


@dataclass(frozen=True)
class Attention:
    pending_registrations: int
    locked_accounts: int
    #: The console permissions the actor holds (which areas to link).
    permissions: frozenset[str]


def may_use_console(settings, user: User | None) -> bool:
    """Whether ``user`` holds a platform role with any console permission."""
    return bool(access.platform_permissions(settings, user) & CONSOLE_PERMISSIONS)


def attention(settings, actor: User) -> Attention:
    """Contract: counts of pending registrations and locked accounts; Forbidden without a
    platform role that grants a console permission."""
    if not may_use_console(settings, actor):
        raise Forbidden("The security console is for security administrators.")
    return Attention(
        pending_registrations=store.count_orgs("pending"),
        locked_accounts=store.count_users("locked"),
        permissions=access.platform_permissions(settings, actor) & CONSOLE_PERMISSIONS,
    )

"""The security administrators' console and the operations behind it.

One small service module per area (``users``, ``sessions``, ``clients``, ``keys``,
``organizations``, ``home``): each function takes (settings, actor, target ids or values,
collaborators), checks the actor's platform permission through ``idp.orgs.access``, records
an ``admin.*`` audit event with ``before`` and ``after``, and raises ``idp.errors`` domain
errors. The console (``idp.admin.views``) and, later, the REST API and the CLI call the same
functions, so none of them holds a rule of its own.
"""

from __future__ import annotations

from idp.orgs.access import APPROVE_ORGS, MANAGE_USERS, VIEW_AUDIT

#: Platform permissions the console uses (granted by ``[roles.*].permissions``).
MANAGE_CLIENTS = "admin.clients.manage"
MANAGE_KEYS = "admin.keys.manage"
MANAGE_SESSIONS = "admin.sessions.manage"
CONSOLE_PERMISSIONS = frozenset(
    {APPROVE_ORGS, MANAGE_USERS, MANAGE_CLIENTS, MANAGE_KEYS, MANAGE_SESSIONS, VIEW_AUDIT}
)

__all__ = [
    "APPROVE_ORGS",
    "CONSOLE_PERMISSIONS",
    "MANAGE_CLIENTS",
    "MANAGE_KEYS",
    "MANAGE_SESSIONS",
    "MANAGE_USERS",
    "VIEW_AUDIT",
]

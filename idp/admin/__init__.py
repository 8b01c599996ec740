"""The security administrators' console and the operations behind it.

One small service module per area (``users``, ``sessions``, ``clients``, ``keys``,
``organizations``, ``home``, ``overview``): each function takes (settings, actor, target ids
or values, collaborators), checks the actor's platform permission through
``idp.orgs.access``, records an ``admin.*`` audit event with ``before`` and ``after``, and
raises ``idp.errors`` domain errors. The console (``idp.admin.views``) and, later, the REST
API and the CLI call the same functions, so none of them holds a rule of its own.
"""

from __future__ import annotations

from idp.orgs.access import APPROVE_ORGS, MANAGE_USERS, VIEW_AUDIT

#: Platform permissions the console uses (granted by ``[roles.*].permissions``).
MANAGE_CLIENTS = "admin.clients.manage"
MANAGE_KEYS = "admin.keys.manage"
MANAGE_SESSIONS = "admin.sessions.manage"
#: ``VIEW_AUDIT`` (``admin.audit.view``, defined in ``idp.orgs.access`` with the audit
#: scope rule): reading the audit trail, in the console (the log, the overview's charts)
#: and, as a client scope, the API's ``/audit`` endpoints.
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

"""Writing audit entries: in the caller's unit of work, unchained (the sealer chains them)."""

from __future__ import annotations

import json
from typing import Any

from idp.audit import context
from idp.audit.events import default_outcome
from idp.audit.models import AuditEvent
from idp.common.clock import utcnow
from idp.extensions import db

_UNSET: Any = object()


def entry_values(
    event: str,
    *,
    actor_id: str | None = None,
    subject_id: str | None = None,
    org_id: str | None = None,
    ip: str | None = None,
    client_id: str | None = None,
    user_agent: str | None = None,
    request_id: str | None = None,
    outcome: str | None = None,
    before: Any = _UNSET,
    after: Any = _UNSET,
    **data: Any,
) -> dict[str, Any]:
    """The column values of one entry (request context filled in where empty)."""
    if before is not _UNSET:
        data["before"] = before
    if after is not _UNSET:
        data["after"] = after
    values = context.fill(
        {
            "at": utcnow(),
            "event": event,
            "actor_id": actor_id,
            "subject_id": subject_id,
            "org_id": org_id,
            "client_id": client_id,
            "ip": ip,
            "user_agent": user_agent,
            "request_id": request_id,
            "outcome": outcome or default_outcome(event),
            "data": json.dumps(data, default=str, sort_keys=True),
        }
    )
    if values["user_agent"]:
        values["user_agent"] = values["user_agent"][: context.USER_AGENT_MAX]
    return values


def record(event: str, **fields: Any) -> AuditEvent:
    """Add an audit entry to the current unit of work.

    Keywords: actor_id, subject_id, org_id, ip, client_id, user_agent, request_id, outcome
    (default from :mod:`idp.audit.events`), before / after (what an admin action changed);
    any other keyword goes into the entry's details (never a secret or token value).

    It is committed with the change it describes, so a failed change leaves no entry and an
    entry never exists without its change. Callers commit.
    """
    entry = AuditEvent(**entry_values(event, **fields))
    db.session.add(entry)
    return entry


def record_own(event: str, user_id: str, **fields: Any) -> AuditEvent:
    """:func:`record` for what a person did to their own account or session (the actor is
    the subject)."""
    return record(event, actor_id=user_id, subject_id=user_id, **fields)


def write(event: str, **fields: Any) -> None:
    """Write one entry in a transaction of its own, committed before this returns.

    For outcomes that change nothing else in the database (a client-credentials token, a
    failed client authentication): the caller answers only after the entry is durable, so a
    crash loses nothing that was acknowledged. One Core INSERT and its COMMIT (no ORM unit
    of work): the token endpoint's hot path.
    """
    from flask import current_app

    current_app.extensions["idp.audit.writer"].write(entry_values(event, **fields))


def events(event: str | None = None, subject_id: str | None = None) -> list[AuditEvent]:
    query = db.select(AuditEvent).order_by(AuditEvent.id)
    if event:
        query = query.where(AuditEvent.event == event)
    if subject_id:
        query = query.where(AuditEvent.subject_id == subject_id)
    return list(db.session.scalars(query))

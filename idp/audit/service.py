from __future__ import annotations

import json
from typing import Any

from idp.audit.models import AuditEvent
from idp.extensions import db


def record(
    event: str,
    *,
    actor_id: str | None = None,
    subject_id: str | None = None,
    org_id: str | None = None,
    ip: str | None = None,
    **data: Any,
) -> AuditEvent:
    """Add an audit event to the current unit of work.

    It is committed with the change it describes, so a failed change leaves no event
    and an event never exists without its change. Callers commit.
    """
    entry = AuditEvent(
        event=event,
        actor_id=actor_id,
        subject_id=subject_id,
        org_id=org_id,
        ip=ip,
        data=json.dumps(data, default=str, sort_keys=True),
    )
    db.session.add(entry)
    return entry


def events(event: str | None = None, subject_id: str | None = None) -> list[AuditEvent]:
    query = db.select(AuditEvent).order_by(AuditEvent.id)
    if event:
        query = query.where(AuditEvent.event == event)
    if subject_id:
        query = query.where(AuditEvent.subject_id == subject_id)
    return list(db.session.scalars(query))

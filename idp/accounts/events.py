"""Audit events a person causes on their own account (signing up, proving an address,
adding a passkey, switching office): the actor and the subject are the same person."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from idp import audit

if TYPE_CHECKING:
    from idp.accounts.models import User
    from idp.audit.models import AuditEvent


def own_action(
    event: str, user: User, *, ip: str | None = None, org_id: str | None = None, **data: Any
) -> AuditEvent:
    """``audit.record`` with ``user`` as actor and subject; the caller commits."""
    return audit.record(event, actor_id=user.id, subject_id=user.id, org_id=org_id, ip=ip, **data)

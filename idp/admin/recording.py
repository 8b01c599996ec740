"""The one shape of every console action's audit event: who, on whom, ``before`` and
``after``, committed at once (after the change, or with it when it is still pending)."""

from __future__ import annotations

from typing import Any

from idp import audit
from idp.accounts.models import User
from idp.extensions import db


def changed(
    event: str, actor: User, *, before: Any, after: Any, ip: str | None = None, **fields: Any
) -> None:
    """Record ``event`` (``admin.<area>.<what>``) and commit; ``fields`` as
    :func:`idp.audit.record` takes them (``subject_id``, ``org_id``, details)."""
    audit.record(event, actor_id=actor.id, ip=ip, before=before, after=after, **fields)
    db.session.commit()

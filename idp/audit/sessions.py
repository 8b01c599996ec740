"""Audit entries for the end of an SSO session (the login area calls these)."""

from __future__ import annotations

from typing import Any

from idp.audit.service import record, record_own
from idp.extensions import db


def signed_out(session: Any) -> None:
    record_own(
        "session.signed_out",
        session.user_id,
        org_id=session.active_org_id,
        session=session.public_id,
    )
    db.session.commit()


def expired(session: Any, reason: str) -> None:
    """Automatic logoff (``idle`` or ``absolute``), audited when the session's browser next
    comes back and finds it over."""
    record(
        "session.expired",
        subject_id=session.user_id,
        org_id=session.active_org_id,
        reason=reason,
        session=session.public_id,
    )
    db.session.commit()

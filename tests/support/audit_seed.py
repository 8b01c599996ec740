"""Audit entries at chosen times (the writer stamps real time; the overview charts need
entries spread over days)."""

from __future__ import annotations

from datetime import datetime

from idp.audit.service import record
from idp.extensions import db


def seed(event: str, at: datetime, **fields) -> None:
    """One entry of ``event`` written through ``record``, then dated ``at``; committed."""
    entry = record(event, **fields)
    entry.at = at
    db.session.commit()

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from idp.accounts.models import BelongsToUser
from idp.common.clock import utcnow
from idp.extensions import Model


class EmergencyCode(BelongsToUser, Model):
    """A sealed break-glass code of one security admin, stored as an Argon2 hash.

    At most one per person is usable (``used_at`` and ``revoked_at`` empty); spent and
    revoked ones stay for the record until the account goes."""

    __tablename__ = "emergency_codes"

    code_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

"""The record of every signing key ever issued: the keys live in keys/, only their ids here.

Start-up compares the two, so a lost or empty keys folder is noticed instead of being
silently replaced by a new key (which would make every token in flight fail to verify).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from idp.common.clock import utcnow
from idp.extensions import Model


class IssuedKey(Model):
    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    alg: Mapped[str] = mapped_column(String(10), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    #: Set when the key was dropped on purpose (pruned, retired, declared lost).
    dropped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

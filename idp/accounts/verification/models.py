from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from idp.accounts.models import BelongsToUser
from idp.common.clock import utcnow
from idp.extensions import Model

PURPOSES = ("registration", "email_change", "invitation")


class EmailVerification(BelongsToUser, Model):
    """One emailed link. Only the SHA-256 of its token is kept; it is used at most once."""

    __tablename__ = "email_verifications"

    #: The address being proven (the new one, for an email change).
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    purpose: Mapped[str] = mapped_column(String(20), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

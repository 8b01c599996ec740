from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from idp.common.clock import utcnow
from idp.extensions import Model

USER_STATUSES = ("pending_email", "active", "locked", "disabled")


def new_id() -> str:
    return str(uuid.uuid4())


class BelongsToUser:
    """Mixin for a row that belongs to one account: a uuid ``id`` and the owner's ``user_id``
    (indexed, deleted with the account). Both come first in the table, as they always have."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id, sort_order=-1)
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True, sort_order=-1
    )


class User(Model):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    #: Normalised (NFKC, lower-case); unique.
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    #: Lower-case; unique.
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="pending_email")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: Platform-wide role held outside any office (``security_admin``), or None.
    platform_role: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    #: When the person last finished signing in (``SignInService.completed``).
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: When a security admin last enabled the account: inactivity counts from then too.
    enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: When the warning that the unused account will be disabled was mailed (once per
    #: period of inactivity: a later sign-in makes it stale).
    inactivity_notice_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    memberships = relationship(
        "Membership", back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def shown_name(self) -> str:
        """How mail and pages address the person: their display name, else their username."""
        return self.display_name or self.username

    def __repr__(self) -> str:
        return f"<User {self.username}>"

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from idp.accounts.models import BelongsToUser, new_id
from idp.common.clock import utcnow
from idp.extensions import Model

ORG_STATUSES = ("pending", "approved", "rejected", "suspended")
MEMBERSHIP_STATUSES = ("active", "deactivated")


class Organization(Model):
    """A practice, clinic or billing service."""

    __tablename__ = "organizations"
    __table_args__ = (UniqueConstraint("tax_id", "npi", name="uq_org_tin_npi"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    legal_name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: TIN/EIN, 9 digits, stored without separators.
    tax_id: Mapped[str] = mapped_column(String(9), nullable=False)
    #: National Provider Identifier, 10 digits with a Luhn check digit.
    npi: Mapped[str] = mapped_column(String(10), nullable=False, index=True)
    address_line1: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    address_line2: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    city: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    state: Mapped[str] = mapped_column(String(2), nullable=False, default="")
    postal_code: Mapped[str] = mapped_column(String(10), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="pending")
    decided_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    #: Require MFA of every member, whatever their role.
    mfa_required: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    #: Require phishing-resistant MFA (a passkey or security key) of every member.
    phishing_resistant_required: Mapped[bool] = mapped_column(
        Boolean, default=False, nullable=False, server_default=false()
    )
    #: Per-office SSO session limits in minutes; None means the configured default.
    session_idle_minutes: Mapped[int | None] = mapped_column(Integer)
    session_absolute_minutes: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    memberships = relationship("Membership", back_populates="organization", lazy="selectin")

    @property
    def masked_tax_id(self) -> str:
        return "*****" + self.tax_id[-4:]


class Membership(BelongsToUser, Model):
    """A person's role in one organization."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "org_id", name="uq_membership_user_org"),)

    org_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    role: Mapped[str] = mapped_column(String(40), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: ``active`` or ``deactivated`` (by an office administrator, in this office only).
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, default="active", server_default="active"
    )
    #: Last day (UTC) of access; it ends by itself at the end of that day. None: no end.
    access_ends_on: Mapped[date | None] = mapped_column(Date)
    #: When the notice that access is about to end was mailed (the job sends it once).
    access_end_notice_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: When the end was recorded (``membership.ended``, once); cleared with a new end date.
    access_ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: When an office administrator last confirmed in the access review that the member
    #: still needs access (also set when the office is approved or reinstated, and when the
    #: membership is reactivated). None: not since it began (``created_at`` counts).
    access_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Who confirmed it (an account id; not a foreign key: the audit trail keeps the rest).
    access_confirmed_by_id: Mapped[str | None] = mapped_column(String(36))
    #: When the administrators were reminded of this member's review (once per cycle).
    review_reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user = relationship("User", back_populates="memberships")
    organization = relationship("Organization", back_populates="memberships", lazy="joined")


class Invitation(Model):
    """An emailed invitation to join an organization with a role.

    Only the SHA-256 of the link's token is stored. Re-sending replaces the token (the old
    link stops working) and the expiry; accepting or revoking ends it for good.
    """

    __tablename__ = "invitations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: Lower-case; an existing account with this address joins after signing in.
    email: Mapped[str] = mapped_column(String(254), nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(40), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    invited_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    organization = relationship("Organization", lazy="joined")

    def state(self, now: datetime) -> str:
        """pending, accepted, revoked or expired."""
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        expires = self.expires_at if self.expires_at.tzinfo else self.expires_at.replace(tzinfo=UTC)
        return "expired" if expires <= now else "pending"

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from idp.accounts.models import BelongsToUser, new_id
from idp.common.clock import utcnow
from idp.extensions import Model


class TotpCredential(Model):
    """A confirmed authenticator; the secret is encrypted (Fernet) with the MFA key."""

    __tablename__ = "mfa_totp"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    secret_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RecoveryCode(BelongsToUser, Model):
    """One single-use recovery code, stored as a keyed hash (HMAC-SHA256)."""

    __tablename__ = "mfa_recovery_codes"

    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebAuthnCredential(BelongsToUser, Model):
    """A registered passkey or security key (WebAuthn public-key credential).

    ``credential_id`` is the authenticator's id in base64url (unique across users: it is how
    a discoverable credential's assertion finds its owner); the public key is the COSE key
    from the attestation. ``flagged_at`` is set when the signature counter went backwards
    under ``webauthn.sign_count_regression = "flag"`` (a possibly cloned authenticator)."""

    __tablename__ = "mfa_webauthn_credentials"

    credential_id: Mapped[str] = mapped_column(String(1400), nullable=False, unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    sign_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    aaguid: Mapped[str] = mapped_column(String(36), nullable=False, default="")
    #: "single_device" (device-bound: amr hwk) or "multi_device" (synced passkey: amr swk).
    device_type: Mapped[str] = mapped_column(String(20), nullable=False)
    backed_up: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: Comma-separated authenticator transports ("internal", "usb", "hybrid", ...).
    transports: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    flagged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

"""The audit tables.

``audit_events`` is written in the transaction of the change it records, unchained
(``seq`` empty): an outbox. The sealer (:mod:`idp.audit.chain`) later gives each entry its
place in the chain (``seq``), the hash of the entry before (``prev_hash``) and its own
``hash``, and writes a signed ``audit_seals`` row for the new head. ``audit_chain`` is
the one-row head the sealer locks, so several instances chain one after the other.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from idp.common.clock import utcnow
from idp.extensions import Model


class AuditEvent(Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    #: Dotted name, e.g. ``login.failed``, ``org.approved`` (catalogue: idp/audit/events.py).
    event: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    actor_id: Mapped[str | None] = mapped_column(String(36), index=True)
    subject_id: Mapped[str | None] = mapped_column(String(36), index=True)
    org_id: Mapped[str | None] = mapped_column(String(36), index=True)
    client_id: Mapped[str | None] = mapped_column(String(64), index=True)
    #: Not indexed (nor ``request_id``): every index is written on the token endpoint's
    #: hot path; a search by address or request id narrows by time (``at``) first.
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    #: ``success`` or ``failure``.
    outcome: Mapped[str] = mapped_column(String(16), nullable=False, default="success")
    request_id: Mapped[str | None] = mapped_column(String(64))
    #: JSON object with event details (``before``/``after`` for changes); never secrets.
    data: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    #: Place in the chain, given by the sealer; empty while the entry waits to be chained.
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class AuditSeal(Model):
    """An HMAC over the chain head at one moment (written by each sealer pass)."""

    __tablename__ = "audit_seals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    #: First 16 hex digits of sha256(key): which key made ``mac`` (key rotation).
    key_id: Mapped[str] = mapped_column(String(16), nullable=False)
    mac: Mapped[str] = mapped_column(String(64), nullable=False)


class AuditChainHead(Model):
    """The one row (id 1) the sealer locks: the last chained seq and hash."""

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

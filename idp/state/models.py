from __future__ import annotations

from sqlalchemy import BigInteger, Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from idp.extensions import Model


class StateEntry(Model):
    """A row of the embedded shared-state backend (see idp.state.sql_state)."""

    __tablename__ = "shared_state"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)
    counter: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    expires_at: Mapped[float] = mapped_column(Float, nullable=False, index=True)


class DurableEntry(Model):
    """Security state that must outlive Redis' data (see idp.state.durable): the same shape
    as ``shared_state``, kept apart so the Redis deployments have it too."""

    __tablename__ = "durable_state"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)
    counter: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    expires_at: Mapped[float] = mapped_column(Float, nullable=False, index=True)

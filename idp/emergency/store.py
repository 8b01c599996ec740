"""The only queries on ``emergency_codes`` (and the alert recipients). No rules here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from idp.accounts.models import User
from idp.emergency.models import EmergencyCode
from idp.extensions import affected_rows, db


def _usable():
    return EmergencyCode.used_at.is_(None) & EmergencyCode.revoked_at.is_(None)


def usable_code(user_id: str) -> EmergencyCode | None:
    """The person's code that can still be used, if any."""
    query = db.select(EmergencyCode).where(EmergencyCode.user_id == user_id, _usable())
    return db.session.scalars(query.order_by(EmergencyCode.created_at.desc())).first()


def add(user_id: str, code_hash: str, now: datetime) -> EmergencyCode:
    code = EmergencyCode(user_id=user_id, code_hash=code_hash, created_at=now)
    db.session.add(code)
    return code


def revoke_usable(user_id: str, now: datetime) -> int:
    """Mark the person's usable codes revoked; how many there were."""
    statement = (
        db.update(EmergencyCode)
        .where(EmergencyCode.user_id == user_id, _usable())
        .values(revoked_at=now)
    )
    return affected_rows(statement)


def spend(code_id: str, now: datetime) -> bool:
    """Mark the code used if it still is usable: one conditional UPDATE, so of any number
    of concurrent uses exactly one sees True."""
    statement = (
        db.update(EmergencyCode).where(EmergencyCode.id == code_id, _usable()).values(used_at=now)
    )
    return affected_rows(statement) == 1


def unspend(code_id: str) -> None:
    """Make a code spent by this request usable again (its use was refused afterwards)."""
    statement = (
        db.update(EmergencyCode)
        .where(EmergencyCode.id == code_id, EmergencyCode.revoked_at.is_(None))
        .values(used_at=None)
    )
    db.session.execute(statement)


def latest_per_user() -> list[tuple[User, EmergencyCode]]:
    """Each person with a code, with their newest one, by username."""
    rows = db.session.execute(
        db.select(User, EmergencyCode)
        .join(EmergencyCode, EmergencyCode.user_id == User.id)
        .order_by(User.username, EmergencyCode.created_at.desc())
    ).all()
    seen: set[str] = set()
    latest = []
    for user, code in rows:
        if user.id not in seen:
            seen.add(user.id)
            latest.append((user, code))
    return latest


def active_users_with_roles(roles: Iterable[str], *, except_id: str) -> list[User]:
    """Active people holding one of these platform roles, other than ``except_id``."""
    names = list(roles)
    if not names:
        return []
    query = db.select(User).where(
        User.platform_role.in_(names), User.status == "active", User.id != except_id
    )
    return list(db.session.scalars(query.order_by(User.username)))

"""Finding an account by the id a URL or a form names; unused accounts, and the atomic
status and notice claims of the inactivity job and of disabling."""

from __future__ import annotations

import functools
import re
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, update
from sqlalchemy.orm import joinedload

from idp.accounts.models import User
from idp.errors import NotFound
from idp.extensions import affected_rows, db

#: An account id as ``new_id`` makes them; anything else names nobody and is not looked up.
USER_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@functools.cache
def with_memberships() -> tuple:
    """Load the person with their memberships in one statement (a join) rather than the two
    of the relationship's default ``selectin``: the sign-in, the session and the token
    endpoint read both on every request. (Built on first use: the option configures the
    mappers, which needs every model module imported.)"""
    return (joinedload(User.memberships),)


def user_by_id(user_id: str | None) -> User | None:
    return db.session.get(User, user_id) if USER_ID.fullmatch(user_id or "") else None


def person(user_id: str) -> User | None:
    """The account with its memberships loaded (one statement; none when already loaded)."""
    return db.session.get(User, user_id, options=with_memberships()) if user_id else None


def require_user(user_id: str | None) -> User:
    """The account, or NotFound (404) for an unknown or malformed id."""
    user = user_by_id(user_id)
    if user is None:
        raise NotFound("No such person.")
    return user


def _unused_before(moment: datetime) -> list[ColumnElement[bool]]:
    """The account has not been signed in to (or created, or enabled) after ``moment``."""
    return [
        func.coalesce(User.last_sign_in_at, User.created_at) <= moment,
        or_(User.enabled_at.is_(None), User.enabled_at <= moment),
    ]


def unused_accounts(moment: datetime, statuses: tuple[str, ...]) -> list[User]:
    """Accounts with one of ``statuses`` and no platform role, unused since ``moment``."""
    query = db.select(User).where(
        User.status.in_(statuses), User.platform_role.is_(None), *_unused_before(moment)
    )
    return list(db.session.scalars(query.order_by(User.created_at, User.id)))


def claim_status(
    user_id: str, expected: str, status: str, now: datetime, *, unused_before=None
) -> bool:
    """Atomically move the account from ``expected`` to ``status`` (and, with
    ``unused_before``, only while it is still unused since then): True for one caller."""
    conditions = [User.id == user_id, User.status == expected]
    if unused_before is not None:
        conditions += _unused_before(unused_before)
    count = affected_rows(
        update(User)
        .where(*conditions)
        .values(status=status, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return count == 1


def claim_inactivity_notice(user_id: str, now: datetime, unused_since: datetime) -> bool:
    """Atomically mark the inactivity warning sent, unless one was sent in this period of
    inactivity (at or after ``unused_since``): True for one caller."""
    notice = User.inactivity_notice_sent_at
    count = affected_rows(
        update(User)
        .where(User.id == user_id, or_(notice.is_(None), notice < unused_since))
        .values(inactivity_notice_sent_at=now)
        .execution_options(synchronize_session=False)
    )
    return count == 1


def release_inactivity_notice(user_id: str, now: datetime) -> None:
    """Undo a warning claim whose mail could not be sent (the next run tries again)."""
    db.session.execute(
        update(User)
        .where(User.id == user_id, User.inactivity_notice_sent_at == now)
        .values(inactivity_notice_sent_at=None)
        .execution_options(synchronize_session=False)
    )

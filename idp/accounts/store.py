"""Finding an account by the id a URL or a form names."""

from __future__ import annotations

import re

from idp.accounts.models import User
from idp.errors import NotFound
from idp.extensions import db

#: An account id as ``new_id`` makes them; anything else names nobody and is not looked up.
USER_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def user_by_id(user_id: str | None) -> User | None:
    return db.session.get(User, user_id) if USER_ID.fullmatch(user_id or "") else None


def require_user(user_id: str | None) -> User:
    """The account, or NotFound (404) for an unknown or malformed id."""
    user = user_by_id(user_id)
    if user is None:
        raise NotFound("No such person.")
    return user

"""A person's SSO sessions, for security admins: list them and end one.

Listing reuses the account page's view of a session (``self_service.service.list_sessions``:
device label, IP, sign-in and last activity) and adds the office's name. Ending one runs
``on_end`` (the sign-out hooks: back-channel logout to every client of that session).
"""

from __future__ import annotations

from dataclasses import dataclass

from idp.accounts.models import User
from idp.accounts.store import require_user
from idp.errors import NotFound
from idp.login.ending import SessionEnder
from idp.login.sessions import SessionStore, SsoSession
from idp.orgs import access
from idp.orgs import store as org_store
from idp.self_service.service import SessionView, list_sessions

from . import MANAGE_SESSIONS, recording


@dataclass(frozen=True)
class AdminSession:
    session: SessionView
    office_name: str | None


def for_user(settings, actor: User, user_id: str, *, sessions: SessionStore) -> list:
    """Contract: the user's live sessions (most recent first) as ``AdminSession``; NotFound."""
    access.require_platform_permission(settings, actor, MANAGE_SESSIONS)
    user = require_user(user_id)
    names: dict[str, str | None] = {}
    result = []
    for view in list_sessions(sessions, user.id, current_sid=None):
        if view.office_id and view.office_id not in names:
            org = org_store.get_org(view.office_id)
            names[view.office_id] = org.legal_name if org else None
        result.append(AdminSession(view, names.get(view.office_id) if view.office_id else None))
    return result


def end_one(
    settings,
    actor: User,
    user_id: str,
    public_id: str,
    *,
    ender: SessionEnder,
    ip: str | None = None,
) -> SsoSession:
    """Contract: ends the user's session with this public id, with the sign-out hooks,
    recorded as ``session.ended_by_admin`` (the console, the API and ``idp sessions end``
    all come here); NotFound when the user has no such live session."""
    access.require_platform_permission(settings, actor, MANAGE_SESSIONS)
    user = require_user(user_id)
    ended = ender.end(user.id, public_id)
    if ended is None:
        raise NotFound("That session has already ended.")
    recording.changed(
        "session.ended_by_admin",
        actor,
        subject_id=user.id,
        ip=ip,
        session=ended.public_id,
        before={"session": ended.public_id, "live": True},
        after={"session": ended.public_id, "live": False},
    )
    return ended

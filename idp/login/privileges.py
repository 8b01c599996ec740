"""Notice privilege changes wherever they are made, so the affected sessions get new ids.

A committed change to a user's memberships (added, removed, role, status or end date
changed, end recorded) or platform role raises that user's privilege epoch in the session
store; each of their sessions then gets a new id on its next request to the IdP
(``current_session``). Done with ORM events so that no area changing roles has to remember
a call; bulk UPDATE statements bypass the ORM and call :func:`note_changed` (published with
the next commit) or ``store().privileges_changed(user_id)`` themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from idp.login.sessions import SessionStore

log = logging.getLogger(__name__)
_KEY = "idp.privileges_changed"
#: Membership columns whose change alters what the person may do (status, access end date,
#: the recorded end of access: whether the membership counts).
MEMBERSHIP_ATTRS = ("role", "user_id", "org_id", "status", "access_ends_on", "access_ended_at")
#: The session store of the running app (``idp.login.current.store``), given to ``install``
#: so that this module need not import the request helpers that install it.
_sessions: Callable[[], SessionStore] | None = None


def _collect(session: Session, _flush_context, _instances) -> None:
    from idp.accounts.models import User
    from idp.orgs.models import Membership

    changed: set[str] = session.info.setdefault(_KEY, set())
    for obj in session.new:
        if isinstance(obj, Membership) and obj.user_id:
            changed.add(obj.user_id)
    for obj in session.deleted:
        if isinstance(obj, Membership) and obj.user_id:
            changed.add(obj.user_id)
    for obj in session.dirty:
        if isinstance(obj, Membership):
            state = inspect(obj)
            if any(state.attrs[a].history.has_changes() for a in MEMBERSHIP_ATTRS):
                changed.add(obj.user_id)
                for old in state.attrs.user_id.history.deleted or ():
                    changed.add(old)
        elif isinstance(obj, User) and inspect(obj).attrs.platform_role.history.has_changes():
            changed.add(obj.id)


def note_changed(user_id: str) -> None:
    """Mark ``user_id``'s privileges as changed by the open unit of work (for changes the
    ORM events cannot see, such as a bulk UPDATE); published after it commits."""
    from idp.extensions import db

    db.session.info.setdefault(_KEY, set()).add(user_id)


def _publish(session: Session) -> None:
    changed = session.info.pop(_KEY, set())
    if not changed or not has_app_context() or _sessions is None:
        return
    sessions = _sessions()
    for user_id in changed:
        try:
            sessions.privileges_changed(user_id)
        except Exception:  # the change is committed; a lost bump only delays rotation
            log.exception("could not mark the sessions of %s for a new id", user_id)


def _forget(session: Session) -> None:
    session.info.pop(_KEY, None)


def install(sessions: Callable[[], SessionStore]) -> None:
    global _sessions
    _sessions = sessions
    if not event.contains(Session, "before_flush", _collect):
        event.listen(Session, "before_flush", _collect)
        event.listen(Session, "after_commit", _publish)
        event.listen(Session, "after_rollback", _forget)

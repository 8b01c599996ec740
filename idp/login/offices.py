"""The offices an SSO session can be in, as the sign-in area needs them.

Whether a membership counts and what limits an office sets are the organizations area's
decisions (``idp.orgs.access``); the sign-in area only applies them. It asks through
:class:`OfficeDirectory`, which the app wires at start-up (``idp.services``), so ``login``
never imports the organizations' services and the two areas import in one direction only.
No HTTP here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from idp.accounts.events import own_action
from idp.common.tokens import token_hash
from idp.errors import Forbidden
from idp.extensions import db
from idp.login.sessions import SessionStore, SsoSession

#: Key of the wired directory in ``app.extensions``.
EXTENSION_KEY = "idp.offices"


@dataclass(frozen=True)
class SessionLimits:
    """An SSO session's idle timeout and absolute lifetime, in seconds."""

    idle_seconds: int
    absolute_seconds: int


class OfficeDirectory(Protocol):
    """What the sign-in area asks about offices (users are ``idp.accounts.models.User``)."""

    def limits(self, org_id: str | None) -> SessionLimits:
        """The session limits of ``org_id`` (the configured ones for None or no office)."""
        ...

    def counts(self, user: Any, org_id: str | None) -> bool:
        """Whether ``user`` holds a membership of ``org_id`` that counts now."""
        ...

    def default_office(self, user: Any) -> str | None:
        """The office a new session of ``user`` starts in, if any."""
        ...


def apply_office(session: SsoSession, org_id: str | None, limits: SessionLimits) -> None:
    """Make ``org_id`` the session's office under its limits: its idle timeout applies from
    now on, and its absolute limit can only shorten the session (never extend it)."""
    session.active_org_id = org_id
    session.idle_seconds = limits.idle_seconds
    session.expires_at = min(session.expires_at, session.created_at + limits.absolute_seconds)


def enter_office(
    sessions: SessionStore, session: SsoSession, org_id: str | None, offices: OfficeDirectory
) -> None:
    """Put the stored session in ``org_id`` (the caller has decided it may be there)."""
    apply_office(session, org_id, offices.limits(org_id))
    sessions.save(session)


def switch_office(
    sessions: SessionStore,
    session: SsoSession,
    user: Any,
    org_id: str | None,
    *,
    offices: OfficeDirectory,
    ip: str | None = None,
) -> bool:
    """Move the session to another office of the person's, under that office's limits.

    Refused unless the membership counts; True when the office changed (recorded)."""
    if not org_id or not offices.counts(user, org_id):
        raise Forbidden("You are not a member of that office.")
    previous = session.active_org_id
    if previous == org_id:
        return False
    enter_office(sessions, session, org_id, offices)
    own_action(
        "org.switched",
        user,
        org_id=org_id,
        ip=ip,
        from_org_id=previous,
        sid_hash=token_hash(session.sid)[:16],
    )
    db.session.commit()
    return True

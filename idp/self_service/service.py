"""Rules of the account page: list and end one's own sessions, list and revoke applications.

Plain values and collaborators in (the session store, the sign-out hooks, the application
directory), domain objects or DomainErrors out; no Flask globals.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from idp.audit import record_own
from idp.errors import Conflict, NotFound
from idp.extensions import db
from idp.login.ending import SessionEnder
from idp.login.sessions import SessionStore, SsoSession


@dataclass(frozen=True)
class SessionView:
    public_id: str
    device: str
    ip: str
    signed_in_at: datetime
    last_seen: datetime
    current: bool
    office_id: str | None
    mfa: bool


@dataclass(frozen=True)
class ApplicationView:
    client_id: str
    name: str
    #: How many of the user's live sessions have signed in to it.
    sessions: int
    #: Whether revoking is possible (the OAuth grants directory is present).
    revocable: bool


_BROWSERS = [
    ("Edge", r"Edg(e|A|iOS)?/"),
    ("Opera", r"OPR/"),
    ("Firefox", r"Firefox/|FxiOS/"),
    ("Chrome", r"Chrome/|CriOS/|Chromium/"),
    ("Safari", r"Version/[\d.]+.*Safari/"),
]
_SYSTEMS = [
    ("iPhone", r"iPhone"),
    ("iPad", r"iPad"),
    ("Android", r"Android"),
    ("Windows", r"Windows"),
    ("macOS", r"Mac OS X|Macintosh"),
    ("ChromeOS", r"CrOS"),
    ("Linux", r"Linux|X11"),
]


def describe_device(user_agent: str) -> str:
    """A short human label ("Firefox on Windows") from a User-Agent; never the raw string."""
    if not user_agent:
        return "Unknown device"
    browser = next((name for name, pattern in _BROWSERS if re.search(pattern, user_agent)), "")
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, user_agent)), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Other client"


def _when(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def list_sessions(sessions: SessionStore, user_id: str, current_sid: str | None) -> list:
    """The user's live sessions, this one first, then the most recently used."""
    views = [
        SessionView(
            public_id=s.public_id,
            device=describe_device(s.user_agent),
            ip=s.ip or "unknown",
            signed_in_at=_when(s.auth_time),
            last_seen=_when(s.last_seen),
            current=s.sid == current_sid,
            office_id=s.active_org_id,
            mfa=s.mfa_at is not None,
        )
        for s in sessions.for_user(user_id)
    ]
    return sorted(views, key=lambda v: (not v.current, -v.last_seen.timestamp()))


def end_session(ender: SessionEnder, user_id: str, public_id: str, *, ip: str | None) -> SsoSession:
    """End one of the user's own sessions (by its public id); NotFound for anything else."""
    ended = ender.end(user_id, public_id)
    if ended is None:
        raise NotFound("That session has already ended.")
    record_own("session.ended", user_id, ip=ip, session=public_id)
    db.session.commit()
    return ended


def end_all_sessions(
    user_id: str,
    *,
    end_all: Callable[[str], list[SsoSession]],
    ip: str | None = None,
) -> list[SsoSession]:
    """End every session of the user, this one included (``end_all`` runs the hooks)."""
    ended = end_all(user_id)
    record_own("session.ended_all", user_id, ip=ip, count=len(ended))
    db.session.commit()
    return ended


class ApplicationDirectory:
    """What the account page needs from the OAuth area: names, grants, revocation, logout.

    This base knows only the client ids recorded on the user's sessions and cannot revoke;
    :class:`OAuthDirectory` (the one in use) is backed by ``idp.oauth.grants``.
    """

    revocable = False

    def names(self, client_ids: Iterable[str]) -> dict[str, str]:
        return {client_id: client_id for client_id in client_ids}

    def granted(self, user_id: str) -> set[str]:
        return set()

    def revoke(self, user_id: str, client_id: str) -> bool:
        return False

    def logout(self, session: SsoSession, client_id: str) -> None:
        """Tell one client that this session has ended for it (back-channel logout)."""


class OAuthDirectory(ApplicationDirectory):
    """Consents and refresh tokens of the OAuth area; revoking withdraws both, and the
    client is sent a back-channel logout for each of the user's sessions it took part in."""

    revocable = True

    def names(self, client_ids: Iterable[str]) -> dict[str, str]:
        from idp.oauth.models import OAuthClient

        ids = list(client_ids)
        if not ids:
            return {}
        rows = db.session.scalars(db.select(OAuthClient).where(OAuthClient.client_id.in_(ids)))
        return {client_id: client_id for client_id in ids} | {r.client_id: r.name for r in rows}

    def granted(self, user_id: str) -> set[str]:
        from idp.oauth.grants import list_grants

        return {grant.client_id for grant in list_grants(user_id)}

    def revoke(self, user_id: str, client_id: str) -> bool:
        from idp.oauth.grants import revoke_grant

        return revoke_grant(user_id, client_id, actor_id=user_id)

    def logout(self, session: SsoSession, client_id: str) -> None:
        from idp.oauth.logout import send_backchannel_logout

        send_backchannel_logout(replace(session, clients=[client_id]))


DIRECTORY: ApplicationDirectory = OAuthDirectory()


def list_applications(
    live: list[SsoSession], user_id: str, directory: ApplicationDirectory
) -> list[ApplicationView]:
    counts: dict[str, int] = {}
    for session in live:
        for client_id in set(session.clients):
            counts[client_id] = counts.get(client_id, 0) + 1
    for client_id in directory.granted(user_id):
        counts.setdefault(client_id, 0)
    names = directory.names(counts)
    return sorted(
        (
            ApplicationView(
                client_id=client_id,
                name=names.get(client_id, client_id),
                sessions=count,
                revocable=directory.revocable,
            )
            for client_id, count in counts.items()
        ),
        key=lambda a: a.name.lower(),
    )


def revoke_application(
    sessions: SessionStore,
    user_id: str,
    client_id: str,
    directory: ApplicationDirectory,
    *,
    ip: str | None = None,
) -> None:
    """Withdraw an application's access: its grants go, it is told about every session of
    the user it took part in (back-channel logout), and no session lists it any more."""
    live = sessions.for_user(user_id)
    known = {c for s in live for c in s.clients} | directory.granted(user_id)
    if client_id not in known:
        raise NotFound("That application has no access to your account.")
    if not directory.revocable:
        raise Conflict("Applications cannot be revoked on this server (no OAuth grants).")
    directory.revoke(user_id, client_id)
    for session in live:
        if client_id in session.clients:
            directory.logout(session, client_id)
            session.clients = [c for c in session.clients if c != client_id]
            sessions.save(session)
    record_own("application.revoked", user_id, ip=ip, client_id=client_id)
    db.session.commit()

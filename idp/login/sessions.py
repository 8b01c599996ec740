"""The SSO session store, on the shared-state port (Redis or the embedded backend).

A session is a JSON record under ``sso:<sid>``; its key expires with the absolute lifetime.
Per user, ``sso-user:<uid>`` lists session ids (best effort, for the account page), and two
markers hold a random value that changes on an event:

- ``sso-gen:<uid>`` changes when every session of the user is ended: a session issued under
  another value is dead. One atomic write ends them all, on every instance.
- ``sso-priv:<uid>`` changes when the user's roles or memberships change: a session issued
  under another value gets a new id on its next request to the IdP.

Random values rather than counters: a marker may expire (after the longest possible session
lifetime) without ever letting an old value come back. No HTTP here.

Two identifiers, on purpose:

- ``sid`` is the cookie value, a bearer secret. It changes at sign-in and at every privilege
  change (office switch, role change, step-up), so an id learnt before cannot be reused.
- ``public_id`` names the session outside the cookie (the OIDC ``sid`` claim, back-channel
  logout tokens, the account page). It stays the same across rotations, so relying parties
  can match a logout to the session they saw, and it is useless as a credential.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields

from idp.common.tokens import random_token
from idp.login.assurance import acr_for, has_second_factor
from idp.state.base import SharedState

INDEX_TTL = 60 * 60 * 24 * 31
#: No session outlives this, so the markers (kept for INDEX_TTL) outlive every session.
MAX_LIFETIME = 60 * 60 * 24 * 30
#: Activity is written back at most this often (seconds): one write per burst of requests.
TOUCH_INTERVAL = 5.0
#: The shape of the sids we issue (``random_token``); a cookie is browser input, and any
#: other value (NUL bytes, which PostgreSQL refuses, or megabytes) never reaches the state.
SID_RE = re.compile(r"[A-Za-z0-9_-]{16,128}")


@dataclass
class SsoSession:
    sid: str
    user_id: str
    #: Time of the last full authentication (password), for max_age and auth_time.
    auth_time: float
    #: Authentication methods (RFC 8176): "pwd", "otp", ...
    amr: list[str]
    created_at: float
    last_seen: float
    #: Absolute expiry (epoch seconds) and idle timeout (seconds).
    expires_at: float
    idle_seconds: int
    active_org_id: str | None = None
    #: Time of the last second factor, for step-up on sensitive actions.
    mfa_at: float | None = None
    ip: str = ""
    user_agent: str = ""
    #: Value of the user's ``sso-gen`` marker when the session was created.
    gen: str = ""
    #: client_ids that received tokens in this session (for back-channel logout).
    clients: list[str] = field(default_factory=list)
    #: Stable, non-secret name of the session (OIDC ``sid`` claim, account page).
    public_id: str = ""
    #: Value of the user's ``sso-priv`` marker when this id was issued.
    priv_epoch: str = ""
    #: The user's ``sso-priv`` marker as read with this record (never stored): what
    #: :meth:`SessionStore.needs_new_id` compares, without reading it a second time.
    epoch_read: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def acr(self) -> str:
        return acr_for(self.amr)

    def idle_expired(self, now: float) -> bool:
        return now - self.last_seen > self.idle_seconds

    def is_fresh(self, now: float, window_seconds: float, *, need_mfa: bool) -> bool:
        """True when the password (and, if needed, the second factor) is recent enough."""
        if now - self.auth_time > window_seconds:
            return False
        if need_mfa:
            return self.mfa_at is not None and now - self.mfa_at <= window_seconds
        return True

    def to_json(self) -> str:
        data = asdict(self)
        del data["epoch_read"]
        return json.dumps(data)

    @classmethod
    def from_json(cls, raw: str) -> SsoSession:
        data = json.loads(raw)
        known = {f.name for f in fields(cls) if f.init}
        return cls(**{k: v for k, v in data.items() if k in known})


#: A record stays this long past its absolute expiry, so the next request of its browser
#: finds it expired (and it is audited as such) rather than simply gone.
EXPIRED_GRACE = 3600


class SessionStore:
    def __init__(
        self,
        state: SharedState,
        clock: Callable[[], float] = time.time,
        on_expired: Callable[[SsoSession, str], None] | None = None,
    ):
        """``on_expired(session, reason)`` runs once for a session found expired (reason
        ``idle`` or ``absolute``) by the request that ended it."""
        self.state = state
        self.clock = clock
        self.on_expired = on_expired

    def privilege_epoch(self, user_id: str) -> str:
        return self.state.get(f"sso-priv:{user_id}") or ""

    def privileges_changed(self, user_id: str) -> None:
        """Call when a user's roles or memberships change: their session ids get replaced."""
        self.state.set(f"sso-priv:{user_id}", random_token(12), INDEX_TTL)

    def needs_new_id(self, session: SsoSession, *, as_read: bool = False) -> bool:
        """True when the user's privileges changed since this session's id was issued.

        ``as_read``: compare with the marker :meth:`get` read along with the record (the
        request that has just read it; no second round trip) instead of reading it now."""
        current = session.epoch_read if as_read else None
        if current is None:
            current = self.privilege_epoch(session.user_id)
        return bool(current) and current != session.priv_epoch

    def create(
        self,
        user_id: str,
        amr: list[str],
        *,
        idle_seconds: int,
        absolute_seconds: int,
        active_org_id: str | None = None,
        ip: str = "",
        user_agent: str = "",
        public_id: str | None = None,
        clients: list[str] | None = None,
        mfa_at: float | None = None,
    ) -> SsoSession:
        now = self.clock()
        absolute_seconds = min(absolute_seconds, MAX_LIFETIME)
        # One round trip for the three markers the new record and the index start from.
        generation, epoch, index = self.state.get_many(
            [f"sso-gen:{user_id}", f"sso-priv:{user_id}", f"sso-user:{user_id}"]
        )
        session = SsoSession(
            sid=random_token(32),
            user_id=user_id,
            auth_time=now,
            amr=list(amr),
            created_at=now,
            last_seen=now,
            expires_at=now + absolute_seconds,
            idle_seconds=min(idle_seconds, absolute_seconds),
            active_org_id=active_org_id,
            mfa_at=now if has_second_factor(amr) else mfa_at,
            ip=ip,
            user_agent=user_agent[:200],
            gen=generation or "",
            clients=list(clients or []),
            public_id=public_id or random_token(16),
            priv_epoch=epoch or "",
        )
        self._save_indexed(session, index, None)
        return session

    def _record(self, session: SsoSession) -> tuple[str, str, int] | None:
        ttl = int(session.expires_at - self.clock()) + EXPIRED_GRACE
        return (f"sso:{session.sid}", session.to_json(), ttl) if ttl > 0 else None

    def save(self, session: SsoSession) -> None:
        record = self._record(session)
        if record:
            self.state.set(*record)

    def get(self, sid: str | None) -> SsoSession | None:
        """A live session, or None when missing, expired (idle or absolute) or revoked."""
        if not sid or not SID_RE.fullmatch(sid):
            return None
        raw = self.state.get(f"sso:{sid}")
        if raw is None:
            return None
        session = SsoSession.from_json(raw)
        now = self.clock()
        generation, session.epoch_read = self.state.get_many(
            [f"sso-gen:{session.user_id}", f"sso-priv:{session.user_id}"]
        )
        if generation and generation != session.gen:
            self.delete(sid)
            return None
        expired = (
            "absolute"
            if now >= session.expires_at
            else ("idle" if session.idle_expired(now) else None)
        )
        if expired:
            if self.delete(sid) is not None and self.on_expired is not None:
                self.on_expired(session, expired)
            return None
        return session

    def touch(self, session: SsoSession, min_interval: float = TOUCH_INTERVAL) -> None:
        """Record activity (resets the idle timer); writes at most every few seconds."""
        now = self.clock()
        if now - session.last_seen >= min_interval:
            session.last_seen = now
            self.save(session)

    def rotate(self, session: SsoSession) -> SsoSession | None:
        """Give a live session a new id (same record otherwise) and kill the old id.

        ``pop`` makes the switch atomic: of two concurrent rotations only one succeeds, the
        other finds the old id gone and gets None back (the caller then has no session).
        """
        old_sid = session.sid
        raw = self.state.pop(f"sso:{old_sid}")
        if raw is None:
            return None
        session.sid = random_token(32)
        epoch, index = self.state.get_many(
            [f"sso-priv:{session.user_id}", f"sso-user:{session.user_id}"]
        )
        session.priv_epoch = session.epoch_read = epoch or ""
        self._save_indexed(session, index, old_sid)
        return session

    def delete(self, sid: str) -> SsoSession | None:
        if not SID_RE.fullmatch(sid or ""):
            return None
        raw = self.state.pop(f"sso:{sid}")
        return SsoSession.from_json(raw) if raw else None

    def _index(self, user_id: str, raw: str | None = None) -> list[str]:
        """The user's session ids: from ``raw`` when the caller read the index already."""
        if raw is None:
            raw = self.state.get(f"sso-user:{user_id}")
        return json.loads(raw) if raw else []

    def _save_indexed(self, session: SsoSession, index: str | None, old_sid: str | None) -> None:
        """Write the record and the user's index (``index`` as read, ``old_sid`` replaced by
        the session's id) in one round trip."""
        sids = [s for s in self._index(session.user_id, index or "") if s != old_sid]
        sids.append(session.sid)
        writes = [(f"sso-user:{session.user_id}", json.dumps(sids[-50:]), INDEX_TTL)]
        record = self._record(session)
        self.state.set_many(([record] if record else []) + writes)

    def for_user(self, user_id: str) -> list[SsoSession]:
        sessions = [s for s in (self.get(sid) for sid in self._index(user_id)) if s]
        self.state.set(f"sso-user:{user_id}", json.dumps([s.sid for s in sessions]), INDEX_TTL)
        return sessions

    def find_public(self, user_id: str, public_id: str) -> SsoSession | None:
        """A live session of this user by its public id (never another user's)."""
        for session in self.for_user(user_id):
            if session.public_id and session.public_id == public_id:
                return session
        return None

    def end_all_for_user(self, user_id: str) -> list[SsoSession]:
        """End every session of a user (password reset, disable): atomic via the generation."""
        ended = self.for_user(user_id)
        self.state.set(f"sso-gen:{user_id}", random_token(12), INDEX_TTL)
        for session in ended:
            self.delete(session.sid)
        return ended

"""The SSO session store, on the shared-state port (Redis or the embedded backend).

A session is a JSON record under ``sso:<sid>``; its key expires with the absolute lifetime.
Per user, ``sso-user:<uid>`` lists session ids (best effort, for the account page) and
``sso-gen:<uid>`` is a generation counter: ending every session of a user is one atomic
increment, and a session created under an older generation is dead. No HTTP here.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field

from idp.common.tokens import random_token
from idp.state.base import SharedState

INDEX_TTL = 60 * 60 * 24 * 31


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
    generation: int = 0
    #: client_ids that received tokens in this session (for back-channel logout).
    clients: list[str] = field(default_factory=list)

    @property
    def acr(self) -> str:
        return "urn:idp:acr:mfa" if "otp" in self.amr else "urn:idp:acr:pwd"

    def idle_expired(self, now: float) -> bool:
        return now - self.last_seen > self.idle_seconds

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str) -> SsoSession:
        return cls(**json.loads(raw))


class SessionStore:
    def __init__(self, state: SharedState, clock=time.time):
        self.state = state
        self.clock = clock

    def _generation(self, user_id: str) -> int:
        value = self.state.get(f"sso-gen:{user_id}")
        return int(value) if value else 0

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
    ) -> SsoSession:
        now = self.clock()
        session = SsoSession(
            sid=random_token(32),
            user_id=user_id,
            auth_time=now,
            amr=list(amr),
            created_at=now,
            last_seen=now,
            expires_at=now + absolute_seconds,
            idle_seconds=idle_seconds,
            active_org_id=active_org_id,
            mfa_at=now if "otp" in amr else None,
            ip=ip,
            user_agent=user_agent[:200],
            generation=self._generation(user_id),
        )
        self.save(session)
        index_key = f"sso-user:{user_id}"
        sids = self._index(user_id)
        sids.append(session.sid)
        self.state.set(index_key, json.dumps(sids[-50:]), INDEX_TTL)
        return session

    def save(self, session: SsoSession) -> None:
        ttl = int(session.expires_at - self.clock()) + 1
        if ttl > 0:
            self.state.set(f"sso:{session.sid}", session.to_json(), ttl)

    def get(self, sid: str | None) -> SsoSession | None:
        """A live session, or None when missing, expired (idle or absolute) or revoked."""
        if not sid:
            return None
        raw = self.state.get(f"sso:{sid}")
        if raw is None:
            return None
        session = SsoSession.from_json(raw)
        now = self.clock()
        if (
            now >= session.expires_at
            or session.idle_expired(now)
            or session.generation < self._generation(session.user_id)
        ):
            self.delete(sid)
            return None
        return session

    def touch(self, session: SsoSession, min_interval: float = 5.0) -> None:
        """Record activity (resets the idle timer); writes at most every few seconds."""
        now = self.clock()
        if now - session.last_seen >= min_interval:
            session.last_seen = now
            self.save(session)

    def delete(self, sid: str) -> SsoSession | None:
        raw = self.state.pop(f"sso:{sid}")
        return SsoSession.from_json(raw) if raw else None

    def _index(self, user_id: str) -> list[str]:
        raw = self.state.get(f"sso-user:{user_id}")
        return json.loads(raw) if raw else []

    def for_user(self, user_id: str) -> list[SsoSession]:
        sessions = [s for s in (self.get(sid) for sid in self._index(user_id)) if s]
        self.state.set(f"sso-user:{user_id}", json.dumps([s.sid for s in sessions]), INDEX_TTL)
        return sessions

    def end_all_for_user(self, user_id: str) -> list[SsoSession]:
        """End every session of a user (password reset, disable): atomic via the generation."""
        ended = self.for_user(user_id)
        self.state.incr(f"sso-gen:{user_id}", ttl=INDEX_TTL)
        for session in ended:
            self.delete(session.sid)
        return ended

"""Ending someone's SSO sessions on their behalf or an administrator's: the session goes
from the store and the sign-out hooks run for it (back-channel logout to every client it
signed in to), so what ends here ends at the relying parties too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from idp.login.sessions import SessionStore, SsoSession


@dataclass(frozen=True)
class SessionEnder:
    store: SessionStore
    on_end: Callable[[SsoSession], None]

    def end(self, user_id: str, public_id: str) -> SsoSession | None:
        """The user's live session with this public id, ended; None when there is none."""
        target = self.store.find_public(user_id, public_id or "")
        ended = self.store.delete(target.sid) if target else None
        if ended is not None:
            self.on_end(ended)
        return ended

    def end_all(self, user_id: str) -> list[SsoSession]:
        ended = self.store.end_all_for_user(user_id)
        for session in ended:
            self.on_end(session)
        return ended

"""Sealed break-glass codes: issue, revoke, list (the operator's ``idp emergency``).

A code is 32 characters from an unambiguous alphabet (about 158 bits), printed once in
groups of four, and stored only as an Argon2 hash (the password hasher and its settings).
Issuing replaces the person's earlier usable code; only security admins
(``access.may_use_emergency_access``) get one. No HTTP here.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from idp import audit
from idp.accounts.models import User
from idp.accounts.passwords import hash_password
from idp.common.clock import Clock
from idp.emergency import store
from idp.errors import DomainError
from idp.extensions import db
from idp.mfa.service import RECOVERY_ALPHABET, normalise_code
from idp.orgs import access

CODE_LENGTH = 32
GROUP = 4

NOT_ELIGIBLE = (
    "Only an active security administrator (a platform role granting "
    f"{access.EMERGENCY_ACCESS}) can hold an emergency code."
)


def new_code() -> str:
    """A fresh code as printed: lower-case groups of four joined by dashes."""
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, CODE_LENGTH, GROUP))


def clean(code: str) -> str:
    """What is compared: letters and digits only, lower-case (dashes, spaces, case ignored)."""
    return normalise_code(code)[: CODE_LENGTH * 2]


@dataclass(frozen=True)
class CodeState:
    username: str
    display_name: str
    #: "usable", "used" or "revoked".
    state: str
    issued_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None


class EmergencyCodes:
    def __init__(self, settings, clock: Clock | None = None):
        self.settings = settings
        self.clock = clock or Clock()

    def issue(self, user: User) -> str:
        """A new code for ``user`` (the earlier usable one stops working); shown once."""
        if not access.may_use_emergency_access(self.settings, user):
            raise DomainError(NOT_ELIGIBLE)
        now = self.clock.now()
        replaced = store.revoke_usable(user.id, now)
        code = new_code()
        row = store.add(user.id, hash_password(clean(code), self.settings), now)
        db.session.flush()
        audit.record(
            "emergency.code_issued",
            subject_id=user.id,
            code_id=row.id,
            replaced=replaced,
            via="cli",
        )
        db.session.commit()
        return code

    def revoke(self, user: User) -> bool:
        """Revoke the person's usable code; False when there was none."""
        revoked = store.revoke_usable(user.id, self.clock.now())
        if not revoked:
            db.session.rollback()
            return False
        audit.record("emergency.code_revoked", subject_id=user.id, via="cli")
        db.session.commit()
        return True

    def listing(self) -> list[CodeState]:
        """Everyone with a code and the state of their newest one."""
        return [
            CodeState(
                username=user.username,
                display_name=user.display_name or "",
                state="revoked" if code.revoked_at else ("used" if code.used_at else "usable"),
                issued_at=code.created_at,
                used_at=code.used_at,
                revoked_at=code.revoked_at,
            )
            for user, code in store.latest_per_user()
        ]

"""Signing in with a sealed break-glass code: password + code instead of the second factor.

Rules (docs/emergency-access.md):

- Every failure -- unknown name, wrong password, wrong, spent or revoked code, no code, an
  account that is not a security admin -- raises :class:`EmergencyAccessFailed` with the one
  generic message and costs two Argon2 verifications, so neither answer nor timing tells
  which part was wrong. A lock of this browser says so, as on the sign-in page.
- Failures count toward the normal lockout (``idp.security.lockout``): the password by the
  identifier as typed, the code by the account, from this source (IP or trusted device),
  with the same limits, locks and account ceiling as the sign-in pages.
- The code is spent with one conditional UPDATE: of concurrent uses exactly one goes on.
- The other security admins are alerted by mail before any session exists. When not one
  of them could be mailed (none exists, or the mail server refused) access is refused and
  the code is usable again: no emergency access without an alert (fail closed).

No HTTP here: the view starts the session with the returned amr and lifetime.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NoReturn

from idp import audit
from idp.accounts.models import User
from idp.accounts.passwords import verify_dummy, verify_password
from idp.accounts.recovery import find_user, normalise_identifier
from idp.common.clock import Clock
from idp.emergency import store
from idp.emergency.codes import clean
from idp.errors import Unauthenticated, Unavailable
from idp.extensions import db
from idp.login.assurance import EMERGENCY_AMR
from idp.login.failures import SignInGuard
from idp.login.service import locked_message
from idp.mail import send_to
from idp.mail.base import Mailer
from idp.orgs import access
from idp.security.lockout import Attempt, identifier_subject

log = logging.getLogger(__name__)

GENERIC_FAILURE = (
    "Emergency access failed. Check your username, password and emergency code and try again."
)
NOT_ALERTED = (
    "Emergency access was refused: no other security administrator could be alerted, and "
    "emergency access is never granted unannounced. Your code still works; try again "
    "shortly, or call another security administrator."
)
AMR = ["pwd", EMERGENCY_AMR]


class EmergencyAccessFailed(Unauthenticated):
    code = "access_denied"


@dataclass(frozen=True)
class Granted:
    user: User
    amr: list[str]
    #: The emergency session's absolute lifetime.
    lifetime_seconds: int
    #: How many other security admins were alerted.
    alerted: int


def _when(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M UTC")


class EmergencyAccess:
    def __init__(self, settings, guard: SignInGuard, mailer: Mailer, clock: Clock | None = None):
        self.settings = settings
        self.guard = guard
        self.lockout = guard.lockout
        self.mailer = mailer
        self.clock = clock or Clock()

    @property
    def lifetime_seconds(self) -> int:
        return self.settings.emergency_session_minutes * 60

    def _fail(
        self, attempt: Attempt, user: User | None, ip: str, reason: str, *, count: bool = True
    ) -> NoReturn:
        """Record the failure, lock what the counts say, raise the generic failure."""
        until = self.guard.fail(
            attempt, user, event="emergency.access_failed", ip=ip, reason=reason, count=count
        )
        raise EmergencyAccessFailed(locked_message(until) if until is not None else GENERIC_FAILURE)

    def use(
        self,
        identifier: str,
        password: str,
        code: str,
        *,
        ip: str,
        user_agent: str = "",
        device_token: str | None = None,
    ) -> Granted:
        user = find_user(identifier)
        source = self.guard.source(user, ip, device_token)[0]
        attempt = self.lockout.begin(identifier_subject(normalise_identifier(identifier)), source)
        row = store.usable_code(user.id) if user is not None else None
        cleaned = clean(code)
        if not attempt.allowed:
            verify_dummy(password, self.settings)
            verify_dummy(cleaned, self.settings)
            self._fail(attempt, user, ip, "locked", count=False)
        # Both verifications always run: the time taken tells nothing about which failed.
        password_ok = verify_password(user.password_hash if user else None, password, self.settings)
        code_ok = verify_password(row.code_hash if row else None, cleaned, self.settings)
        if user is None or not user.password_hash:
            self._fail(attempt, user, ip, "unknown_user")
        if not password_ok:
            self._fail(attempt, user, ip, "bad_password")
        if user.status != "active":
            self._fail(attempt, user, ip, f"status_{user.status}", count=False)
        if not access.may_use_emergency_access(self.settings, user):
            self._fail(attempt, user, ip, "not_eligible")
        # The password is right: from here on the code counts against the account, as a
        # second factor does on the sign-in pages (and a lock of the account holds here too).
        self.lockout.release(attempt)
        code_attempt = self.lockout.begin(user.id, source)
        if not code_attempt.allowed:
            self._fail(code_attempt, user, ip, "locked", count=False)
        if row is None:
            self._fail(code_attempt, user, ip, "no_code")
        if not code_ok:
            self._fail(code_attempt, user, ip, "bad_code")
        if not store.spend(row.id, self.clock.now()):
            # End the write transaction the UPDATE opened before counting the failure
            # (the lockout writes on a connection of its own; SQLite has one writer).
            db.session.rollback()
            self._fail(code_attempt, user, ip, "code_used")
        db.session.commit()
        alerted = self._alert(user, ip=ip, user_agent=user_agent)
        if not alerted:
            store.unspend(row.id)
            audit.record("emergency.access_failed", subject_id=user.id, ip=ip, reason="not_alerted")
            db.session.commit()
            self.lockout.release(code_attempt)
            raise Unavailable(NOT_ALERTED)
        self.lockout.succeeded(code_attempt)
        user.last_sign_in_at = self.clock.now()
        audit.record_own(
            "emergency.access_granted",
            user.id,
            ip=ip,
            amr=AMR,
            code_id=row.id,
            alerted=alerted,
            minutes=self.settings.emergency_session_minutes,
        )
        db.session.commit()
        return Granted(user, list(AMR), self.lifetime_seconds, alerted)

    def _alert(self, user: User, *, ip: str, user_agent: str) -> int:
        """Mail every other active security admin now; how many messages the server took."""
        roles = access.emergency_alert_roles(self.settings)
        recipients = store.active_users_with_roles(roles, except_id=user.id)
        if not recipients:
            log.error("emergency access by %s refused: no other security admin", user.username)
            return 0
        now = self.clock.time()
        values = {
            "who": user.shown_name,
            "username": user.username,
            "at": _when(now),
            "ends_at": _when(now + self.lifetime_seconds),
            "ip": ip or "unknown",
            "user_agent": user_agent[:200] or "unknown",
            "console": self.settings.public_base_url.rstrip("/") + f"/admin/users/{user.id}",
        }
        sent = 0
        for recipient in recipients:
            try:
                send_to(self.mailer, recipient, "emergency_access_alert", **values)
                sent += 1
            except Exception:
                log.exception("emergency access alert to %s failed", recipient.email)
        if sent < len(recipients):
            log.error(
                "emergency access by %s: %d of %d alerts sent", user.username, sent, len(recipients)
            )
        return sent

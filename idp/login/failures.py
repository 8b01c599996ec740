"""A failed sign-in step, counted the one way every sign-in path counts it: the password
form, the second factor, passkeys and emergency access share the lockout's keys, its
audit entries and the account lock at the failure ceiling."""

from __future__ import annotations

from dataclasses import dataclass

from idp import audit
from idp.accounts.models import User
from idp.extensions import db
from idp.security.device import DeviceCookies
from idp.security.lockout import Attempt, Lockout
from idp.security.service import AccountLocks


@dataclass(frozen=True)
class SignInGuard:
    """What every sign-in path counts its attempts with: the lockout, the trusted browsers
    (an attempt from one counts for that browser, not the address) and the account locks."""

    lockout: Lockout
    devices: DeviceCookies
    locks: AccountLocks

    def source(self, user: User | None, ip: str, device_token: str | None) -> tuple[str, bool]:
        """Where the attempt counts: the person's trusted browser when it is one, else the
        address; and whether the browser was trusted."""
        if user is not None:
            device = self.devices.trusted_for(device_token, user.id)
            if device is not None:
                return "dev:" + device.id, True
        return "ip:" + ip, False

    def fail(
        self,
        attempt: Attempt,
        user: User | None,
        *,
        event: str,
        ip: str,
        reason: str,
        count: bool = True,
    ) -> float | None:
        """Record the failure as ``event`` (with ``lockout.locked`` when the counts lock the
        source), commit, and lock the account when the failure ceiling is reached; until
        when the attempt's source is locked now."""
        outcome = (
            self.lockout.failed(attempt, count_for_account=user is not None) if count else None
        )
        source = attempt.source.split(":", 1)[0]
        subject_id = user.id if user else None
        audit.record(event, subject_id=subject_id, ip=ip, reason=reason, source=source)
        if outcome and outcome.locked_minutes:
            audit.record(
                "lockout.locked",
                subject_id=subject_id,
                ip=ip,
                source=source,
                minutes=outcome.locked_minutes,
            )
        db.session.commit()
        if user is not None and outcome and outcome.ceiling_reached:
            self.locks.lock(user, reason="failure_ceiling", ip=ip)
        return self.lockout.locked_until(attempt.subject, attempt.source)

"""Sign-in rules: password step, second factor, lockout, audit (no HTTP here).

Every failure raises :class:`SignInFailed` with the one generic message, whatever the
cause (unknown user, wrong password, locked for this source, locked account, wrong code),
and costs one Argon2 verification either way, so neither the answer nor its timing tells
whether a username exists.

The one exception is a lock of this browser (source) for the submitted identifier: the
password step counts by the identifier as typed (normalised), whether an account has it or
not, so "Too many attempts from this browser" is said for unknown names exactly as for
known ones, and tells nothing about which exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NoReturn

from idp import audit
from idp.accounts.models import User
from idp.accounts.passwords import hash_password, needs_rehash, verify_dummy, verify_password
from idp.accounts.recovery import find_user, normalise_identifier
from idp.common.clock import Clock
from idp.common.digits import ascii_digits
from idp.errors import Unauthenticated
from idp.extensions import commit_keeping_loaded, db
from idp.login.failures import SignInGuard
from idp.mfa.passkeys import PasskeyService
from idp.mfa.service import MfaService
from idp.mfa.store import has_passkey
from idp.mfa.webauthn import CeremonyFailed
from idp.orgs import access
from idp.security.lockout import Attempt, identifier_subject

GENERIC_FAILURE = "Sign-in failed. Check your username and password and try again."
CODE_FAILURE = "That code did not work. Try the current code from your app, or a recovery code."
UNVERIFIED = "Confirm your email address first: use the link we sent you when you registered."
PASSKEY_FAILURE = "Your passkey could not be used. Try again, or use another way to sign in."
PASSKEY_REQUIRED = (
    "Your role needs a passkey or security key to sign in: use it, or a recovery code."
)

#: The failures whose answer names the lock's end when the source is locked.
LOCK_MESSAGE_REASONS = ("locked", "bad_password", "unknown_user", "bad_code")

LOCKED = "Too many attempts from this browser. Try again after {time}, or reset your password."


def locked_message(until: float) -> str:
    """The lock message, with the end rounded up to the next minute (so "after" holds)."""
    moment = datetime.fromtimestamp(until + 59, UTC)
    return LOCKED.format(time=moment.strftime("%H:%M UTC"))


class SignInFailed(Unauthenticated):
    code = "access_denied"


@dataclass
class PasswordOk:
    user: User
    #: The browser's device cookie is valid for this account.
    trusted_device: bool
    #: What comes next: "done", "mfa" (enter a code) or "enroll" (MFA required, none set up).
    next_step: str


class SignInService:
    def __init__(
        self,
        settings,
        guard: SignInGuard,
        mfa: MfaService,
        clock: Clock | None = None,
        passkeys: PasskeyService | None = None,
    ):
        self.settings = settings
        self.guard = guard
        self.lockout = guard.lockout
        self.mfa = mfa
        self.clock = clock or Clock()
        self.passkeys = passkeys

    def _fail(
        self,
        attempt: Attempt,
        user: User | None,
        ip: str,
        reason: str,
        *,
        count=True,
        message: str | None = None,
    ) -> NoReturn:
        """Record the failure, lock what the counts say, and raise the generic failure."""
        until = self.guard.fail(
            attempt, user, event="login.failed", ip=ip, reason=reason, count=count
        )
        if message is None and until is not None and reason in LOCK_MESSAGE_REASONS:
            message = locked_message(until)
        raise SignInFailed(message or (GENERIC_FAILURE if reason != "bad_code" else CODE_FAILURE))

    def check_password(
        self, identifier: str, password: str, *, ip: str, device_token: str | None = None
    ) -> PasswordOk:
        user = find_user(identifier)
        subject = identifier_subject(normalise_identifier(identifier))
        source, trusted = self.guard.source(user, ip, device_token)
        attempt = self.lockout.begin(subject, source)
        if not attempt.allowed:
            verify_dummy(password, self.settings)
            self._fail(attempt, user, ip, "locked", count=False)
        if user is None or not user.password_hash:
            verify_dummy(password, self.settings)
            self._fail(attempt, user, ip, "unknown_user")
        if not verify_password(user.password_hash, password, self.settings):
            self._fail(attempt, user, ip, "bad_password")
        if self.lockout.locked_until(user.id, source) is not None:
            # Wrong codes after this right password locked the account for this source;
            # only someone who knows the password learns it (the page says so).
            self.lockout.release(attempt)
            self._fail(Attempt(user.id, source, allowed=False), user, ip, "locked", count=False)
        # The password is right from here on. An account locked by the failure ceiling stays
        # locked for every browser, trusted ones included, until the emailed link or a
        # security admin unlocks it: a right password proves less than a stolen one would.
        if user.status != "active":
            if user.status == "pending_email":
                raise SignInFailed(UNVERIFIED)
            self._fail(attempt, user, ip, f"status_{user.status}", count=False)
        if needs_rehash(user.password_hash, self.settings):
            user.password_hash = hash_password(password, self.settings)
            audit.record("password.rehashed", subject_id=user.id)
            db.session.commit()
        if self.mfa.has_mfa(user):
            step = "mfa"
        elif access.mfa_policy(self.settings, user).required:
            step = "enroll"
        else:
            step = "done"
        if step == "mfa":
            # A code is still to come: keep the failures counted so far (rounds of right
            # password, wrong code lock like wrong passwords), only give this slot back.
            self.lockout.release(attempt)
        else:
            self.lockout.succeeded(attempt)
        return PasswordOk(user=user, trusted_device=trusted, next_step=step)

    def check_second_factor(
        self, user: User, code: str, *, ip: str, device_token: str | None = None
    ) -> list[str]:
        """Accept a TOTP code or a recovery code; returns the amr to sign in with."""
        source, _ = self.guard.source(user, ip, device_token)
        attempt = self.lockout.begin(user.id, source)
        if not attempt.allowed:
            self._fail(attempt, user, ip, "locked", count=False)
        cleaned = "".join(ch for ch in code if ch.isalnum())
        if ascii_digits(cleaned) and len(cleaned) == 6 and self.passkey_only(user):
            # The role wants a phishing-resistant sign-in and a key is registered: an app code
            # (which a fake page can relay) is not enough; recovery codes stay the way back.
            self.lockout.release(attempt)
            audit.record("login.failed", subject_id=user.id, ip=ip, reason="passkey_required")
            db.session.commit()
            raise SignInFailed(PASSKEY_REQUIRED)
        method = "totp" if ascii_digits(cleaned) and len(cleaned) == 6 else "recovery_code"
        if method == "totp":
            ok = self.mfa.verify_totp(user, cleaned)
        else:
            ok = self.mfa.use_recovery_code(user, cleaned, ip=ip)
        if not ok:
            self._fail(attempt, user, ip, "bad_code")
        self.lockout.succeeded(attempt)
        audit.record_own("mfa.verified", user.id, ip=ip, method=method)
        db.session.commit()
        return ["pwd", "otp"]

    def passkey_only(self, user: User) -> bool:
        """The person must sign in phishing-resistantly and has a passkey to do it with."""
        return access.mfa_policy(self.settings, user).phishing_resistant and has_passkey(user)

    def check_passkey(
        self,
        response: str | dict,
        *,
        user: User | None,
        ip: str,
        device_token: str | None = None,
    ) -> tuple[User, list[str]]:
        """A passkey assertion: the second factor of ``user``, or (None) the whole sign-in.

        Returns the person and the amr. Lockout applies as for codes; a failure for a known
        key counts against its owner, every failure is recorded."""
        if self.passkeys is None:
            raise SignInFailed(PASSKEY_FAILURE)
        attempt = self._passkey_attempt(user, ip, device_token) if user is not None else None
        try:
            use = self.passkeys.verify(response, user=user, ip=ip)
        except CeremonyFailed as exc:
            owner = user or (db.session.get(User, exc.user_id) if exc.user_id else None)
            if owner is not None and attempt is None:
                attempt = self._passkey_attempt(owner, ip, device_token)
            if attempt is None:
                audit.record("login.failed", ip=ip, reason="passkey_" + exc.reason, source="ip")
                db.session.commit()
                raise SignInFailed(PASSKEY_FAILURE) from None
            self._fail(attempt, owner, ip, "passkey_" + exc.reason, message=PASSKEY_FAILURE)
        if attempt is None:
            attempt = self._passkey_attempt(use.user, ip, device_token)
        if use.user.status != "active":
            self._fail(attempt, use.user, ip, f"status_{use.user.status}", count=False)
        self.lockout.succeeded(attempt)
        return use.user, use.amr

    def _passkey_attempt(self, user: User, ip: str, device_token: str | None) -> Attempt:
        source, _ = self.guard.source(user, ip, device_token)
        attempt = self.lockout.begin(user.id, source)
        if not attempt.allowed:
            self._fail(attempt, user, ip, "locked", count=False, message=PASSKEY_FAILURE)
        return attempt

    def completed(self, user: User, amr: list[str], *, ip: str) -> None:
        """Record a finished sign-in (the view then starts the SSO session).

        The session starts from the person and memberships read for this sign-in moments
        ago: ``commit_keeping_loaded``."""
        user.last_sign_in_at = self.clock.now()
        audit.record_own("login.succeeded", user.id, ip=ip, amr=amr)
        commit_keeping_loaded()

"""Passkeys and security keys: register, list, remove, and sign in (no HTTP here).

A person may hold several, each named, with its last use. A passkey is either the second
factor after the password or, being discoverable, the whole sign-in (passwordless, with user
verification). Every use is marked phishing-resistant in ``amr`` (see
:mod:`idp.login.assurance`): ``hwk`` for a device-bound key, ``swk`` for one synced between
devices, ``user`` for the presence test every assertion carries, ``mfa`` for two factors.

A signature counter that did not increase (a possibly cloned authenticator) is refused or
flagged, as ``webauthn.sign_count_regression`` says; both are audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from webauthn.helpers import base64url_to_bytes

from idp import audit
from idp.accounts.events import own_action
from idp.accounts.models import User
from idp.common.clock import Clock
from idp.errors import DomainError, NotFound
from idp.extensions import affected_rows, db
from idp.mfa.models import WebAuthnCredential
from idp.mfa.webauthn import (
    Assertion,
    CeremonyFailed,
    Challenges,
    RelyingParty,
    authentication_options,
    begin_assertion,
    registration_options,
    verify_assertion,
    verify_registration,
)
from idp.state.base import SharedState

MAX_PASSKEYS = 10
NAME_MAX = 64


@dataclass(frozen=True)
class PasskeyUse:
    """A verified assertion: who, with which key, and the ``amr`` it earns."""

    user: User
    credential: WebAuthnCredential
    amr: list[str]


def amr_for(
    credential: WebAuthnCredential, *, with_password: bool, user_verified: bool
) -> list[str]:
    """``pwd`` (when the password came first), ``hwk``/``swk``, ``user``, and ``mfa`` when two
    factors were shown: password + key, or a key unlocked by PIN or biometrics."""
    kind = "hwk" if credential.device_type == "single_device" else "swk"
    amr = (["pwd"] if with_password else []) + [kind, "user"]
    if with_password or user_verified:
        amr.append("mfa")
    return amr


def clean_name(name: str) -> str:
    words = ("".join(ch for ch in word if ch.isprintable()) for word in name.split())
    cleaned = " ".join(w for w in words if w)[:NAME_MAX]
    return cleaned or "Passkey"


class PasskeyService:
    def __init__(self, settings, state: SharedState, clock: Clock | None = None):
        self.settings = settings
        self.rp = RelyingParty.from_settings(settings)
        self.challenges = Challenges(state, settings.webauthn_challenge_seconds)
        self.clock = clock or Clock()

    # --- queries ---------------------------------------------------------------------

    def credentials(self, user: User) -> list[WebAuthnCredential]:
        query = (
            db.select(WebAuthnCredential)
            .where(WebAuthnCredential.user_id == user.id)
            .order_by(WebAuthnCredential.created_at, WebAuthnCredential.id)
        )
        return list(db.session.scalars(query))

    def _descriptors(self, user: User) -> list[tuple[bytes, list[str]]]:
        return [
            (base64url_to_bytes(c.credential_id), [t for t in c.transports.split(",") if t])
            for c in self.credentials(user)
        ]

    # --- registration ----------------------------------------------------------------

    def registration_options(self, user: User) -> str:
        if len(self.credentials(user)) >= MAX_PASSKEYS:
            raise DomainError(f"You can register up to {MAX_PASSKEYS} passkeys; remove one first.")
        return registration_options(
            self.rp,
            self.challenges,
            user_id=user.id,
            user_name=user.username,
            display_name=user.shown_name,
            exclude=self._descriptors(user),
        )

    def register(
        self, user: User, name: str, response: str | dict[str, Any], *, ip: str | None = None
    ) -> WebAuthnCredential:
        """Store the key the browser created for the challenge issued to ``user``."""
        try:
            new = verify_registration(self.rp, self.challenges, response)
        except CeremonyFailed as exc:
            own_action("mfa.passkey_refused", user, ip=ip, reason=exc.reason)
            db.session.commit()
            raise DomainError("The passkey could not be registered. Try again.") from None
        if new.user_id != user.id:
            raise DomainError("The passkey could not be registered. Try again.")
        taken = db.session.scalar(
            db.select(WebAuthnCredential.id).where(
                WebAuthnCredential.credential_id == new.credential_id
            )
        )
        if taken is not None or len(self.credentials(user)) >= MAX_PASSKEYS:
            raise DomainError("This passkey is already registered.")
        credential = WebAuthnCredential(
            user_id=user.id,
            credential_id=new.credential_id,
            public_key=new.public_key,
            sign_count=new.sign_count,
            name=clean_name(name),
            aaguid=new.aaguid,
            device_type=new.device_type,
            backed_up=new.backed_up,
            transports=",".join(new.transports)[:200],
        )
        db.session.add(credential)
        db.session.flush()
        own_action(
            "mfa.passkey_registered",
            user,
            ip=ip,
            passkey=credential.id,
            device_type=new.device_type,
        )
        db.session.commit()
        return credential

    def remove(self, user: User, passkey_id: str, *, ip: str | None = None) -> None:
        credential = db.session.get(WebAuthnCredential, passkey_id)
        if credential is None or credential.user_id != user.id:
            raise NotFound("No such passkey.")
        db.session.delete(credential)
        audit.record_own("mfa.passkey_removed", user.id, ip=ip, passkey=passkey_id)
        db.session.commit()

    def remove_all(self, user: User) -> int:
        """For an administrator's MFA reset (the caller records and commits)."""
        count = affected_rows(
            db.delete(WebAuthnCredential).where(WebAuthnCredential.user_id == user.id)
        )
        return count

    # --- sign-in ---------------------------------------------------------------------

    def second_factor_options(self, user: User) -> str:
        """Options for the step after the password: only this person's keys."""
        return authentication_options(
            self.rp,
            self.challenges,
            user_id=user.id,
            allow=self._descriptors(user),
            user_verification=self.rp.user_verification,
        )

    def passwordless_options(self) -> str:
        """Options for any discoverable credential; user verification is required, as the
        key (something held, unlocked by something known or a fingerprint) is all there is."""
        return authentication_options(
            self.rp, self.challenges, user_id=None, allow=[], user_verification="required"
        )

    def verify(
        self, response: str | dict[str, Any], *, user: User | None, ip: str | None = None
    ) -> PasskeyUse:
        """Verify an assertion: as the second factor of ``user``, or passwordless when None.

        Raises :class:`CeremonyFailed` (with ``reason`` and, once the key is known,
        ``user_id``) for the caller to count and record as a failed sign-in."""
        assertion = begin_assertion(self.challenges, response)
        credential = self._credential_for(assertion, user)
        owner = db.session.get(User, credential.user_id)
        if owner is None:
            raise _failed("unknown_credential", None)
        count, uv = self._check(assertion, credential, require_uv=user is None)
        now = self.clock.now()
        if (count > 0 or credential.sign_count > 0) and count <= credential.sign_count:
            self._regressed(credential, count, ip)
        else:
            credential.sign_count = count
        credential.last_used_at = now
        db.session.commit()
        amr = amr_for(credential, with_password=user is not None, user_verified=uv)
        return PasskeyUse(user=owner, credential=credential, amr=amr)

    def _credential_for(self, assertion: Assertion, user: User | None) -> WebAuthnCredential:
        credential = db.session.scalar(
            db.select(WebAuthnCredential).where(
                WebAuthnCredential.credential_id == assertion.credential_id
            )
        )
        if credential is None:
            raise _failed("unknown_credential", user.id if user else None)
        expected = user.id if user is not None else ""
        if assertion.challenge_user_id != expected:
            # A challenge issued for one sign-in step answered in another.
            raise _failed("challenge", credential.user_id)
        if user is not None and credential.user_id != user.id:
            raise _failed("other_user", user.id)
        if assertion.user_handle is not None and assertion.user_handle != credential.user_id:
            raise _failed("user_handle", credential.user_id)
        if user is None and assertion.user_handle is None:
            # Passwordless needs a discoverable credential, which always names its user.
            raise _failed("user_handle", credential.user_id)
        return credential

    def _check(
        self, assertion: Assertion, credential: WebAuthnCredential, *, require_uv: bool
    ) -> tuple[int, bool]:
        if not require_uv:
            require_uv = self.rp.user_verification == "required"
        try:
            return verify_assertion(
                self.rp, assertion, credential.public_key, require_uv=require_uv
            )
        except CeremonyFailed as exc:
            exc.user_id = credential.user_id
            raise

    def _regressed(self, credential: WebAuthnCredential, count: int, ip: str | None) -> None:
        refuse = self.settings.webauthn_sign_count_regression == "refuse"
        audit.record(
            "mfa.passkey_sign_count_regression",
            subject_id=credential.user_id,
            ip=ip,
            passkey=credential.id,
            stored=credential.sign_count,
            received=count,
            action="refused" if refuse else "flagged",
        )
        if refuse:
            db.session.commit()
            raise _failed("sign_count", credential.user_id)
        credential.flagged_at = self.clock.now()


def _failed(reason: str, user_id: str | None) -> CeremonyFailed:
    return CeremonyFailed(reason, user_id=user_id)

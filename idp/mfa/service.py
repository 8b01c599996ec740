"""TOTP enrollment and verification, recovery codes, and MFA resets (no HTTP here).

Secrets are encrypted at rest with Fernet; the key comes from ``auth_mfa_encryption_key``
or, when that is empty, is derived (HKDF) from the application secret. A code is accepted
within one 30-second step either side of now, and only once: each accepted (user, step) is
claimed with the shared state's atomic ``add``, so a replay is refused on every instance.
"""

from __future__ import annotations

import base64
import functools
import io
import secrets
from collections.abc import Callable
from dataclasses import dataclass

import pyotp
import qrcode
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from idp import audit
from idp.accounts.events import own_action
from idp.accounts.models import User
from idp.common.clock import Clock
from idp.common.digits import ascii_digits
from idp.common.tokens import constant_time_equals, keyed_hash
from idp.errors import DomainError, Forbidden
from idp.extensions import affected_rows, db
from idp.mail.background import send_detached
from idp.mfa.models import RecoveryCode, TotpCredential, WebAuthnCredential
from idp.mfa.store import has_mfa
from idp.orgs import access
from idp.state.base import KeyValues

STEP_SECONDS = 30
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
ENROLL_TTL = 15 * 60


@functools.lru_cache(maxsize=16)
def derive_key(secret: str, purpose: str) -> bytes:
    """Per process: the service is built for every sign-in, and derives two keys."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        secret.encode()
    )


def encryption_key(settings, app_secret: str) -> bytes:
    """The Fernet key: the configured one, else derived from the application secret."""
    configured = getattr(settings, "auth_mfa_encryption_key", "")
    if configured:
        return configured.encode()
    return base64.urlsafe_b64encode(derive_key(app_secret, "idp mfa secret encryption"))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def qr_data_uri(text: str) -> str:
    """A PNG QR code as a data: URI (CSP allows img-src data:; no external request)."""
    from qrcode.image.pure import PyPNGImage

    image = qrcode.make(text, image_factory=PyPNGImage, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@dataclass
class Enrollment:
    secret: str
    uri: str
    qr: str


class MfaService:
    def __init__(
        self,
        settings,
        state: KeyValues,
        app_secret: str,
        clock: Clock | None = None,
        *,
        end_sessions: Callable[[str], list] | None = None,
    ):
        """``end_sessions(user_id)`` ends every session of a person (with the sign-out
        hooks; ``SessionEnder.end_all``), for :meth:`reset`."""
        self.settings = settings
        self.state = state
        self.fernet = Fernet(encryption_key(settings, app_secret))
        self.code_key = derive_key(app_secret, "idp recovery code hashing")
        self.clock = clock or Clock()
        self.end_sessions = end_sessions

    # --- queries ---------------------------------------------------------------------

    def has_mfa(self, user: User) -> bool:
        """An authenticator app or at least one passkey."""
        return has_mfa(user)

    def has_totp(self, user: User) -> bool:
        return self._credential(user) is not None

    def _credential(self, user: User) -> TotpCredential | None:
        return db.session.scalar(db.select(TotpCredential).where(TotpCredential.user_id == user.id))

    def remaining_recovery_codes(self, user: User) -> int:
        return len(self._unused_codes(user))

    def _unused_codes(self, user: User) -> list[RecoveryCode]:
        query = db.select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
        return list(db.session.scalars(query))

    # --- enrollment ------------------------------------------------------------------

    def begin_enrollment(self, user: User) -> Enrollment:
        """A pending secret (kept encrypted in the shared state until confirmed)."""
        key = f"mfa-enroll:{user.id}"
        raw = self.state.get(key)
        secret = self._decrypt(raw) if raw else None
        if secret is None:
            secret = pyotp.random_base32()
            self.state.set(key, self._encrypt(secret), ENROLL_TTL)
        uri = pyotp.TOTP(secret).provisioning_uri(
            name=user.username, issuer_name=self.settings.auth_mfa_issuer
        )
        return Enrollment(secret=secret, uri=uri, qr=qr_data_uri(uri))

    def confirm_enrollment(self, user: User, code: str, *, ip: str | None = None) -> list[str]:
        """Store the pending secret once a valid code proves the app has it; returns codes."""
        raw = self.state.get(f"mfa-enroll:{user.id}")
        secret = self._decrypt(raw) if raw else None
        if secret is None:
            raise DomainError("The enrollment expired. Scan the new code and try again.")
        if not self._check_code(user, secret, code):
            raise DomainError("That code is not valid. Enter the current code from your app.")
        existing = self._credential(user)
        if existing is not None:
            db.session.delete(existing)
            db.session.flush()
        db.session.add(TotpCredential(user_id=user.id, secret_encrypted=self._encrypt(secret)))
        codes = self._replace_recovery_codes(user)
        own_action("mfa.enrolled", user, ip=ip)
        db.session.commit()
        self.state.delete(f"mfa-enroll:{user.id}")
        return codes

    # --- verification ----------------------------------------------------------------

    def verify_totp(self, user: User, code: str) -> bool:
        credential = self._credential(user)
        if credential is None:
            return False
        secret = self._decrypt(credential.secret_encrypted)
        if secret is None or not self._check_code(user, secret, code):
            return False
        credential.last_used_at = self.clock.now()
        db.session.commit()
        return True

    def _check_code(self, user: User, secret: str, code: str) -> bool:
        code = normalise_code(code)
        if len(code) != 6 or not ascii_digits(code):
            return False
        totp = pyotp.TOTP(secret)
        now = self.clock.time()
        for offset in (0, -1, 1):
            at = now + offset * STEP_SECONDS
            if constant_time_equals(totp.at(at), code):
                step = int(at // STEP_SECONDS)
                return self.state.add(f"totp-used:{user.id}:{step}", "1", 4 * STEP_SECONDS)
        return False

    def use_recovery_code(self, user: User, code: str, *, ip: str | None = None) -> bool:
        """Spend one recovery code; of two concurrent uses of the same code only one wins."""
        digest = keyed_hash(self.code_key, normalise_code(code))
        for candidate in self._unused_codes(user):
            if constant_time_equals(candidate.code_hash, digest):
                count = affected_rows(
                    db.update(RecoveryCode)
                    .where(RecoveryCode.id == candidate.id, RecoveryCode.used_at.is_(None))
                    .values(used_at=self.clock.now())
                )
                if count != 1:
                    db.session.rollback()
                    return False
                own_action(
                    "mfa.recovery_code_used",
                    user,
                    ip=ip,
                    remaining=self.remaining_recovery_codes(user),
                )
                db.session.commit()
                return True
        return False

    # --- recovery codes --------------------------------------------------------------

    def regenerate_recovery_codes(self, user: User, *, ip: str | None = None) -> list[str]:
        if not self.has_mfa(user):
            raise DomainError("Set up an authenticator app or a passkey first.")
        codes = self._replace_recovery_codes(user)
        own_action("mfa.recovery_codes_regenerated", user, ip=ip)
        db.session.commit()
        return codes

    def first_recovery_codes(self, user: User) -> list[str] | None:
        """New codes when the person has none left unused (a first passkey), else None."""
        if self._unused_codes(user):
            return None
        codes = self._replace_recovery_codes(user)
        own_action("mfa.recovery_codes_regenerated", user)
        db.session.commit()
        return codes

    def _replace_recovery_codes(self, user: User) -> list[str]:
        db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        codes = []
        for _ in range(RECOVERY_CODE_COUNT):
            raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
            codes.append(f"{raw[:5]}-{raw[5:]}")
            db.session.add(RecoveryCode(user_id=user.id, code_hash=keyed_hash(self.code_key, raw)))
        return codes

    # --- reset by an administrator ---------------------------------------------------

    def reset(self, actor: User, user: User, *, mailer=None, ip: str | None = None) -> None:
        """Remove a user's authenticator, passkeys and recovery codes, and end every session
        of theirs (a reset usually follows a lost or stolen device, whose sessions must not
        outlive the factor); recorded, the user is told. The sessions end first: should the
        reset then fail, the person is signed out with their factors intact, never the other
        way round."""
        if not access.may_reset_mfa(self.settings, actor, user):
            raise Forbidden("You may not reset this person's two-step verification.")
        if not self.has_mfa(user):
            raise DomainError("This person has no authenticator to reset.")
        credential = self._credential(user)
        before = {
            "totp": credential is not None,
            "recovery_codes": self.remaining_recovery_codes(user),
        }
        # Before this session writes: the embedded state is the same SQLite file, whose
        # writer would wait for this transaction's lock.
        ended = self.end_sessions(user.id) if self.end_sessions is not None else []
        if credential is not None:
            db.session.delete(credential)
        passkeys = affected_rows(
            db.delete(WebAuthnCredential).where(WebAuthnCredential.user_id == user.id)
        )
        db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        shared_org = next(
            (
                m.org_id
                for m in actor.memberships
                if m.org_id in {x.org_id for x in user.memberships}
            ),
            None,
        )
        audit.record(
            "mfa.reset",
            actor_id=actor.id,
            subject_id=user.id,
            org_id=shared_org,
            ip=ip,
            passkeys=passkeys or 0,
            sessions_ended=len(ended),
            before={**before, "passkeys": passkeys or 0},
            after={"totp": False, "recovery_codes": 0, "passkeys": 0},
        )
        db.session.commit()
        if mailer is not None:
            # In the background: the reset is committed; a mail server that is down must not
            # turn it into an error page (the failure is logged).
            send_detached(
                mailer,
                user.email,
                "mfa_reset",
                name=user.shown_name,
                actor_name=actor.shown_name,
            )

    # --- encryption ------------------------------------------------------------------

    def _encrypt(self, secret: str) -> str:
        return self.fernet.encrypt(secret.encode()).decode()

    def _decrypt(self, token: str) -> str | None:
        try:
            return self.fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            return None

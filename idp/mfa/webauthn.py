"""The WebAuthn ceremonies, on py_webauthn (``webauthn`` on PyPI): options, challenges, checks.

The relying party is this IdP: its RP ID is the host of ``public_base_url`` and the only
origin accepted is that URL's ``scheme://host[:port]``, so an assertion made on any other site
(a phishing page included) fails here. Each challenge is random, kept in the shared state
for ``webauthn.challenge_seconds`` and taken (``pop``) by the one response that answers it:
a replayed response, or one to an expired challenge, finds nothing and is refused.

No database and no HTTP here; :mod:`idp.mfa.passkeys` holds the rules around it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    parse_authentication_credential_json,
    parse_client_data_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticationCredential,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from idp.errors import DomainError
from idp.state.base import SharedState

#: What a browser may send for one credential (ids are at most 1023 bytes, keys small).
MAX_RESPONSE_CHARS = 16_000


class CeremonyFailed(DomainError):
    """A registration or assertion the library (or the challenge store) refused."""

    def __init__(
        self,
        reason: str,
        message: str = "The passkey could not be verified.",
        *,
        user_id: str | None = None,
    ):
        super().__init__(message)
        self.reason = reason
        #: The account the response was for, once known (for lockout and audit).
        self.user_id = user_id


@dataclass(frozen=True)
class RelyingParty:
    rp_id: str
    origin: str
    name: str
    user_verification: str
    challenge_seconds: int

    @classmethod
    def from_settings(cls, settings) -> RelyingParty:
        parts = urlsplit(settings.public_base_url)
        return cls(
            rp_id=(parts.hostname or "").lower(),
            origin=f"{parts.scheme}://{parts.netloc}".lower(),
            name=settings.webauthn_rp_name,
            user_verification=settings.webauthn_user_verification,
            challenge_seconds=settings.webauthn_challenge_seconds,
        )


class Challenges:
    """Single-use challenges in the shared state, per purpose ("register", "assert")."""

    def __init__(self, state: SharedState, ttl: int):
        self.state = state
        self.ttl = ttl

    def remember(self, purpose: str, challenge: bytes, user_id: str | None) -> None:
        key = f"webauthn:{purpose}:{bytes_to_base64url(challenge)}"
        self.state.set(key, user_id or "-", self.ttl)

    def take(self, purpose: str, challenge_b64: str) -> str | None:
        """The user the challenge was issued for ("" when for anyone), or None when unknown,
        expired or already answered."""
        if not challenge_b64 or len(challenge_b64) > 200:
            return None
        value = self.state.pop(f"webauthn:{purpose}:{challenge_b64}")
        if value is None:
            return None
        return "" if value == "-" else value


def _uv(value: str) -> UserVerificationRequirement:
    return UserVerificationRequirement(value)


def _transports(values: list[str]) -> list[AuthenticatorTransport]:
    known = {t.value for t in AuthenticatorTransport}
    return [AuthenticatorTransport(v) for v in values if v in known]


def registration_options(
    rp: RelyingParty,
    challenges: Challenges,
    *,
    user_id: str,
    user_name: str,
    display_name: str,
    exclude: list[tuple[bytes, list[str]]],
) -> str:
    """``PublicKeyCredentialCreationOptions`` as JSON, asking for a discoverable credential
    (a passkey) where the authenticator can keep one; the user handle is the account id."""
    options = generate_registration_options(
        rp_id=rp.rp_id,
        rp_name=rp.name,
        user_id=user_id.encode(),
        user_name=user_name,
        user_display_name=display_name,
        timeout=rp.challenge_seconds * 1000,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=_uv(rp.user_verification),
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=cid, transports=_transports(t) or None)
            for cid, t in exclude
        ],
    )
    challenges.remember("register", options.challenge, user_id)
    return options_to_json(options)


def authentication_options(
    rp: RelyingParty,
    challenges: Challenges,
    *,
    user_id: str | None,
    allow: list[tuple[bytes, list[str]]],
    user_verification: str,
) -> str:
    """``PublicKeyCredentialRequestOptions`` as JSON; an empty ``allow`` lets the browser
    offer any discoverable credential for our RP ID (passwordless, autofill)."""
    options = generate_authentication_options(
        rp_id=rp.rp_id,
        timeout=rp.challenge_seconds * 1000,
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=cid, transports=_transports(t) or None)
            for cid, t in allow
        ],
        user_verification=_uv(user_verification),
    )
    challenges.remember("assert", options.challenge, user_id)
    return options_to_json(options)


def _load(raw: str | dict[str, Any], parse):
    if isinstance(raw, str) and len(raw) > MAX_RESPONSE_CHARS:
        raise CeremonyFailed("malformed")
    try:
        credential = parse(raw)
        client_data = parse_client_data_json(credential.response.client_data_json)
    except (WebAuthnException, ValueError, TypeError, KeyError, AttributeError):
        raise CeremonyFailed("malformed") from None
    return credential, bytes_to_base64url(client_data.challenge)


@dataclass(frozen=True)
class NewCredential:
    user_id: str
    credential_id: str
    public_key: bytes
    sign_count: int
    aaguid: str
    device_type: str
    backed_up: bool
    user_verified: bool
    transports: list[str]


def verify_registration(
    rp: RelyingParty, challenges: Challenges, raw: str | dict[str, Any]
) -> NewCredential:
    credential, challenge = _load(raw, parse_registration_credential_json)
    user_id = challenges.take("register", challenge)
    if not user_id:
        raise CeremonyFailed("challenge", "The request expired. Try again.")
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=credential_challenge(challenge),
            expected_rp_id=rp.rp_id,
            expected_origin=rp.origin,
            require_user_verification=rp.user_verification == "required",
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        raise CeremonyFailed(f"invalid: {exc}"[:200]) from None
    return NewCredential(
        user_id=user_id,
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        aaguid=verified.aaguid,
        device_type=verified.credential_device_type.value,
        backed_up=verified.credential_backed_up,
        user_verified=verified.user_verified,
        transports=[t.value for t in credential.response.transports or []],
    )


@dataclass(frozen=True)
class Assertion:
    """A parsed assertion whose challenge was ours and is now spent (not yet verified)."""

    credential: AuthenticationCredential
    credential_id: str
    user_handle: str | None
    challenge: bytes
    #: The user the challenge was issued for; "" for a passwordless (any user) challenge.
    challenge_user_id: str


def begin_assertion(challenges: Challenges, raw: str | dict[str, Any]) -> Assertion:
    """Parse the browser's response and spend its challenge (one answer per challenge)."""
    credential, challenge = _load(raw, parse_authentication_credential_json)
    user_id = challenges.take("assert", challenge)
    if user_id is None:
        raise CeremonyFailed("challenge", "The request expired. Try again.")
    handle = credential.response.user_handle
    return Assertion(
        credential=credential,
        credential_id=bytes_to_base64url(credential.raw_id),
        user_handle=handle.decode("utf-8", "replace") if handle else None,
        challenge=credential_challenge(challenge),
        challenge_user_id=user_id,
    )


def verify_assertion(
    rp: RelyingParty, assertion: Assertion, public_key: bytes, *, require_uv: bool
) -> tuple[int, bool]:
    """Check signature, RP ID hash, origin, challenge and flags; (new sign count, UV).

    The counter is compared by the caller (``sign_count_regression`` decides refuse or
    flag), so the library is given 0 as the known count."""
    try:
        verified = verify_authentication_response(
            credential=assertion.credential,
            expected_challenge=assertion.challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=rp.origin,
            credential_public_key=public_key,
            credential_current_sign_count=0,
            require_user_verification=require_uv,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        raise CeremonyFailed(f"invalid: {exc}"[:200]) from None
    return verified.new_sign_count, verified.user_verified


def credential_challenge(challenge_b64: str) -> bytes:
    return base64url_to_bytes(challenge_b64)

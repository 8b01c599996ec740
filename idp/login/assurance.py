"""How strongly a person signed in, in the terms relying parties read: ``acr`` and ``amr``.

``amr`` values are RFC 8176 method names recorded at sign-in (``pwd``, ``otp``); the ``acr``
a token carries follows from them. The SSO session, ID tokens, access tokens and the
discovery document all take the mapping from here, so they never disagree.

- ``pwd`` password; ``otp`` authenticator-app code or recovery code;
- ``hwk`` / ``swk``: a WebAuthn passkey or security key, device-bound (``hwk``) or synced
  between devices (``swk``); ``user``: the authenticator tested user presence; ``mfa``: two
  factors (password + key, or a key unlocked by user verification);
- ``emergency``: a sealed, single-use break-glass code (``idp.emergency``) in place of the
  second factor: a second factor (acr ``mfa``), never phishing-resistant. Pages of such a
  session carry a banner; the session's lifetime is ``emergency.session_minutes``.

acr values: ``urn:idp:acr:pwd`` (password only), ``urn:idp:acr:mfa`` (a second factor),
``urn:idp:acr:phr`` (phishing-resistant: a WebAuthn key, bound to this site's origin).
"""

from __future__ import annotations

from collections.abc import Iterable

ACR_PASSWORD = "urn:idp:acr:pwd"  # noqa: S105 - a URN, not a secret
ACR_MFA = "urn:idp:acr:mfa"
ACR_PHISHING_RESISTANT = "urn:idp:acr:phr"
#: What discovery advertises as ``acr_values_supported`` (weakest first).
ACR_VALUES = (ACR_PASSWORD, ACR_MFA, ACR_PHISHING_RESISTANT)
#: ``amr`` values of a WebAuthn credential: a proof bound to our origin, so not phishable.
PHISHING_RESISTANT_AMR = frozenset({"hwk", "swk"})
#: ``amr`` value of an emergency (break-glass) sign-in: password + sealed code.
EMERGENCY_AMR = "emergency"
#: ``amr`` values that count as a second factor.
SECOND_FACTORS = frozenset({"otp", EMERGENCY_AMR}) | PHISHING_RESISTANT_AMR


def has_second_factor(amr: Iterable[str]) -> bool:
    return not SECOND_FACTORS.isdisjoint(amr)


def is_phishing_resistant(amr: Iterable[str]) -> bool:
    return not PHISHING_RESISTANT_AMR.isdisjoint(amr)


def is_emergency(amr: Iterable[str]) -> bool:
    return EMERGENCY_AMR in amr


def acr_for(amr: Iterable[str]) -> str:
    methods = set(amr)
    if is_phishing_resistant(methods):
        return ACR_PHISHING_RESISTANT
    return ACR_MFA if has_second_factor(methods) else ACR_PASSWORD

"""What an authentication proved: ``amr`` values (RFC 8176) to an ``acr`` value.

- ``pwd`` password; ``otp`` authenticator-app code or recovery code;
- ``hwk`` / ``swk``: a WebAuthn passkey or security key, device-bound (``hwk``) or synced
  between devices (``swk``); ``user``: the authenticator tested user presence; ``mfa``: two
  factors (password + key, or a key unlocked by user verification).

acr values: ``urn:idp:acr:pwd`` (password only), ``urn:idp:acr:mfa`` (a second factor),
``urn:idp:acr:phr`` (phishing-resistant: a WebAuthn key, bound to this site's origin).
"""

from __future__ import annotations

from collections.abc import Iterable

ACR_PASSWORD_ONLY = "urn:idp:acr:pwd"  # noqa: S105 (an acr value, not a secret)
ACR_MFA = "urn:idp:acr:mfa"
ACR_PHISHING_RESISTANT = "urn:idp:acr:phr"
#: Every acr value, weakest first (for discovery's ``acr_values_supported``).
ACR_VALUES = (ACR_PASSWORD_ONLY, ACR_MFA, ACR_PHISHING_RESISTANT)

#: amr values of a WebAuthn credential: a proof bound to our origin, so not phishable.
PHISHING_RESISTANT_AMR = frozenset({"hwk", "swk"})
SECOND_FACTOR_AMR = frozenset({"otp"}) | PHISHING_RESISTANT_AMR


def is_phishing_resistant(amr: Iterable[str]) -> bool:
    return not PHISHING_RESISTANT_AMR.isdisjoint(amr)


def has_second_factor(amr: Iterable[str]) -> bool:
    return not SECOND_FACTOR_AMR.isdisjoint(amr)


def acr_for(amr: Iterable[str]) -> str:
    methods = set(amr)
    if is_phishing_resistant(methods):
        return ACR_PHISHING_RESISTANT
    return ACR_MFA if has_second_factor(methods) else ACR_PASSWORD_ONLY

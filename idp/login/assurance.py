"""How strongly a person signed in, in the terms relying parties read: ``acr`` and ``amr``.

``amr`` values are RFC 8176 method names recorded at sign-in (``pwd``, ``otp``); the ``acr``
a token carries follows from them. The SSO session, ID tokens, access tokens and the
discovery document all take the mapping from here, so they never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable

ACR_PASSWORD = "urn:idp:acr:pwd"  # noqa: S105 - a URN, not a secret
ACR_MFA = "urn:idp:acr:mfa"
#: What discovery advertises as ``acr_values_supported`` (weakest first).
ACR_VALUES = (ACR_PASSWORD, ACR_MFA)
#: ``amr`` values that count as a second factor.
SECOND_FACTORS = frozenset({"otp"})


def has_second_factor(amr: Iterable[str]) -> bool:
    return not SECOND_FACTORS.isdisjoint(amr)


def acr_for(amr: Iterable[str]) -> str:
    return ACR_MFA if has_second_factor(amr) else ACR_PASSWORD

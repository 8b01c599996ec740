"""What the authorization endpoint does with a request Authlib has validated (client,
redirect URI, response type, scope, PKCE): ask for a sign-in, ask for consent, or issue a
code, from ``prompt``, ``max_age``, ``login_hint``, the SSO session and remembered consent.

:func:`decide` is pure (values in, one outcome out), so every combination is tested
without HTTP; :mod:`idp.oauth.authorize` carries the outcome out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

PROMPTS = frozenset({"none", "login", "consent", "select_account"})
#: A ``max_age`` longer than this many digits is beyond any session's age anyway.
MAX_AGE_DIGITS = 12


@dataclass(frozen=True)
class Params:
    """The authorization request's interaction parameters, as sent."""

    prompts: frozenset[str] = frozenset()
    max_age: str | None = None
    login_hint: str | None = None
    request_object: bool = False
    request_uri: bool = False
    #: The person's answer on the consent page (a POST), else None.
    decision: str | None = None

    @classmethod
    def from_values(cls, values: Mapping[str, str], *, decision: str | None = None) -> Params:
        return cls(
            prompts=frozenset(values.get("prompt", "").split()),
            max_age=values.get("max_age"),
            login_hint=values.get("login_hint") or None,
            request_object=bool(values.get("request")),
            request_uri=bool(values.get("request_uri")),
            decision=decision,
        )


@dataclass(frozen=True)
class Session:
    """The SSO session, when the person is signed in.

    ``reauth_after`` is set when this authorization request sent the person to sign in
    again: a sign-in after it satisfies ``prompt=login`` and ``max_age``, once."""

    auth_time: float
    reauth_after: float | None = None
    #: The person's role or office requires a phishing-resistant sign-in (a passkey) ...
    phishing_resistant_required: bool = False
    #: ... and this session's sign-in was one.
    phishing_resistant: bool = False

    def fresh(self) -> bool:
        return self.reauth_after is not None and self.auth_time >= self.reauth_after


@dataclass(frozen=True)
class Client:
    first_party: bool


# --- outcomes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Error:
    """An RFC 6749 / OIDC error sent back to the client's redirect URI."""

    error: str
    description: str


@dataclass(frozen=True)
class Login:
    """Send the person to sign in (again), then back to this request."""

    login_hint: str | None = None


@dataclass(frozen=True)
class SelectAccount(Login):
    """``prompt=select_account``: the sign-in page, where another account can be chosen."""


@dataclass(frozen=True)
class Consent:
    """Show the consent page for the requested scopes."""


@dataclass(frozen=True)
class Denied:
    """The person declined on the consent page (``access_denied`` to the client)."""


@dataclass(frozen=True)
class Issue:
    """Issue the code; ``save_consent`` when the person has just allowed the scopes."""

    save_consent: bool = False


Outcome = Error | Login | Consent | Denied | Issue


def parse_max_age(raw: str | None) -> int | None:
    """Seconds, ASCII digits only (``str.isdigit`` also accepts ``²`` and ``①``, which
    ``int`` refuses); None when absent. Raises ValueError otherwise."""
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise ValueError("max_age: seconds")
    return int(raw) if len(raw) <= MAX_AGE_DIGITS else 10**MAX_AGE_DIGITS


def check_request(params: Params) -> Error | None:
    """What this server refuses in any case: request objects, ``prompt=none`` with other
    prompts, a ``max_age`` that is not seconds."""
    if params.request_uri:
        return Error("request_uri_not_supported", "Request objects are not supported.")
    if params.request_object:
        return Error("request_not_supported", "Request objects are not supported.")
    if "none" in params.prompts and len(params.prompts) > 1:
        return Error("invalid_request", "prompt=none stands alone.")
    try:
        parse_max_age(params.max_age)
    except ValueError:
        return Error("invalid_request", "max_age: seconds.")
    return None


def needs_sign_in(params: Params, session: Session | None, now: float) -> bool:
    """Nobody signed in; or ``prompt=login|select_account`` or a sign-in older than
    ``max_age``, unless the person has just signed in again for this request."""
    if session is None:
        return True
    if session.fresh():
        return False
    if params.prompts & {"login", "select_account"}:
        return True
    max_age = parse_max_age(params.max_age)
    return max_age is not None and now - session.auth_time > max_age


def consent_remembered(
    params: Params, client: Client, consent: frozenset[str] | None, scopes: list[str]
) -> bool:
    """First-party clients never ask; others when every scope was allowed before, unless
    ``prompt=consent`` asks again."""
    if client.first_party:
        return True
    return "consent" not in params.prompts and consent is not None and set(scopes) <= consent


def decide(
    params: Params,
    session: Session | None,
    client: Client,
    consent: frozenset[str] | None,
    scopes: list[str],
    now: float,
) -> Outcome:
    """One outcome for a validated request.

    ``session`` is None when nobody is signed in; ``consent`` the scopes the person allowed
    this client before (None: never), ``scopes`` the scopes of this request."""
    refused = check_request(params)
    if refused is not None:
        return refused
    silent = "none" in params.prompts
    if needs_sign_in(params, session, now):
        if silent:
            return Error("login_required", "Sign-in is needed.")
        if "select_account" in params.prompts:
            return SelectAccount(params.login_hint)
        return Login(params.login_hint)
    if session is None:  # not reached: needs_sign_in is true without a session
        return Login(params.login_hint)
    if session.phishing_resistant_required and not session.phishing_resistant:
        if silent:
            return Error("login_required", "A sign-in with a passkey or security key is needed.")
        if session.fresh():
            # Signed in again for this request and still without a passkey: asking once more
            # would loop; the person has to add one first.
            return Error(
                "access_denied",
                "Your role needs a sign-in with a passkey or security key; add one on the "
                "two-step verification page first.",
            )
        return Login(params.login_hint)
    if consent_remembered(params, client, consent, scopes):
        return Issue()
    if silent:
        return Error("consent_required", "Consent is needed.")
    if params.decision is None:
        return Consent()
    if params.decision != "allow":
        return Denied()
    return Issue(save_consent=True)

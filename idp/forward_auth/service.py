"""The gateway's decision for one proxied request: allow (with identity), sign in, or refuse.

Plain values in (the original request as the proxy describes it, the signed-in identity or
None, the policy), a :class:`Decision` out. The view turns it into the response nginx or
Traefik expects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote, urlencode, urlsplit

from idp.errors import DomainError
from idp.forward_auth.policy import GatewayPolicy, normalize_host, normalize_path, path_variants

#: Characters left as they are in identity header values; everything else (non-ASCII, CR,
#: LF, '%') is percent-encoded UTF-8, so a display name can never break the header block.
_HEADER_SAFE = " !#$&'()*+,-./:;<=>?@[]^_`{|}~"


class BadProxyRequest(DomainError):
    """The proxy did not say which request it is asking about (a configuration error)."""


@dataclass(frozen=True)
class OriginalRequest:
    scheme: str
    host: str
    #: As sent (percent-encoded, with the query), for the way back after sign-in.
    raw_uri: str
    #: Decoded and resolved: the main reading of the path.
    path: str
    method: str
    #: Every reading of the path an upstream might act on (see ``path_variants``).
    variants: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}{self.raw_uri}"


@dataclass(frozen=True)
class Identity:
    user_id: str
    username: str
    email: str
    name: str
    org_id: str | None
    org_name: str | None
    org_npi: str | None
    #: Role in the active office, and a platform role such as security_admin.
    roles: tuple[str, ...]
    mfa: bool
    session: str
    #: The session's sign-in used a passkey or security key (``amr`` hwk/swk).
    phishing_resistant: bool = False
    #: A role or office of the person requires that (``access.mfa_policy``).
    phishing_resistant_required: bool = False
    #: The person has a passkey to step up with (else there is no point sending them).
    has_passkey: bool = False


@dataclass
class Decision:
    status: int
    reason: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)
    #: For browsers without a session: where to start signing in.
    sign_in_url: str | None = None
    route: str | None = None


def original_request(headers, fallback_method: str = "GET") -> OriginalRequest:
    """What the proxy is asking about: nginx sends X-Original-URL, Traefik X-Forwarded-*."""
    original_url = headers.get("X-Original-URL", "")
    method = (
        headers.get("X-Original-Method") or headers.get("X-Forwarded-Method") or fallback_method
    ).upper()
    if original_url:
        parts = urlsplit(original_url)
        scheme, netloc = parts.scheme.lower(), parts.netloc
        raw_uri = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    else:
        scheme = (headers.get("X-Forwarded-Proto") or "").split(",")[0].strip().lower()
        netloc = (headers.get("X-Forwarded-Host") or "").split(",")[0].strip()
        raw_uri = headers.get("X-Forwarded-Uri") or "/"
    if scheme not in ("http", "https") or not netloc or "@" in netloc:
        raise BadProxyRequest(
            "The proxy must send X-Original-URL (nginx) or X-Forwarded-Proto, "
            "X-Forwarded-Host and X-Forwarded-Uri (Traefik) with the original request."
        )
    if not raw_uri.startswith("/") or any(ord(c) < 33 for c in raw_uri):
        raise BadProxyRequest("The original request URI is not a path.")
    host = normalize_host(netloc, scheme)
    raw_path = raw_uri.split("?", 1)[0].split("#", 1)[0]
    return OriginalRequest(
        scheme=scheme,
        host=host,
        raw_uri=raw_uri,
        path=normalize_path(raw_path),
        method=method,
        variants=path_variants(raw_path),
    )


def header_value(value: str | None) -> str:
    return quote(value or "", safe=_HEADER_SAFE)


def identity_headers(identity: Identity) -> dict[str, str]:
    return {
        "X-Auth-User": header_value(identity.username),
        "X-Auth-User-Id": identity.user_id,
        "X-Auth-Email": header_value(identity.email),
        "X-Auth-Name": header_value(identity.name),
        "X-Auth-Office": identity.org_id or "",
        "X-Auth-Office-Name": header_value(identity.org_name),
        "X-Auth-Office-NPI": identity.org_npi or "",
        "X-Auth-Roles": ",".join(identity.roles),
        "X-Auth-MFA": "true" if identity.mfa else "false",
        "X-Auth-Session": identity.session,
    }


def start_url(public_base_url: str, return_url: str) -> str:
    """The IdP's sign-in start for the gateway, bringing the browser back to ``return_url``."""
    return f"{public_base_url.rstrip('/')}/forward-auth/start?{urlencode({'rd': return_url})}"


def step_up_url(public_base_url: str, return_url: str) -> str:
    """Sign in again (with a passkey) and come back through the gateway's start."""
    back = "/forward-auth/start?" + urlencode({"rd": return_url})
    query = urlencode({"reauth": "1", "next": back})
    return f"{public_base_url.rstrip('/')}/login?{query}"


def decide(
    policy: GatewayPolicy,
    original: OriginalRequest,
    identity: Identity | None,
    *,
    prefers_json: bool,
    public_base_url: str,
) -> Decision:
    matched = [policy.match(original.host, path) for path in original.variants or (original.path,)]
    routes = [route for route in matched if route is not None]
    if not routes or len(routes) != len(matched):
        return Decision(
            403,
            "no_route",
            "This address is not protected by the gateway; ask your administrator.",
        )
    route = routes[0]
    is_api = (
        any(r.api for r in routes)
        or policy.is_api_path(original.path)
        or prefers_json
        or original.method not in ("GET", "HEAD")
    )
    if identity is None:
        if is_api:
            return Decision(401, "login_required", "Sign in first.", route=route.name)
        return Decision(
            401,
            "login_required",
            "Sign in first.",
            sign_in_url=start_url(public_base_url, original.url),
            route=route.name,
        )
    for rule in routes:
        if rule.roles and not rule.roles.intersection(identity.roles):
            return Decision(
                403,
                "role_required",
                "Your role in the active office does not give access to this application.",
                route=rule.name,
            )
        if rule.mfa_required and not identity.mfa:
            return Decision(
                403,
                "mfa_required",
                "This application needs two-step verification: sign in with your second factor.",
                route=rule.name,
            )
    needs_key = identity.phishing_resistant_required or any(r.phishing_resistant for r in routes)
    if needs_key and not identity.phishing_resistant:
        wanted_by = next((r.name for r in routes if r.phishing_resistant), route.name)
        if identity.has_passkey:
            message = "This application needs a sign-in with your passkey or security key."
            step_up = None if is_api else step_up_url(public_base_url, original.url)
        else:
            message = (
                "This application needs a sign-in with a passkey or security key: add one on "
                f"{public_base_url.rstrip('/')}/mfa, then sign in with it."
            )
            step_up = None
        return Decision(
            403, "phishing_resistant_required", message, sign_in_url=step_up, route=wanted_by
        )
    return Decision(200, "ok", "", headers=identity_headers(identity), route=route.name)

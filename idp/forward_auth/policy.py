"""Gateway policy from configuration: which hosts and paths are protected, and how.

Read from ``[gateway]`` (flat settings) and its ``[gateway.routes.<name>]`` tables::

    [gateway.routes.claims]
    hosts = ["claims.plan.example.org"]     # host, or host:port when not the default port
    path_prefix = "/"                        # matched on whole path segments
    roles = ["billing", "office_admin"]      # any one, in the active office; empty: anyone
    mfa_required = false                     # the session must have used a second factor
    phishing_resistant = false               # ... and it must be a passkey or security key
    api = false                              # every request is an API call (401, no redirect)

A request is matched to the route of its host with the longest path prefix; a host or path
no route covers is refused (deny by default), and only configured hosts are ever redirected
back to after sign-in. Validated at start-up (``TABLE_VALIDATORS``).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from idp.config import TABLE_VALIDATORS, ConfigError

ROUTE_KEYS = {"hosts", "path_prefix", "roles", "mfa_required", "phishing_resistant", "api"}
_HOST = re.compile(
    r"^(?=.{1,253}(:|$))[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$"
)
_DEFAULT_PORTS = {"http": "80", "https": "443"}


@dataclass(frozen=True)
class Route:
    name: str
    hosts: tuple[str, ...]
    path_prefix: str
    roles: frozenset[str]
    mfa_required: bool
    api: bool
    phishing_resistant: bool = False

    def covers(self, path: str) -> bool:
        prefix = self.path_prefix.rstrip("/")
        return path == prefix or path.startswith(prefix + "/") or prefix == ""


def normalize_host(netloc: str, scheme: str = "") -> str:
    """Lower-case host[:port], without the scheme's default port."""
    host = netloc.strip().lower().rstrip(".")
    if ":" in host and not host.endswith("]"):
        name, _, port = host.rpartition(":")
        if _DEFAULT_PORTS.get(scheme) == port:
            return name.rstrip(".")
    return host


def normalize_path(raw_path: str) -> str:
    """The path a server will act on: percent-decoded, dot segments and '//' resolved.

    Matching on the decoded, resolved path means ``/public/../admin`` or ``/%61dmin`` are
    judged as ``/admin``, whatever the upstream application makes of them.
    """
    path = unquote(raw_path or "/")
    path = path.replace("\\", "/")
    normalized = posixpath.normpath("/" + path.lstrip("/"))
    if normalized.startswith("//"):
        normalized = "/" + normalized.lstrip("/")
    if path.endswith("/") and normalized != "/":
        normalized += "/"
    return normalized


def path_variants(raw_path: str) -> tuple[str, ...]:
    """Every way an upstream might read a raw path; the gateway applies all their routes.

    Upstreams differ: some decode ``%2F``, some resolve ``..``, some drop ``;params`` or
    ignore case, some stop at a NUL byte or drop trailing dots and spaces of a segment
    (Windows file names). Judging only one reading would let ``/public/..%2Fadmin`` past a rule an
    upstream applies to ``/admin``, so a request must satisfy the route of each reading.
    """
    raw = raw_path or "/"
    decoded = unquote(raw)
    resolved = normalize_path(raw)
    without_params = normalize_path(re.sub(r";[^/]*", "", decoded))
    segments = decoded.split("\x00", 1)[0].split("/")
    trimmed = normalize_path(
        "/".join(seg if seg in (".", "..") else seg.rstrip(". ") for seg in segments)
    )
    variants = [resolved, raw, decoded, without_params, trimmed, resolved.lower()]
    return tuple(dict.fromkeys(variants))


class GatewayPolicy:
    def __init__(self, routes: list[Route], api_prefixes: tuple[str, ...]):
        self.routes = routes
        self.api_prefixes = api_prefixes

    @classmethod
    def from_settings(cls, settings) -> GatewayPolicy:
        routes = [
            Route(
                name=name,
                hosts=tuple(h.lower() for h in body["hosts"]),
                path_prefix=body.get("path_prefix", "/"),
                roles=frozenset(body.get("roles", [])),
                mfa_required=bool(body.get("mfa_required", False)),
                api=bool(body.get("api", False)),
                phishing_resistant=bool(body.get("phishing_resistant", False)),
            )
            for name, body in settings.table("gateway").get("routes", {}).items()
        ]
        return cls(routes, tuple(settings.gateway_api_path_prefixes))

    def host_allowed(self, host: str) -> bool:
        return any(host in route.hosts for route in self.routes)

    def match(self, host: str, path: str) -> Route | None:
        candidates = [r for r in self.routes if host in r.hosts and r.covers(path)]
        return max(candidates, key=lambda r: len(r.path_prefix.rstrip("/")), default=None)

    def is_api_path(self, path: str) -> bool:
        return any(path.startswith(prefix) for prefix in self.api_prefixes)


def valid_return_url(url: str, policy: GatewayPolicy, *, https_only: bool = False) -> str | None:
    """``url`` when it is an absolute http(s) URL on a host the gateway protects, else None.

    ``https_only`` (an IdP served over https): never send a signed-in browser to plain http.
    """
    if not url or any(ord(c) < 33 for c in url) or "\\" in url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.netloc or "@" in parts.netloc:
        return None
    if https_only and parts.scheme != "https":
        return None
    if not policy.host_allowed(normalize_host(parts.netloc, parts.scheme)):
        return None
    return url


def _validate_gateway(values: dict[str, Any], tables: dict[str, Any]) -> None:
    prefixes = values.get("gateway_api_path_prefixes", [])
    for prefix in prefixes:
        if not isinstance(prefix, str) or not prefix.startswith("/"):
            raise ConfigError(
                f"IDP_GATEWAY_API_PATH_PREFIXES: each must be a path starting with '/'; "
                f"got {prefix!r}"
            )
    gateway = tables.get("gateway", {})
    unknown = set(gateway) - {"routes"}
    if unknown:
        raise ConfigError(f"[gateway]: unknown table(s) {', '.join(sorted(unknown))}")
    known_roles = set(tables.get("roles", {}))
    for name, body in gateway.get("routes", {}).items():
        where = f"[gateway.routes.{name}]"
        if not isinstance(body, dict):
            raise ConfigError(f"{where}: must be a table")
        extra = set(body) - ROUTE_KEYS
        if extra:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(extra))}")
        hosts = body.get("hosts")
        if not isinstance(hosts, list) or not hosts:
            raise ConfigError(f"{where}.hosts: must be a non-empty list of host names")
        for host in hosts:
            if not isinstance(host, str) or not _HOST.match(host.lower()):
                raise ConfigError(
                    f"{where}.hosts: {host!r} is not a host name (host or host:port, "
                    "no scheme or path)"
                )
        prefix = body.get("path_prefix", "/")
        if (
            not isinstance(prefix, str)
            or not prefix.startswith("/")
            or normalize_path(prefix).rstrip("/") != prefix.rstrip("/")
        ):
            raise ConfigError(f"{where}.path_prefix: must be a plain path starting with '/'")
        roles = body.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise ConfigError(f"{where}.roles: must be a list of role names")
        missing = [r for r in roles if r not in known_roles]
        if missing:
            raise ConfigError(
                f"{where}.roles: unknown role(s) {', '.join(missing)} (see [roles.*])"
            )
        for key in ("mfa_required", "phishing_resistant", "api"):
            if not isinstance(body.get(key, False), bool):
                raise ConfigError(f"{where}.{key}: must be true or false")


TABLE_VALIDATORS.append(_validate_gateway)

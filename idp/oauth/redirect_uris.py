"""Which URIs a client may register: redirect and post-logout redirect URIs (RFC 9700 §2.1,
§2.6 and §4.1; RFC 8252 §7-8), back-channel logout and launch URLs; these rules decide what
can be registered in the first place, on every path that creates or changes a client. And
whether a redirect URI of an authorization request is registered (:func:`is_registered`):
exact string matching, but for the port of a native app's loopback redirect.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from idp.errors import DomainError

#: Loopback IP literals (RFC 8252 §7.3). ``localhost`` is refused: a name can resolve
#: elsewhere, and RFC 8252 §8.3 calls it NOT RECOMMENDED.
LOOPBACK_HOSTS = ("127.0.0.1", "::1")
#: Host names (letters, digits, '-', '.') and IPv6 literals: nothing a browser might read
#: differently from us (no backslash, "%" or other punctuation).
HOST_RE = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?|[0-9a-f:.]+")


def local_install(public_base_url: str) -> bool:
    """The idp itself is served over plain http on this machine (development, ``idp demo``):
    nothing crosses a network, so local web apps may take loopback redirects too."""
    parts = urlsplit(public_base_url)
    return parts.scheme == "http" and parts.hostname in (*LOOPBACK_HOSTS, "localhost")


def check_uri(
    uri: str,
    field: str,
    *,
    allow_custom_scheme: bool,
    allow_loopback_http: bool = False,
    redirect: bool = True,
    max_length=2000,
) -> str:
    """Refuse what RFC 9700 §2.1, §2.6, §4.1 and RFC 8252 §7-8 rule out for a registered URI.

    Everywhere: no user-info (``https://a@b/``), no ``*`` in the host, no fragment, no
    control or non-ASCII characters, a host present. Redirect URIs (also post-logout ones):
    https; http on a loopback IP literal only where ``allow_loopback_http`` (public, i.e.
    native, clients: RFC 8252 §7.3); a private-use scheme (``com.example.app:/cb``) only
    where ``allow_custom_scheme`` (public clients). Back-channel logout and launch URLs are
    not redirect targets and may also use plain http.
    """
    if len(uri) > max_length:
        raise DomainError(f"{uri[:60]}...: at most {max_length} characters", field=field)
    if any(ch.isspace() or not ch.isprintable() for ch in uri):
        raise DomainError(f"{uri!r}: spaces and control characters are not allowed", field=field)
    if not uri.isascii():
        raise DomainError(f"{uri!r}: only ASCII characters (percent-encode the rest)", field=field)
    try:
        parts = urlsplit(uri)
        host = parts.hostname
        parts.port  # noqa: B018 - a port that is not a number from 0 to 65535 raises here
    except ValueError:
        raise DomainError(f"{uri}: not a valid URI", field=field) from None
    if "#" in uri:
        raise DomainError(f"{uri}: a redirect URI must not have a fragment", field=field)
    if "@" in parts.netloc:
        raise DomainError(f"{uri}: user-info (name@host) is not allowed", field=field)
    if "*" in parts.netloc:
        raise DomainError(f"{uri}: wildcards are not allowed; register each URI", field=field)
    if "\\" in uri or (host and not HOST_RE.fullmatch(host)):
        raise DomainError(f"{uri}: not a valid host name", field=field)
    if parts.scheme in ("http", "https"):
        if not host:
            raise DomainError(f"{uri}: the URI has no host", field=field)
        if parts.scheme == "https" or not redirect:
            return uri
        if host in LOOPBACK_HOSTS:
            if allow_loopback_http:
                return uri
            raise DomainError(
                f"{uri}: plain http on loopback is only for public (native) clients, or while "
                "the idp itself runs on http://127.0.0.1 (development); use https",
                field=field,
            )
        if host == "localhost":
            raise DomainError(
                f"{uri}: use http://127.0.0.1 or http://[::1] instead of localhost (RFC 8252 §8.3)",
                field=field,
            )
        raise DomainError(
            f"{uri}: plain http is allowed only on loopback (127.0.0.1, [::1]); use https",
            field=field,
        )
    if allow_custom_scheme and "." in parts.scheme and not parts.netloc and parts.path:
        return uri  # private-use scheme of a native app (RFC 8252 §7.1)
    raise DomainError(f"{uri}: not an absolute https (or loopback http) redirect URI", field=field)


def is_registered(requested: str, registered: Sequence[str], *, native: bool) -> bool:
    """Whether ``requested`` names one of the ``registered`` redirect URIs.

    Exact string comparison (RFC 9700 §2.1, §4.1.3), with the one exception both RFC 9700
    §2.1 and RFC 8252 §7.3 require: a native app (a public client) listens on a loopback
    port the operating system picks when it starts, so for ``http`` on a loopback IP literal
    the port of the request may be any; everything else (scheme, host, path, query) still
    matches exactly, and the port must be written plainly (digits, no leading zero)."""
    if requested in registered:
        return True
    if not native:
        return False
    bare = _without_loopback_port(requested)
    return bare is not None and any(_without_loopback_port(uri) == bare for uri in registered)


_LOOPBACK_NETLOC = re.compile(
    "(" + "|".join(re.escape(f"[{h}]" if ":" in h else h) for h in LOOPBACK_HOSTS) + ")"
    r"(?::([1-9][0-9]{0,4}))?"
)


def _without_loopback_port(uri: str) -> str | None:
    """``uri`` without its port when it is http on a loopback IP literal; else None."""
    if not uri.startswith("http://"):
        return None
    netloc, slash, rest = uri[len("http://") :].partition("/")
    found = _LOOPBACK_NETLOC.fullmatch(netloc)
    if found is None or (found[2] is not None and int(found[2]) > 65535):
        return None
    return f"http://{found[1]}{slash}{rest}"

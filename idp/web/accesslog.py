"""Gunicorn access log without the secrets that travel in URLs.

Emailed links carry their single-use token in the path (password reset, unlock, invitation,
email confirmation) and RP-initiated logout may carry an ID token in the query; a log line
must not hand either to whoever reads the logs. Every logged value is redacted, whatever the
configured log format."""

from __future__ import annotations

import functools
import re
import traceback

from gunicorn.glogging import Logger

REDACTED = "[redacted]"

_TOKEN_IN_PATH = re.compile(
    r"(/(?:reset-password|unlock|invitations|verify-email)/)(?!resend\b)[^/?#\s\"]+"
)
_TOKEN_IN_QUERY = re.compile(r"((?:^|[?&])id_token_hint=)[^&#\s\"]*")


#: Substrings each pattern needs: most values (every atom of every request) have none, and
#: checking for them is several times cheaper than running the substitutions.
_MARKERS = ("reset-password/", "unlock/", "invitations/", "verify-email/", "id_token_hint=")


def redact(value: str) -> str:
    if not any(marker in value for marker in _MARKERS):
        return value
    value = _TOKEN_IN_PATH.sub(r"\1" + REDACTED, value)
    return _TOKEN_IN_QUERY.sub(r"\1" + REDACTED, value)


_FORMAT_KEY = re.compile(r"%\(([^)]*)\)")


@functools.lru_cache(maxsize=8)
def format_keys(log_format: str) -> tuple[str, ...]:
    """The atoms a log format names, as gunicorn looks them up (``{header}i`` lower-cased)."""
    keys = _FORMAT_KEY.findall(log_format)
    return tuple(k.lower() if k.startswith("{") else k for k in dict.fromkeys(keys))


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {k: redact(v) if isinstance(v, str) else v for k, v in atoms.items()}

    def access(self, resp, req, environ, request_time):
        """gunicorn's access line, redacting (and quoting) only the atoms the format names:
        about forty atoms (every header and environ value) are built per request, and
        running each through :func:`redact` cost about a tenth of a token request."""
        if not self.access_log_enabled:
            return
        log_format = self.cfg.access_log_format
        atoms = Logger.atoms(self, resp, req, environ, request_time)
        used = {k: atoms[k] for k in format_keys(log_format) if k in atoms}
        safe = self.atoms_wrapper_class(
            {k: redact(v) if isinstance(v, str) else v for k, v in used.items()}
        )
        try:
            self.access_log.info(log_format, safe)
        except Exception:  # noqa: BLE001 - gunicorn's own handling of a bad format
            self.error(traceback.format_exc())

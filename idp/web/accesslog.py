"""Gunicorn access log without the secrets that travel in URLs.

Emailed links carry their single-use token in the path (password reset, unlock, invitation,
email confirmation) and RP-initiated logout may carry an ID token in the query; a log line
must not hand either to whoever reads the logs. Every logged value is redacted, whatever the
configured log format."""

from __future__ import annotations

import re

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


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {k: redact(v) if isinstance(v, str) else v for k, v in atoms.items()}

"""Domain errors: a rule refused a request. No HTTP here; ``idp.web.errors`` maps each kind
to a status and a response shape, the CLI to a one-line message and exit status 1."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the request; the message is safe to show.

    ``code`` is the machine-readable reason (an OAuth error code where one fits)."""

    code = "invalid_request"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class Unauthenticated(DomainError):
    """The caller has not (or not recently enough) proved who they are."""

    code = "login_required"


class Forbidden(DomainError):
    code = "forbidden"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class Gone(DomainError):
    """A link or record that existed has ended (expired, used, revoked)."""

    code = "gone"


class Unavailable(DomainError):
    """A dependency (database, shared state, mail) cannot be reached just now."""

    code = "temporarily_unavailable"

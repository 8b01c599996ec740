"""The catalogue of audit events: name -> (outcome, meaning).

``record`` takes the outcome from here when the caller does not give one; ``docs/audit.md``
lists the same table and ``tests/unit/audit/test_event_catalogue.py`` drives each event
named there through the code that writes it. Areas may write events not (yet) listed:
their outcome is ``failure`` when the name says so (see :func:`default_outcome`).
"""

from __future__ import annotations

SUCCESS, FAILURE = "success", "failure"

EVENTS: dict[str, tuple[str, str]] = {
    # authentication
    "login.succeeded": (SUCCESS, "A person finished signing in (amr: pwd, otp)."),
    "login.failed": (
        FAILURE,
        "A sign-in step failed; reason: unknown_user, bad_password, "
        "bad_code (second factor), locked, status_<status>.",
    ),
    "mfa.verified": (SUCCESS, "A second factor was accepted (method: totp or recovery_code)."),
    "mfa.recovery_code_used": (
        SUCCESS,
        "A recovery code was spent (remaining: how many are left).",
    ),
    "mfa.enrolled": (SUCCESS, "A person set up an authenticator app."),
    "lockout.locked": (
        FAILURE,
        "Too many failures from one source locked the account for that source (minutes).",
    ),
    "account.locked": (SUCCESS, "The account was locked for every source (failure ceiling)."),
    "account.unlocked": (SUCCESS, "The account was unlocked (method: email_link, security_admin)."),
    "password.reset_requested": (SUCCESS, "A password-reset link was mailed."),
    "password.reset": (SUCCESS, "A password was reset with an emailed link (sessions ended)."),
    # emergency access (break-glass, docs/emergency-access.md)
    "emergency.access_granted": (
        SUCCESS,
        "A security admin signed in with their sealed emergency code (amr, alerted: how "
        "many other security admins were mailed, minutes: the session's lifetime).",
    ),
    "emergency.access_failed": (
        FAILURE,
        "Emergency access was refused; reason: unknown_user, bad_password, not_eligible, "
        "no_code, bad_code, code_used, locked, status_<status>, not_alerted.",
    ),
    "emergency.code_issued": (
        SUCCESS,
        "The operator issued a security admin a new emergency code (replaced: earlier "
        "unused codes revoked).",
    ),
    "emergency.code_revoked": (SUCCESS, "The operator revoked a security admin's unused code."),
    # sessions
    "session.signed_out": (SUCCESS, "A person signed out (this browser's SSO session ended)."),
    "session.expired": (
        SUCCESS,
        "An SSO session was found expired (reason: idle or absolute) and ended; automatic logoff.",
    ),
    "session.ended": (SUCCESS, "A person ended one of their sessions from the account page."),
    "session.ended_all": (SUCCESS, "A person signed out everywhere (count: sessions ended)."),
    "session.ended_by_admin": (
        SUCCESS,
        "A security admin ended someone's session (console, API or CLI; session; before -> after).",
    ),
    # tokens and clients
    "oauth.token.issued": (
        SUCCESS,
        "The token endpoint issued tokens (grant_type, client, "
        "office, scope, refresh: whether a refresh token came too); never "
        "a token value.",
    ),
    "oauth.token.revoked": (SUCCESS, "A client revoked an access token (RFC 7009; jti)."),
    "oauth.client_auth.failed": (
        FAILURE,
        "A client failed to authenticate at the token, "
        "introspection or revocation endpoint (method, endpoint).",
    ),
    "oauth.client.disabled": (
        SUCCESS,
        "An administrator disabled a client (its refresh tokens end; before -> after).",
    ),
    "oauth.client.updated": (SUCCESS, "An administrator changed a client (before -> after)."),
    # access review and inactivity
    "access_review.confirmed": (
        SUCCESS,
        "An office administrator confirmed that a member still needs access (next_due_at).",
    ),
    "access_review.removed": (
        SUCCESS,
        "An office administrator removed a member in the access review (role).",
    ),
    "access_review.reminded": (
        SUCCESS,
        "The office's administrators were reminded of members coming due (membership_ids).",
    ),
    "access_review.suspended": (
        SUCCESS,
        "A membership left unconfirmed past its grace period was deactivated (due_at).",
    ),
    "account.inactivity_notice": (
        SUCCESS,
        "The person was warned that their unused account will be disabled (disable_on).",
    ),
    "account.disabled_inactive": (
        SUCCESS,
        "An account unused for the configured days was disabled (unused_since, days).",
    ),
    # the audit trail itself
    "audit.viewed": (
        SUCCESS,
        "Someone read the audit log (console, office page or API; filters, page, office "
        "scope; entry: one entry's details).",
    ),
    "audit.exported": (
        SUCCESS,
        "Someone exported the audit log (format, filters, office scope).",
    ),
    "audit.purged": (
        SUCCESS,
        "Entries older than the retention were deleted; the checkpoint "
        "(through_seq, through_hash) the remaining chain starts from.",
    ),
}

_FAILURE_SUFFIXES = (".failed", ".refused", ".denied", ".rejected", "_refused", "_failed")


def default_outcome(event: str) -> str:
    known = EVENTS.get(event)
    if known is not None:
        return known[0]
    return FAILURE if event.endswith(_FAILURE_SUFFIXES) else SUCCESS

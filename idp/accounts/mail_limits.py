"""Per-recipient and per-account limits on the mails anyone can make us send.

The per-IP limits (``idp.security.limits``) stop one address from hammering a form; these
stop many addresses from flooding one inbox (a reset, username or verification mail per
request). Same mechanism as the IP limiter: a fixed-window counter on the shared state, so
the count holds across workers and instances on either backend. Past the limit no mail goes
out, and the caller answers exactly as when it sends one (no enumeration, no tell).

One count per recipient address, whatever the kind of mail, and one per account (an email
change sends to new addresses each time, so the address alone would not bound it).
"""

from __future__ import annotations

import logging

from idp import audit
from idp.common.tokens import token_hash
from idp.state.base import SharedState

log = logging.getLogger(__name__)

#: The last three are for the areas that send them (registration notices to a known
#: address, office invitations, unlock links) to call ``allow`` as well.
KINDS = (
    "password_reset",
    "username_reminder",
    "verification",
    "email_change",
    "registration_notice",
    "invitation",
    "unlock",
)


class MailLimits:
    def __init__(self, state: SharedState, settings):
        self.state = state
        self.settings = settings

    def _over(self, key: str, limit: int) -> tuple[bool, bool]:
        """(past the limit, first request past it in this window)."""
        count = self.state.incr(key, ttl=self.settings.auth_mail_limit_window_minutes * 60)
        return count > limit, count == limit + 1

    def allow(
        self,
        kind: str,
        *,
        recipient: str,
        account_id: str | None = None,
        ip: str | None = None,
    ) -> bool:
        """Count one mail of ``kind``; False when the recipient or the account is past its
        limit. The first refusal in a window is audited (added to the caller's unit of work),
        every refusal logged."""
        if kind not in KINDS:
            raise ValueError(f"unknown mail kind {kind!r}")
        over_to, first_to = self._over(
            f"maillimit:to:{token_hash(recipient.strip().lower())}",
            self.settings.auth_mail_limit_per_recipient,
        )
        over_account, first_account = (
            self._over(f"maillimit:account:{account_id}", self.settings.auth_mail_limit_per_account)
            if account_id
            else (False, False)
        )
        if not (over_to or over_account):
            return True
        log.info("mail limit: %s mail for account %s not sent (from %s)", kind, account_id, ip)
        if first_to or first_account:
            audit.record(
                "mail.limited",
                subject_id=account_id,
                ip=ip,
                kind=kind,
                per="recipient" if over_to else "account",
            )
        return False

"""What goes with a change to offices and memberships: its email, and the hooks other areas
hang on a membership ending or changing role.

Services own their unit of work. Where a change and its email belong together the rows are
flushed first, the mail is sent (``send_or_undo``), then the transaction commits; a mail
failure rolls everything back, so a refused request leaves nothing half-written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from idp.errors import Unavailable
from idp.extensions import db

log = logging.getLogger(__name__)

#: Called after commit with (user_id, org_id) when a membership ends or changes role, so
#: other areas can act (the OAuth area refuses that office's refresh tokens).
MEMBERSHIP_CHANGED_HOOKS: list[Callable[[str, str], None]] = []


class MailUnavailable(Unavailable):
    pass


def send_or_undo(send: Callable[[], None]) -> None:
    """Send mail inside the open transaction; on failure undo the transaction."""
    try:
        send()
    except Exception as exc:
        db.session.rollback()
        log.warning("mail delivery failed: %s", exc)
        raise MailUnavailable(
            "We could not send the email just now, so nothing was saved. Try again shortly."
        ) from exc


def membership_changed(user_id: str, org_id: str) -> None:
    """Run the hooks (after commit); a failing hook is logged, never undoes the change."""
    for hook in MEMBERSHIP_CHANGED_HOOKS:
        try:
            hook(user_id, org_id)
        except Exception:
            log.exception("membership hook failed")

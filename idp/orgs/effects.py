"""What goes with a change to offices and memberships: its email, and the hooks other areas
hang on a membership ending or changing role.

Services own their unit of work. Where a change and its email belong together the rows are
flushed first, the mail is sent (``send_or_undo``), then the transaction commits; a mail
failure rolls everything back, so a refused request leaves nothing half-written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from idp.audit import record
from idp.common.jobs import claimed
from idp.errors import Unavailable
from idp.extensions import db
from idp.login.privileges import note_changed
from idp.orgs.models import Membership

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


def claimed_change(won: bool, member: Membership, event: str, **data) -> bool:
    """A membership changed by a job's claim (a bulk UPDATE, won by one run): roll back when
    this run lost it; else record ``event`` with it, tell the person's sessions (the ORM
    events cannot see a bulk UPDATE), commit and run the hooks. Whether this run won."""

    def effects() -> None:
        record(
            event,
            subject_id=member.user_id,
            org_id=member.org_id,
            membership_id=member.id,
            role=member.role,
            **data,
        )
        note_changed(member.user_id)

    if not claimed(won, effects):
        return False
    membership_changed(member.user_id, member.org_id)
    return True

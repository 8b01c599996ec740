"""``idp sessions``: a person's SSO sessions, for security administrators."""

from __future__ import annotations

import click

from idp.admin import sessions as service
from idp.admin import user_actions
from idp.admin.views.common import sessions
from idp.api import serialize
from idp.api.cli_common import actor, admin_command, find_user, run, settings, show, table


@click.group("sessions")
def cli() -> None:
    """List a person's sessions and end one (security admins)."""


@admin_command(cli, "list", "user")
def list_command(user, as_user, as_json):
    """USER's live sessions (id or username), most recent first."""
    target = find_user(user)
    found = run(
        lambda: service.for_user(settings(), actor(as_user), target.id, sessions=sessions())
    )
    items = [serialize.session(s) for s in found]
    show(
        {"items": items},
        as_json,
        lambda d: table(d["items"], ["id", "device", "ip", "office_name", "last_seen_at"]),
    )


@admin_command(cli, "end", "user", "session_id")
def end_command(user, session_id, as_user, as_json):
    """End USER's session SESSION_ID (its clients are told: back-channel logout).

    Session ids may start with "-": put "--" before the arguments
    (``idp sessions end --as ADMIN -- USER SESSION_ID``)."""
    target = find_user(user)
    run(lambda: user_actions.end_session(actor(as_user), target.id, session_id))
    show({"ended": session_id} if as_json else "The session ended.", as_json)

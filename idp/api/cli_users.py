"""``idp users``: people, for security administrators (the console's users pages)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from idp.admin import users as service
from idp.admin.views.common import on_session_end, sessions
from idp.api import serialize
from idp.api.cli_common import actor, as_option, find_user, json_option, run, settings, show, table
from idp.security import runtime

COLUMNS = ["username", "display_name", "email", "status", "last_sign_in_at"]


@click.group("users")
def cli() -> None:
    """Search people and lock, disable, reset MFA or sign them out (security admins)."""


@cli.command("search")
@click.argument("query", default="")
@click.option("--status", default=None, help="active, pending_email, locked or disabled.")
@click.option("--page", default=1, type=click.IntRange(1, 999999))
@as_option
@json_option
@with_appcontext
def search_command(query, status, page, as_user, as_json):
    """People whose name, username, email, office or NPI matches QUERY (25 a page)."""
    found = run(lambda: service.search(settings(), actor(as_user), query, status=status, page=page))
    data = {
        "items": [serialize.user_brief(u) for u in found.items],
        "page": found.page,
        "pages": found.pages,
        "total": found.total,
    }
    show(
        data,
        as_json,
        lambda d: (
            table(d["items"], COLUMNS) + f"\npage {d['page']} of {d['pages']}, {d['total']} in all"
        ),
    )


@cli.command("show")
@click.argument("user")
@as_option
@json_option
@with_appcontext
def show_command(user, as_user, as_json):
    """Status, last sign-in, MFA and memberships of USER (id or username)."""
    target = find_user(user)
    details = run(lambda: service.details(settings(), actor(as_user), target.id, mfa=runtime.mfa()))
    show(serialize.user_details(details), as_json)


def _action(name: str, call, done: str):
    @cli.command(name, help=done)
    @click.argument("user")
    @as_option
    @json_option
    @with_appcontext
    def command(user, as_user, as_json):
        target = find_user(user)
        run(lambda: call(actor(as_user), target.id))
        details = service.details(settings(), actor(as_user), target.id, mfa=runtime.mfa())
        show(serialize.user_details(details) if as_json else done, as_json)

    return command


_action(
    "lock",
    lambda who, uid: service.lock(
        settings(),
        who,
        uid,
        locks=runtime.account_locks(),
        sessions=sessions(),
        on_end=on_session_end,
    ),
    "Locked; every session and grant ended; the owner was mailed an unlock link.",
)
_action(
    "unlock",
    lambda who, uid: service.unlock(settings(), who, uid, locks=runtime.account_locks()),
    "Unlocked.",
)
_action(
    "disable",
    lambda who, uid: service.disable(
        settings(), who, uid, sessions=sessions(), on_end=on_session_end
    ),
    "Disabled; every session and grant ended.",
)
_action("enable", lambda who, uid: service.enable(settings(), who, uid), "Enabled.")
_action(
    "reset-mfa",
    lambda who, uid: service.reset_mfa(
        settings(), who, uid, mfa=runtime.mfa(), mailer=runtime.mailer()
    ),
    "Two-step verification reset; the person was mailed.",
)
_action(
    "password-reset",
    lambda who, uid: service.send_password_reset(settings(), who, uid, recovery=runtime.recovery()),
    "A password-reset link was mailed.",
)
_action(
    "sign-out-everywhere",
    lambda who, uid: service.sign_out_everywhere(
        settings(), who, uid, sessions=sessions(), on_end=on_session_end
    ),
    "Every session ended.",
)

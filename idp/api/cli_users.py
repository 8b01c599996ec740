"""``idp users``: people, for security administrators (the console's users pages)."""

from __future__ import annotations

import click

from idp import services
from idp.admin import users as service
from idp.admin.user_actions import USER_ACTIONS
from idp.api import serialize
from idp.api.cli_common import actor, admin_command, find_user, run, settings, show, table

COLUMNS = ["username", "display_name", "email", "status", "last_sign_in_at"]


@click.group("users")
def cli() -> None:
    """Search people and lock, disable, reset MFA or sign them out (security admins)."""


@admin_command(cli, "search")
@click.argument("query", default="")
@click.option("--status", default=None, help="active, pending_email, locked or disabled.")
@click.option("--page", default=1, type=click.IntRange(1, 999999))
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


@admin_command(cli, "show", "user")
def show_command(user, as_user, as_json):
    """Status, last sign-in, MFA and memberships of USER (id or username)."""
    target = find_user(user)
    details = run(
        lambda: service.details(settings(), actor(as_user), target.id, mfa=services.mfa())
    )
    show(serialize.user_details(details), as_json)


DONE = {
    "lock": "Locked; every session and grant ended; the owner was mailed an unlock link.",
    "unlock": "Unlocked.",
    "disable": "Disabled; every session and grant ended.",
    "enable": "Enabled.",
    "reset-mfa": "Two-step verification reset; the person was mailed.",
    "password-reset": "A password-reset link was mailed.",
    "sign-out-everywhere": "Every session ended.",
}


def _action(name: str):
    done = DONE[name]

    @admin_command(cli, name, "user", help=done)
    def command(user, as_user, as_json):
        target, who = find_user(user), actor(as_user)
        run(lambda: USER_ACTIONS[name](who, target.id, None))
        details = service.details(settings(), who, target.id, mfa=services.mfa())
        show(serialize.user_details(details) if as_json else done, as_json)

    return command


for _name in USER_ACTIONS:
    _action(_name)

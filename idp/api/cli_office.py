"""``idp orgs members|member|invitations|invite ...``: an office's members and invitations,
acting as one of its administrators (``--as``); the same services as the office pages."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from idp import services
from idp.api import serialize
from idp.api.cli_common import actor, as_option, run, settings, show, table
from idp.common.cli import json_option
from idp.orgs import bulk, invitations, members
from idp.orgs.cli import cli
from idp.orgs.office_actions import INVITATION_ACTIONS, MEMBER_ACCOUNT_ACTIONS

__all__ = ["cli"]
MEMBER_COLUMNS = ["id", "username", "role", "state", "access_ends_on", "last_sign_in_at", "has_mfa"]


def _member(who, org_id: str, membership_id: str) -> dict:
    return serialize.member(members.member_details(settings(), who, org_id, membership_id))


@cli.command("members")
@click.argument("org_id")
@click.option("--page", default=1, type=click.IntRange(1, 999999))
@as_option
@json_option
@with_appcontext
def members_command(org_id, page, as_user, as_json):
    """The office's members with role, state, last sign-in and MFA."""
    found = run(lambda: members.list_members(settings(), actor(as_user), org_id, page=page))
    data = {
        "items": [serialize.member(r) for r in found.rows],
        "page": found.page,
        "pages": found.pages,
        "total": found.total,
    }
    show(data, as_json, lambda d: table(d["items"], MEMBER_COLUMNS))


@cli.command("member")
@click.argument("org_id")
@click.argument("membership_id")
@as_option
@json_option
@with_appcontext
def member_command(org_id, membership_id, as_user, as_json):
    """One member of the office."""
    show(run(lambda: _member(actor(as_user), org_id, membership_id)), as_json)


def _member_change(name: str, doc: str, call, *extra_params):
    def command(org_id, membership_id, as_user, as_json, **values):
        who = actor(as_user)
        run(lambda: call(who, org_id, membership_id, **values))
        show(_member(who, org_id, membership_id), as_json)

    for decorator in reversed(
        [
            cli.command(name, help=doc),
            click.argument("org_id"),
            click.argument("membership_id"),
            *extra_params,
            as_option,
            json_option,
            with_appcontext,
        ]
    ):
        command = decorator(command)
    return command


_member_change(
    "set-role",
    "Give the member another office role (promote / demote).",
    lambda who, o, m, role: members.change_role(settings(), who, o, m, role),
    click.argument("role"),
)
_member_change(
    "deactivate",
    "End the member's access to this office (their other offices are untouched).",
    lambda who, o, m: members.deactivate_member(settings(), who, o, m),
)
_member_change(
    "reactivate",
    "Give a deactivated member their access back.",
    lambda who, o, m: members.reactivate_member(settings(), who, o, m),
)
_member_change(
    "end-access",
    "Set the last day of access (YYYY-MM-DD, UTC), or clear it with --clear.",
    lambda who, o, m, day, clear, confirm: members.set_access_end(
        settings(),
        who,
        o,
        m,
        None if clear else members.parse_end_date(day),
        clock=services.clock(),
        confirm=confirm,
    ),
    click.argument("day", required=False, default=""),
    click.option("--clear", is_flag=True, help="No end date."),
    click.option("--confirm", is_flag=True, help="A day that has passed: end access now."),
)
for _name, _action in MEMBER_ACCOUNT_ACTIONS.items():
    _member_change(
        _name, _action.summary + ".", lambda who, o, m, run=_action.run: run(who, o, m, None)
    )


@cli.command("remove")
@click.argument("org_id")
@click.argument("membership_id")
@click.option("--yes", is_flag=True, help="Confirm: the affiliation is removed at once.")
@as_option
@with_appcontext
def remove_command(org_id, membership_id, yes, as_user):
    """Remove the affiliation with this office (the person keeps their other offices)."""
    if not yes:
        raise click.ClickException("removing a member takes effect at once; add --yes")
    run(lambda: members.remove_member(settings(), actor(as_user), org_id, membership_id))
    click.echo("The member was removed from this office.")


@cli.command("invitations")
@click.argument("org_id")
@as_option
@json_option
@with_appcontext
def invitations_command(org_id, as_user, as_json):
    """The office's invitations, newest first."""
    now = services.clock().now()
    found = run(lambda: invitations.invitations_of(settings(), actor(as_user), org_id))
    items = [serialize.invitation(i, now) for i in found]
    show(
        {"items": items},
        as_json,
        lambda d: table(d["items"], ["id", "email", "role", "state", "expires_at"]),
    )


@cli.command("invite")
@click.argument("org_id")
@click.argument("email")
@click.argument("role")
@as_option
@json_option
@with_appcontext
def invite_command(org_id, email, role, as_user, as_json):
    """Invite EMAIL to the office with ROLE (mailed a link)."""
    inv = run(
        lambda: invitations.invite(
            settings(),
            actor(as_user),
            org_id,
            email,
            role,
            mailer=services.mailer(),
            clock=services.clock(),
        )
    )
    show(serialize.invitation(inv, services.clock().now()), as_json)


@cli.command("invite-bulk")
@click.argument("org_id")
@click.argument("csv_file", type=click.File("rb"))
@as_option
@json_option
@with_appcontext
def invite_bulk_command(org_id, csv_file, as_user, as_json):
    """Invite every ``email[,role]`` line of CSV_FILE ('-' for stdin); all rows are checked
    first and nothing is sent when any is wrong."""
    text = run(lambda: bulk.text_from_upload(csv_file.read(bulk.MAX_BYTES + 1)))
    result = run(
        lambda: bulk.invite_many(
            settings(),
            actor(as_user),
            org_id,
            text,
            mailer=services.mailer(),
            clock=services.clock(),
        )
    )
    rows = [serialize.bulk_row(r) for r in result.rows]
    show(
        {"rows": rows, "failure": result.failure},
        as_json,
        lambda d: table(d["rows"], ["line", "email", "role", "outcome"]),
    )
    if result.failure:
        click.echo(f"Error: {result.failure}", err=True)
        raise SystemExit(1)


def _invitation_action(name: str, doc: str, call):
    @cli.command(name, help=doc)
    @click.argument("org_id")
    @click.argument("invitation_id")
    @as_option
    @json_option
    @with_appcontext
    def command(org_id, invitation_id, as_user, as_json):
        inv = run(lambda: call(actor(as_user), org_id, invitation_id))
        show(serialize.invitation(inv, services.clock().now()), as_json)

    return command


for _name, _action in INVITATION_ACTIONS.items():
    _invitation_action(
        _name, _action.summary + ".", lambda who, o, i, run=_action.run: run(who, o, i, None)
    )

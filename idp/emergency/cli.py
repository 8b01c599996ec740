"""``idp emergency``: sealed break-glass codes of security admins (the operator, at the server).

Shell access to the server is the authentication, as for ``idp keys``; the audit records the
command (``via: cli``) and whose code it was."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from idp import services
from idp.api.cli_common import find_user, run
from idp.common.cli import echo_rows, json_option
from idp.emergency.codes import CodeState

SEAL_NOTE = (
    "Print this once, seal it in an envelope with the name and date, and lock it away "
    "(docs/emergency-access.md). It is not stored and cannot be shown again."
)


@click.group("emergency")
def cli() -> None:
    """Sealed emergency (break-glass) codes of security admins."""


@cli.command("issue")
@click.option("--user", "username", required=True, metavar="USERNAME")
@with_appcontext
def issue_command(username: str) -> None:
    """Issue USERNAME a new code (the earlier unused one stops working); printed once."""
    user = find_user(username)
    code = run(lambda: services.emergency_codes().issue(user))
    click.echo(f"emergency code for {user.username}:")
    click.echo("")
    click.echo(f"    {code}")
    click.echo("")
    click.echo(SEAL_NOTE)


@cli.command("list")
@json_option
@with_appcontext
def list_command(as_json: bool) -> None:
    """Who holds a code, and whether their newest one is usable, used or revoked."""
    rows = services.emergency_codes().listing()
    if not rows and not as_json:
        click.echo("no emergency codes issued")
    echo_rows(rows, as_json, _as_dict, _line)


def _as_dict(row: CodeState) -> dict:
    return {
        "username": row.username,
        "state": row.state,
        "issued_at": row.issued_at.isoformat(),
        "used_at": row.used_at.isoformat() if row.used_at else None,
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
    }


def _line(row: CodeState) -> str:
    when = row.used_at or row.revoked_at
    extra = f" {when:%Y-%m-%d %H:%M}" if when else ""
    return f"{row.username:24} {row.state:8}{extra:17} issued {row.issued_at:%Y-%m-%d %H:%M}"


@cli.command("revoke")
@click.option("--user", "username", required=True, metavar="USERNAME")
@with_appcontext
def revoke_command(username: str) -> None:
    """Revoke USERNAME's unused code (e.g. the envelope was opened or lost)."""
    user = find_user(username)
    if not services.emergency_codes().revoke(user):
        raise click.ClickException(f"{user.username} has no unused emergency code")
    click.echo(f"emergency code of {user.username} revoked")

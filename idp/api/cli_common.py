"""What the admin commands share: who acts (``--as``), output (``--json``) and errors.

The services want an actor and check that actor's permissions (``idp.orgs.access``), so
every command acts as a named person: ``--as USERNAME`` (or ``IDP_ADMIN_AS``), a security
administrator for ``idp users|sessions`` and organization review, an administrator of the
office for ``idp orgs members|invitations``. Shell access to the server is the
authentication (there is no step-up); the audit records that person as the actor, as for
the console. A domain error ends the command with one line and exit status 1."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from idp.accounts.fields import normalize_username
from idp.accounts.models import User
from idp.common.cli import echo_json, json_option
from idp.errors import DomainError
from idp.extensions import db

as_option = click.option(
    "--as",
    "as_user",
    envvar="IDP_ADMIN_AS",
    required=True,
    metavar="USERNAME",
    help="The person acting (their role decides what is allowed; the audit names them).",
)


def admin_command(group: click.Group, name: str, *arguments: str, **options: Any):
    """A command of ``group`` run ``--as`` an administrator, with ``--json``; ``arguments``
    are its positional arguments' names (USER: a person's id or username)."""

    def register(fn: Callable) -> click.Command:
        for decorate in (with_appcontext, json_option, as_option):
            fn = decorate(fn)
        for argument in reversed(arguments):
            fn = click.argument(argument)(fn)
        return group.command(name, **options)(fn)

    return register


def settings():
    return current_app.config["IDP_SETTINGS"]


def find_user(text: str) -> User:
    """A user by id or username; a one-line error otherwise."""
    from idp.accounts.store import user_by_id

    user = user_by_id(text) or db.session.scalar(
        db.select(User).where(User.username == normalize_username(text))
    )
    if user is None:
        raise click.ClickException(f"no such user: {text}")
    return user


def actor(username: str) -> User:
    return find_user(username)


def run(action: Callable[[], Any]) -> Any:
    """Run one service call; a domain error becomes ``Error: <message>`` and exit 1."""
    try:
        return action()
    except DomainError as exc:
        db.session.rollback()
        errors = getattr(exc, "errors", None)
        detail = "; ".join(f"{k}: {v}" for k, v in errors.items()) if errors else exc.message
        rows = getattr(exc, "rows", None)
        if rows:
            detail += " " + " ".join(f"[line {r.line}: {r.problem}]" for r in rows if r.problem)
        raise click.ClickException(detail) from None


def show(data: Any, as_json: bool, text: Callable[[Any], str] | None = None) -> None:
    if as_json:
        echo_json(data)
    elif text is not None:
        click.echo(text(data))
    elif isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, list | dict):
                value = json.dumps(value, default=str)
            click.echo(f"{key:24} {value}")
    else:
        click.echo(str(data))


def table(rows: list[dict], columns: list[str]) -> str:
    """Rows as aligned columns (for people; ``--json`` for scripts)."""
    if not rows:
        return "(none)"
    widths = {c: max(len(c), *(len(str(r.get(c) or "-")) for r in rows)) for c in columns}
    lines = ["  ".join(c.upper().ljust(widths[c]) for c in columns)]
    lines += ["  ".join(str(r.get(c) or "-").ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)

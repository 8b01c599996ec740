"""``idp inactivity run``: disable unused accounts, with warnings (``idp.admin.inactivity``)."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from idp.common.clock import app_clock


@click.group("inactivity")
def cli() -> None:
    """Accounts nobody has used for a while."""


@cli.command("run")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@with_appcontext
def run_command(as_json: bool) -> None:
    """Mail the warnings due and disable unused accounts (idempotent; run daily)."""
    from idp.admin.inactivity import disable_inactive_accounts
    from idp.login import current
    from idp.mail import mailer

    report = disable_inactive_accounts(
        current_app.config["IDP_SETTINGS"],
        clock=app_clock(),
        mailer=mailer(),
        sessions=current.store(),
        on_end=current.run_sign_out_hooks,
    )
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        click.echo(
            f"accounts warned: {len(report.noticed)}; disabled: {len(report.disabled)}; "
            f"mail failed: {len(report.failed)}"
        )
    if report.failed:
        click.echo(
            f"error: {len(report.failed)} mail(s) could not be sent; warnings are retried by "
            "the next run",
            err=True,
        )
        raise SystemExit(1)

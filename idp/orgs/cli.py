"""``idp orgs``: jobs and commands for offices and their members."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from idp.common.cli import json_option, report_job
from idp.common.clock import app_clock
from idp.errors import DomainError


@click.group("orgs")
def cli() -> None:
    """Offices and their members."""


@cli.command("expire-memberships")
@json_option
@with_appcontext
def expire_memberships_command(as_json: bool) -> None:
    """Record ended memberships and mail the notices due (idempotent; run daily)."""
    from idp.mail import mailer
    from idp.orgs.expiry import expire_memberships

    clock = app_clock()
    try:
        report = expire_memberships(
            current_app.config["IDP_SETTINGS"], clock=clock, mailer=mailer()
        )
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    summary = (
        f"memberships ended: {len(report.ended)}; notices sent: {len(report.noticed)}; "
        f"notices failed: {len(report.failed)}"
    )
    report_job(report, as_json, summary, "the next run retries")

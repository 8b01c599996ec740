"""``idp inactivity run``: disable unused accounts, with warnings (``idp.admin.inactivity``)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from idp.common.cli import json_option, report_job
from idp.common.clock import app_clock


@click.group("inactivity")
def cli() -> None:
    """Accounts nobody has used for a while."""


@cli.command("run")
@json_option
@with_appcontext
def run_command(as_json: bool) -> None:
    """Mail the warnings due and disable unused accounts (idempotent; run daily)."""
    from idp import services
    from idp.admin.inactivity import disable_inactive_accounts
    from idp.mail import mailer

    report = disable_inactive_accounts(
        current_app.config["IDP_SETTINGS"],
        clock=app_clock(),
        mailer=mailer(),
        ender=services.session_ender(),
    )
    summary = (
        f"accounts warned: {len(report.noticed)}; disabled: {len(report.disabled)}; "
        f"mail failed: {len(report.failed)}"
    )
    report_job(report, as_json, summary, "warnings are retried by the next run")

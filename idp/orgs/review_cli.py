"""``idp access-review run``: the access review's daily job (``idp.orgs.review_job``)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from idp.common.cli import json_option, report_job
from idp.common.clock import app_clock


@click.group("access-review")
def cli() -> None:
    """The periodic review of who still needs access to each office."""


@cli.command("run")
@json_option
@with_appcontext
def run_command(as_json: bool) -> None:
    """Mail the reminders due and suspend memberships left unconfirmed (idempotent; daily)."""
    from idp.mail import mailer
    from idp.orgs.review_job import run_access_review

    report = run_access_review(
        current_app.config["IDP_SETTINGS"], clock=app_clock(), mailer=mailer()
    )
    summary = (
        f"members reminded: {len(report.reminded)}; suspended: {len(report.suspended)}; "
        f"kept (last administrator): {len(report.kept)}; mail failed: {len(report.failed)}"
    )
    report_job(report, as_json, summary, "reminders are retried by the next run")

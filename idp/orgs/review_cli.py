"""``idp access-review run``: the access review's daily job (``idp.orgs.review_job``)."""

from __future__ import annotations

import click

from idp import services
from idp.common.cli import job_command
from idp.orgs.review_job import run_access_review


@click.group("access-review")
def cli() -> None:
    """The periodic review of who still needs access to each office."""


cli.add_command(job_command("run", run_access_review, mailer=services.mailer))

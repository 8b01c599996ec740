"""``idp orgs``: jobs and commands for offices and their members."""

from __future__ import annotations

import click

from idp import services
from idp.common.cli import job_command
from idp.orgs.expiry import expire_memberships


@click.group("orgs")
def cli() -> None:
    """Offices and their members."""


cli.add_command(job_command("expire-memberships", expire_memberships, mailer=services.mailer))

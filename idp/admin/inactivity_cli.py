"""``idp inactivity run``: disable unused accounts, with warnings (``idp.admin.inactivity``)."""

from __future__ import annotations

import click

from idp import services
from idp.admin.inactivity import disable_inactive_accounts
from idp.common.cli import job_command


@click.group("inactivity")
def cli() -> None:
    """Accounts nobody has used for a while."""


cli.add_command(
    job_command(
        "run", disable_inactive_accounts, mailer=services.mailer, ender=services.session_ender
    )
)

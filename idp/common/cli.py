"""What the ``idp`` commands share: the ``--json`` flag, how JSON is printed, and the
command of a scheduled job (``job_command``)."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from idp.common.clock import app_clock
from idp.common.jobs import JobReport
from idp.errors import DomainError

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str))


def echo_rows(
    rows: list, as_json: bool, as_dict: Callable[[Any], dict], line: Callable[[Any], str]
):
    """A listing: JSON objects with ``--json``, else one line a row."""
    if as_json:
        echo_json([as_dict(row) for row in rows])
        return
    for row in rows:
        click.echo(line(row))


def job_command(
    name: str, job: Callable[..., JobReport], **collaborators: Callable[[], Any]
) -> click.Command:
    """The command of a scheduled job: ``job(settings, clock=..., **collaborators)`` in the
    app context, each collaborator built when the command runs; its help is the job's
    docstring. Prints the report (JSON with ``--json``, else its summary); exit status 1
    when a mail failed, so a timer notices, saying what the next run does about it
    (``report.retry``). A domain error is a usage error."""

    @json_option
    @with_appcontext
    def command(as_json: bool) -> None:
        built = {key: build() for key, build in collaborators.items()}
        try:
            report = job(current_app.config["IDP_SETTINGS"], clock=app_clock(), **built)
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
        if as_json:
            echo_json(report.as_dict())
        else:
            click.echo(report.summary())
        if report.failed:
            click.echo(
                f"error: {len(report.failed)} mail(s) could not be sent; {report.retry}", err=True
            )
            raise SystemExit(1)

    return click.command(name, help=inspect.getdoc(job))(command)

"""What the ``idp`` commands share: the ``--json`` flag and how JSON is printed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

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


def report_job(report: Any, as_json: bool, summary: str, retry: str) -> None:
    """What a scheduled job did (``report.as_dict()``, JSON with ``--json``, else
    ``summary``); exit status 1 when a mail failed (``report.failed``), so a timer notices,
    with ``retry`` saying what the next run does about it."""
    if as_json:
        echo_json(report.as_dict())
    else:
        click.echo(summary)
    if report.failed:
        click.echo(f"error: {len(report.failed)} mail(s) could not be sent; {retry}", err=True)
        raise SystemExit(1)

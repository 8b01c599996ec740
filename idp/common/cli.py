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

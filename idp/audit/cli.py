"""``idp audit``: seal, verify, search, export, purge."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from idp.audit.chain import app_key, iso, seal
from idp.audit.purge import purge
from idp.audit.search import Filters, export_csv, export_jsonl, query
from idp.audit.verify import verify
from idp.common.cli import json_option


def _when(_ctx, _param, value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            "use an ISO date or time, e.g. 2026-11-30 or 2026-11-30T08:00"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def filter_options(func):
    options = [
        click.option("--since", callback=_when, help="From this time (ISO, UTC unless given)."),
        click.option("--until", callback=_when, help="Before this time."),
        click.option("--event", help="An event name, or a prefix ending in a dot (session.)."),
        click.option("--actor", "actor_id"),
        click.option("--subject", "subject_id"),
        click.option("--office", "org_id"),
        click.option("--client", "client_id"),
        click.option("--ip"),
        click.option("--outcome", type=click.Choice(["success", "failure"])),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _filters(values: dict) -> Filters:
    return Filters(**{k: values[k] for k in Filters.__dataclass_fields__})


def one_line_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """A database that is down or refuses: one line and exit 1, not a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (SQLAlchemyError, OSError) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise click.ClickException(f"audit: database error: {first}") from None

    return wrapper


@click.group("audit")
def cli() -> None:
    """The audit trail: chain, verify, search, export, purge."""


@cli.command("seal")
@with_appcontext
@one_line_errors
def seal_command() -> None:
    """Chain the entries waiting and sign the new head (run regularly, e.g. every minute)."""
    head = seal(app_key(current_app))
    click.echo(f"audit chain head seq={head.seq} hash={head.hash} (chained {head.chained})")


@cli.command("verify")
@with_appcontext
@one_line_errors
def verify_command() -> None:
    """Check the whole chain; exit 1 naming the first broken entry."""
    report = verify(app_key(current_app))
    if not report.ok:
        click.echo(f"audit chain broken: {report.message}", err=True)
        sys.exit(1)
    click.echo(report.message)


def _row(entry) -> dict:
    return {
        "id": entry.id,
        "seq": entry.seq,
        "at": iso(entry.at),
        "event": entry.event,
        "outcome": entry.outcome,
        "actor_id": entry.actor_id,
        "subject_id": entry.subject_id,
        "org_id": entry.org_id,
        "client_id": entry.client_id,
        "ip": entry.ip,
        "user_agent": entry.user_agent,
        "request_id": entry.request_id,
        "data": json.loads(entry.data),
    }


@cli.command("search")
@filter_options
@click.option("--page", type=click.IntRange(1), default=1)
@click.option("--per-page", type=click.IntRange(1, 200), default=50)
@json_option
@with_appcontext
@one_line_errors
def search_command(page: int, per_page: int, as_json: bool, **values) -> None:
    """Entries newest first, filtered."""
    result = query(_filters(values), page, per_page)
    rows = [_row(e) for e in result.items]
    if as_json:
        click.echo(json.dumps({"page": page, "has_next": result.has_next, "items": rows}))
        return
    for r in rows:
        who = r["actor_id"] or "-"
        click.echo(
            f"{r['at']} {r['event']} {r['outcome']} actor={who} subject={r['subject_id'] or '-'} "
            f"office={r['org_id'] or '-'} client={r['client_id'] or '-'} ip={r['ip'] or '-'}"
        )
    if result.has_next:
        click.echo(f"(more: --page {page + 1})")


@cli.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="jsonl")
@filter_options
@with_appcontext
@one_line_errors
def export_command(fmt: str, **values) -> None:
    """Stream chained entries with their chain proof, ending with the sealed head."""
    seal(app_key(current_app))
    lines = (export_csv if fmt == "csv" else export_jsonl)(_filters(values))
    for line in lines:
        sys.stdout.write(line)


@cli.command("purge")
@click.option("--days", type=click.IntRange(1), help="Override audit.retention_days.")
@with_appcontext
@one_line_errors
def purge_command(days: int | None) -> None:
    """Delete entries older than the retention, keeping the rest verifiable."""
    retention = days or current_app.config["IDP_SETTINGS"].audit_retention_days
    done = purge(app_key(current_app), retention)
    click.echo(
        f"purged {done.count} entries through seq={done.through_seq} "
        f"(older than {iso(done.cutoff)})"
    )

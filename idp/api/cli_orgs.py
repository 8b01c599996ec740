"""``idp orgs`` (the group of ``idp.orgs.cli``, extended here): the review queue and
decisions, for security administrators. ``cli_office`` adds the office commands."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from idp import services
from idp.admin import organizations as service
from idp.api import serialize
from idp.api.cli_common import actor, as_option, run, settings, show, table
from idp.common.cli import json_option
from idp.orgs.cli import cli

__all__ = ["cli"]


@cli.command("list")
@click.option("--status", type=click.Choice(["pending", "suspended", "approved"]), default=None)
@as_option
@json_option
@with_appcontext
def list_command(status, as_user, as_json):
    """The review queue (pending oldest first, suspended, approved) with duplicate flags."""
    queue = run(lambda: service.review_queue(settings(), actor(as_user)))
    names = [status] if status else ["pending", "suspended", "approved"]
    items = [serialize.reviewed(r) for name in names for r in getattr(queue, name)]
    for item in items:
        flags = [
            f for f, on in (("TIN", item["duplicate_tin"]), ("NPI", item["duplicate_npi"])) if on
        ]
        item["duplicate"] = " ".join(flags)
    show(
        {"items": items},
        as_json,
        lambda d: table(d["items"], ["id", "legal_name", "status", "tax_id", "npi", "duplicate"]),
    )


@cli.command("show")
@click.argument("org_id")
@as_option
@json_option
@with_appcontext
def show_command(org_id, as_user, as_json):
    """One organization with its members and duplicates."""
    details = run(lambda: service.details(settings(), actor(as_user), org_id))
    show(serialize.org_details(details), as_json)


def _decision(action: str):
    @cli.command(action, help=f"{action.title()} the organization ORG_ID.")
    @click.argument("org_id")
    @click.option("--reason", default="", help="Told to the registrant (reject, suspend).")
    @as_option
    @json_option
    @with_appcontext
    def command(org_id, reason, as_user, as_json):
        org = run(
            lambda: service.change_status(
                settings(),
                actor(as_user),
                org_id,
                action,
                reason=reason,
                mailer=services.mailer(),
                clock=services.clock(),
            )
        )
        show(serialize.org_brief(org) if as_json else f"{org.legal_name}: {org.status}", as_json)

    return command


for _action in service.ACTIONS:
    _decision(_action)

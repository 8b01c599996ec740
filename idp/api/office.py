"""Office administrators' endpoints, on their own offices only: members and invitations.
Each view parses, calls one ``idp.orgs`` service (which checks the office permission
through ``idp.orgs.access``) and renders."""

from __future__ import annotations

from flask import jsonify

from idp import services
from idp.accounts.fields import FieldErrors
from idp.admin.views.common import clock, ip, settings
from idp.api import serialize
from idp.api.auth import actor, api_call
from idp.api.http import (
    body,
    bp,
    optional,
    page_arg,
    paged,
    per_page_arg,
    require_match,
    text_field,
    with_etag,
)
from idp.orgs import bulk, invitations, members
from idp.orgs.office_actions import INVITATION_ACTIONS, MEMBER_ACCOUNT_ACTIONS, OfficeAction

MEMBER_STATUSES = ("active", "deactivated")
CHANGES = ("role", "status", "access_ends_on")


def _member(org_id: str, membership_id: str) -> dict:
    return serialize.member(members.member_details(settings(), actor(), org_id, membership_id))


@bp.get("/offices/<org_id>/members")
@api_call()
def office_members(org_id: str):
    found = members.list_members(
        settings(), actor(), org_id, page=page_arg(), per_page=per_page_arg(members.PER_PAGE)
    )
    return paged(
        [serialize.member(r) for r in found.rows],
        page=found.page,
        pages=found.pages,
        per_page=per_page_arg(members.PER_PAGE),
        total=found.total,
    )


@bp.get("/offices/<org_id>/members/<membership_id>")
@api_call()
def office_member(org_id: str, membership_id: str):
    return with_etag(_member(org_id, membership_id))


@bp.patch("/offices/<org_id>/members/<membership_id>")
@api_call()
def change_member(org_id: str, membership_id: str):
    """One change a request, each one service: ``role``, ``status`` (``active`` /
    ``deactivated``) or ``access_ends_on`` (``YYYY-MM-DD``, or null to clear; ``confirm``:
    true for a day that has passed, which ends the access at once)."""
    require_match(_member(org_id, membership_id))
    data = body()
    given = [name for name in CHANGES if name in data]
    if len(given) != 1:
        raise FieldErrors({"body": f"Send exactly one of {', '.join(CHANGES)}."})
    s, who, change = settings(), actor(), given[0]
    if change == "role":
        role = text_field(data, "role", required=True)
        members.change_role(s, who, org_id, membership_id, role, ip=ip())
    elif change == "status":
        status = text_field(data, "status", required=True)
        if status not in MEMBER_STATUSES:
            raise FieldErrors({"status": f"Must be one of {', '.join(MEMBER_STATUSES)}."})
        change_status = (
            members.deactivate_member if status == "deactivated" else members.reactivate_member
        )
        change_status(s, who, org_id, membership_id, ip=ip())
    else:
        value = data["access_ends_on"]
        if value is not None and not isinstance(value, str):
            raise FieldErrors({"access_ends_on": "Must be a date (YYYY-MM-DD) or null."})
        members.set_access_end(
            s,
            who,
            org_id,
            membership_id,
            members.parse_end_date(value),
            clock=clock(),
            confirm=bool(optional(data, "confirm", bool)),
            ip=ip(),
        )
    return with_etag(_member(org_id, membership_id))


@bp.delete("/offices/<org_id>/members/<membership_id>")
@api_call()
def remove_member(org_id: str, membership_id: str):
    require_match(_member(org_id, membership_id))
    members.remove_member(settings(), actor(), org_id, membership_id, ip=ip())
    return "", 204


def _member_account_route(name: str, action: OfficeAction) -> None:
    def view(org_id: str, membership_id: str):
        action.run(actor(), org_id, membership_id, ip())
        return with_etag(_member(org_id, membership_id))

    view.__name__ = "member_" + name.replace("-", "_")
    bp.post(f"/offices/<org_id>/members/<membership_id>/{name}")(api_call()(view))


for _name, _action in MEMBER_ACCOUNT_ACTIONS.items():
    _member_account_route(_name, _action)


# --- invitations ------------------------------------------------------------------------------


@bp.get("/offices/<org_id>/invitations")
@api_call()
def office_invitations(org_id: str):
    now = clock().now()
    found = invitations.invitations_of(settings(), actor(), org_id)
    return jsonify(items=[serialize.invitation(i, now) for i in found])


@bp.post("/offices/<org_id>/invitations")
@api_call()
def invite(org_id: str):
    data = body()
    invitation = invitations.invite(
        settings(),
        actor(),
        org_id,
        text_field(data, "email", required=True),
        text_field(data, "role", required=True),
        mailer=services.mailer(),
        clock=clock(),
        ip=ip(),
    )
    return jsonify(serialize.invitation(invitation, clock().now())), 201


@bp.post("/offices/<org_id>/invitations/bulk")
@api_call()
def invite_many(org_id: str):
    """``text``: one ``email[,role]`` per line (a CSV file's content). 400 with a problem per
    row (``errors``) and nothing sent when any row is wrong; else a result per row
    (``failure`` says what a mail outage part-way left unsent)."""
    result = bulk.invite_many(
        settings(),
        actor(),
        org_id,
        text_field(body(), "text", required=True),
        mailer=services.mailer(),
        clock=clock(),
        ip=ip(),
    )
    return jsonify(
        batch_id=result.batch_id,
        failure=result.failure,
        rows=[serialize.bulk_row(r) for r in result.rows],
    ), (201 if result.failure is None else 200)


def _invitation_route(name: str, action: OfficeAction) -> None:
    def view(org_id: str, invitation_id: str):
        invitation = action.run(actor(), org_id, invitation_id, ip())
        return jsonify(serialize.invitation(invitation, clock().now()))

    view.__name__ = f"{name}_invitation"
    bp.post(f"/offices/<org_id>/invitations/<invitation_id>/{name}")(api_call()(view))


for _name, _action in INVITATION_ACTIONS.items():
    _invitation_route(_name, _action)

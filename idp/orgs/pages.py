"""What the office administrators' pages share: the members list, a member's page, the
confirmation page, and running one action with its refusal shown where it came from."""

from __future__ import annotations

from flask import render_template, request, url_for

from idp.accounts.fields import FieldErrors
from idp.common.digits import page_number
from idp.errors import DomainError, Forbidden, NotFound
from idp.login.current import current_user, settings
from idp.orgs import invitations, members
from idp.orgs.blueprint import clock
from idp.orgs.roles import least_privileged_org_role, org_roles
from idp.web.errors import status_of


def _page_number() -> int:
    return page_number(request.args.get("page")) or 1


def members_page(org_id: str, *, status: int = 200, **extra):
    user = current_user()
    page = members.list_members(settings(), user, org_id, page=_page_number(), now=clock().now())
    context = {
        "org": page.org,
        "listing": page,
        "invitations": invitations.invitations_of(settings(), user, org_id),
        "roles": org_roles(settings()),
        "default_role": least_privileged_org_role(settings()),
        "now": clock().now(),
        "me": user,
        "invite_values": {},
        "invite_errors": {},
        "page_error": None,
        "notice": None,
        **extra,
    }
    return render_template("orgs/members.html", **context), status


def member_page(org_id: str, membership_id: str, *, status: int = 200, **extra):
    row = members.member_details(
        settings(), current_user(), org_id, membership_id, now=clock().now()
    )
    context = {
        "org": row.membership.organization,
        "row": row,
        "roles": org_roles(settings()),
        "today": members.today_utc(clock().now()),
        "me": current_user(),
        "errors": {},
        "values": {},
        "page_error": None,
        "notice": None,
        **extra,
    }
    return render_template("orgs/member.html", **context), status


def run_action(org_id: str, membership_id: str | None, action, done: str):
    """Run one action; on success the members list says ``done``. A refusal other than
    403/404 shows the page the action came from with the reason."""
    try:
        action()
    except (Forbidden, NotFound):
        raise
    except FieldErrors as exc:
        if membership_id:
            return member_page(org_id, membership_id, status=400, errors=exc.errors)
        return members_page(org_id, status=400, page_error=exc.message)
    except DomainError as exc:
        if membership_id:
            return member_page(org_id, membership_id, status=status_of(exc), page_error=exc.message)
        return members_page(org_id, status=status_of(exc), page_error=exc.message)
    return members_page(org_id, notice=done)


def confirm_page(title: str, consequences: list[str], button: str, cancel: str, **hidden):
    return render_template(
        "orgs/confirm.html",
        title=title,
        consequences=consequences,
        button=button,
        action=request.path,
        cancel=cancel,
        hidden=hidden,
    )


def confirm_member(
    org_id: str, membership_id: str, title: str, consequences: list[str], button: str, **hidden
):
    """The confirmation page of an action on one member; ``{name}`` and ``{office}`` in the
    texts are the member's name and the office's."""
    m = members.get_member(settings(), current_user(), org_id, membership_id)
    names = {"name": m.user.shown_name, "office": m.organization.legal_name}
    return confirm_page(
        title.format(**names),
        [line.format(**names) for line in consequences],
        button,
        url_for(".member", org_id=org_id, membership_id=membership_id),
        **hidden,
    )

"""An office's members, for its administrators: the list, a member's page, and each
action on a member. Each view parses the request, calls one service (``members``,
``member_account``) and renders. Every change needs a fresh sign-in; the destructive ones
(deactivate, remove, reset MFA, an end date in the past) show a confirmation page first
(GET), then do it (POST)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import request

from idp.accounts.fields import FieldErrors
from idp.errors import DomainError, Forbidden, NotFound
from idp.login.current import current_user, settings
from idp.login.guards import fresh_auth_required, login_required
from idp.orgs import members, pages
from idp.orgs.blueprint import as_office_admin, bp, clock, ip, run_as_office_admin
from idp.orgs.office_actions import MEMBER_ACCOUNT_ACTIONS
from idp.web.errors import status_of
from idp.web.forms import typed

# --- members ------------------------------------------------------------------------------


@bp.get("/orgs/<org_id>/members", endpoint="members")
@login_required
def members_list(org_id: str):
    return pages.members_page(org_id)


@bp.get("/orgs/<org_id>/members/<membership_id>")
@login_required
def member(org_id: str, membership_id: str):
    return pages.member_page(org_id, membership_id)


@dataclass(frozen=True)
class MemberAction:
    """One action on a member: the service call, what the list says when it is done, and
    for a destructive one the confirmation page shown first (GET)."""

    #: The endpoint's name (``url_for("orgs.<endpoint>")``).
    endpoint: str
    run: Callable[[str, str], object]
    done: str
    confirm: tuple[str, list[str], str] | None = None


MEMBER_ACTIONS: dict[str, MemberAction] = {
    "role": MemberAction(
        "change_role",
        lambda org_id, membership_id: members.change_role(
            settings(), current_user(), org_id, membership_id, request.form.get("role", ""), ip=ip()
        ),
        "The role was changed.",
    ),
    "deactivate": MemberAction(
        "deactivate_member",
        as_office_admin(members.deactivate_member),
        "The member was deactivated in this office.",
        (
            "Deactivate {name} in {office}?",
            [
                "They can no longer work for this office: its applications and the "
                "gateway refuse them from their next request.",
                "Their sessions in this office move to another office of theirs (or none); "
                "their refresh tokens for this office stop working.",
                "Their account and their other offices are not affected. You can "
                "reactivate them later.",
            ],
            "Deactivate",
        ),
    ),
    "reactivate": MemberAction(
        "reactivate_member",
        as_office_admin(members.reactivate_member, clock=clock),
        "The member was reactivated.",
    ),
    "reset-mfa": MemberAction(
        "reset_member_mfa",
        run_as_office_admin(MEMBER_ACCOUNT_ACTIONS["reset-mfa"].run),
        "Two-step verification was reset; they set it up again at their next sign-in.",
        (
            "Reset the two-step verification of {name}?",
            [
                "Their authenticator app and recovery codes stop working now, and every "
                "session of theirs ends.",
                "At their next sign-in, with their password, they set up a new "
                "authenticator. They are told by email.",
                "Do this only once you have confirmed who is asking (in person or by a "
                "call back to a known number).",
            ],
            "Reset two-step verification",
        ),
    ),
    "password-reset": MemberAction(
        "send_password_reset",
        run_as_office_admin(MEMBER_ACCOUNT_ACTIONS["password-reset"].run),
        "A password-reset link was emailed to the member.",
    ),
    "remove": MemberAction(
        "remove_member",
        as_office_admin(members.remove_member),
        "The member was removed from the office.",
        (
            "Remove {name} from {office}?",
            [
                "Their affiliation with this office ends: its applications refuse them and "
                "their refresh tokens for it stop working.",
                "They keep their account and any other offices they belong to.",
                "To give them access again, send a new invitation.",
            ],
            "Remove from this office",
        ),
    ),
}


def _member_action_view(name: str):
    action = MEMBER_ACTIONS[name]

    @fresh_auth_required
    def view(org_id: str, membership_id: str):
        if action.confirm is not None and request.method == "GET":
            return pages.confirm_member(org_id, membership_id, *action.confirm)
        return pages.run_action(
            org_id, membership_id, lambda: action.run(org_id, membership_id), action.done
        )

    return view


for _name, _action in MEMBER_ACTIONS.items():
    bp.add_url_rule(
        f"/orgs/<org_id>/members/<membership_id>/{_name}",
        endpoint=_action.endpoint,
        view_func=_member_action_view(_name),
        methods=["GET", "POST"] if _action.confirm else ["POST"],
    )


@bp.post("/orgs/<org_id>/members/<membership_id>/access-end")
@fresh_auth_required
def set_access_end(org_id: str, membership_id: str):
    text = request.form.get("access_ends_on", "")
    if request.form.get("clear"):
        text = ""
    confirmed = request.form.get("confirm") == "yes"
    try:
        ends_on = members.parse_end_date(text)
        members.set_access_end(
            settings(),
            current_user(),
            org_id,
            membership_id,
            ends_on,
            clock=clock(),
            confirm=confirmed,
            ip=ip(),
        )
    except members.ConfirmationRequired:
        return pages.confirm_member(
            org_id,
            membership_id,
            "End the access of {name} now?",
            [
                f"{ends_on} has passed, so their access to {{office}} ends "
                "at once, as if deactivated; this is recorded as the end of their access.",
                "Their account and their other offices are not affected.",
            ],
            "End access now",
            access_ends_on=str(ends_on),
            confirm="yes",
        )
    except (Forbidden, NotFound):
        raise
    except FieldErrors as exc:
        return pages.member_page(
            org_id, membership_id, status=400, errors=exc.errors, values=typed(["access_ends_on"])
        )
    except DomainError as exc:
        return pages.member_page(
            org_id, membership_id, status=status_of(exc), page_error=exc.message
        )
    if ends_on is None:
        done = "The end date was removed."
    elif ends_on < members.today_utc(clock().now()):
        done = f"Their access ended now (the last day was {ends_on})."
    else:
        done = f"Access ends at the end of {ends_on} (UTC)."
    return pages.members_page(org_id, notice=done)

"""People: search, one person's page, their sessions, and the actions on them."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for

from idp import services
from idp.accounts.models import USER_STATUSES
from idp.admin import sessions as session_service
from idp.admin import user_actions
from idp.admin import users as service
from idp.admin.user_actions import USER_ACTIONS
from idp.admin.views.common import actor, bp, ip, page_number, sessions, settings
from idp.admin.views.confirm import Confirmation, confirm_page, confirmed
from idp.errors import NotFound
from idp.login.guards import fresh_auth_required, login_required


@dataclass(frozen=True)
class Action:
    title: str
    consequences: tuple[str, ...]
    button: str
    done: str
    #: Only after its confirmation page (``confirmed=yes``).
    destructive: bool = True


ACTIONS = {
    "lock": Action(
        "Lock the account of {name}",
        (
            "The account becomes locked: nobody can sign in to it, from any browser.",
            "Every session of {name} ends now, and the applications they used are told.",
            "{name} is emailed a link to unlock it ({hours} hours); to keep them out until "
            "you decide, disable the account instead.",
        ),
        "Lock the account",
        "The account is locked and every session ended.",
    ),
    "unlock": Action(
        "Unlock the account of {name}",
        ("The account becomes active again: {name} can sign in.",),
        "Unlock",
        "The account is unlocked.",
        destructive=False,
    ),
    "disable": Action(
        "Disable the account of {name}",
        (
            "The account becomes disabled: {name} cannot sign in or recover it by email.",
            "Every session of {name} ends now, and the applications they used are told.",
            "Their refresh tokens are refused at their next use.",
        ),
        "Disable the account",
        "The account is disabled and every session ended.",
    ),
    "enable": Action(
        "Enable the account of {name}",
        ("The account becomes active again (or waits for its email address to be confirmed).",),
        "Enable",
        "The account is enabled.",
        destructive=False,
    ),
    "reset-mfa": Action(
        "Reset two-step verification of {name}",
        (
            "Their authenticator app and every recovery code are removed.",
            "Every session of {name} ends now.",
            "At their next sign-in, {name} sets up a new authenticator (whoever holds the "
            "password can do so).",
            "{name} is emailed that you did this.",
        ),
        "Reset two-step verification",
        "Two-step verification was reset; they were told by email.",
    ),
    "password-reset": Action(
        "Send a password-reset link to {name}",
        (
            "{name} is emailed a single-use link to choose a new password ({minutes} minutes).",
            "Their password stays as it is until they use the link.",
        ),
        "Send the link",
        "A password-reset link was sent.",
        destructive=False,
    ),
    "sign-out-everywhere": Action(
        "Sign {name} out everywhere",
        (
            "Every session of {name} ends now, in every browser, and the applications they "
            "used are told (back-channel logout).",
            "They can sign in again with their password.",
        ),
        "Sign out everywhere",
        "Every session was ended.",
    ),
}


@bp.get("/users")
@login_required
def users():
    query = request.args.get("q", "")
    status = request.args.get("status", "")
    found = service.search(settings(), actor(), query, status=status, page=page_number())
    return render_template(
        "admin/users.html", page=found, q=query[:200], status=status, statuses=USER_STATUSES
    )


@bp.get("/users/<user_id>")
@login_required
def user(user_id: str):
    details = service.details(settings(), actor(), user_id, mfa=services.mfa())
    return render_template("admin/user.html", d=details)


@bp.route("/users/<user_id>/<action>", methods=["GET", "POST"])
@fresh_auth_required
def user_action(user_id: str, action: str):
    step = ACTIONS.get(action)
    if step is None:
        raise NotFound("No such action.")
    if request.method == "POST" and (confirmed() or not step.destructive):
        USER_ACTIONS[action](actor(), user_id, ip())
        flash(step.done, "success")
        return redirect(url_for(".user", user_id=user_id))
    details = service.details(settings(), actor(), user_id, mfa=services.mfa())
    person = details.user.shown_name
    values = {
        "name": person,
        "hours": settings().auth_unlock_token_hours,
        "minutes": settings().auth_reset_token_minutes,
    }
    return confirm_page(
        Confirmation(
            title=step.title.format(**values),
            consequences=[line.format(**values) for line in step.consequences],
            button=step.button,
            back_url=url_for(".user", user_id=user_id),
        )
    )


@bp.get("/users/<user_id>/sessions")
@login_required
def user_sessions(user_id: str):
    found = session_service.for_user(settings(), actor(), user_id, sessions=sessions())
    details = service.details(settings(), actor(), user_id, mfa=services.mfa())
    return render_template("admin/sessions.html", d=details, sessions=found)


@bp.route("/users/<user_id>/sessions/<public_id>/end", methods=["GET", "POST"])
@fresh_auth_required
def end_session(user_id: str, public_id: str):
    if request.method == "POST" and confirmed():
        user_actions.end_session(actor(), user_id, public_id, ip())
        flash("The session was ended.", "success")
        return redirect(url_for(".user_sessions", user_id=user_id))
    found = session_service.for_user(settings(), actor(), user_id, sessions=sessions())
    match = next((s for s in found if s.session.public_id == public_id), None)
    if match is None:
        raise NotFound("That session has already ended.")
    view = match.session
    return confirm_page(
        Confirmation(
            title="End this session",
            consequences=[
                f"The session on {view.device} from {view.ip}, signed in "
                f"{view.signed_in_at:%Y-%m-%d %H:%M} UTC, ends now.",
                "The applications used in it are told (back-channel logout).",
                "Their other sessions stay signed in.",
            ],
            button="End the session",
            back_url=url_for(".user_sessions", user_id=user_id),
        )
    )

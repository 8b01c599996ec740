"""The access review page of an office (``/orgs/<id>/access-review``): members due, "still
needs access" per member or for every member shown, and "remove" (after a confirmation
page). Each view parses the request, calls one service (``idp.orgs.review``) and renders;
every change needs a fresh sign-in."""

from __future__ import annotations

from flask import render_template, request

from idp.errors import DomainError, Forbidden, NotFound
from idp.login.current import current_user, settings
from idp.login.guards import fresh_auth_required, login_required
from idp.orgs import pages, review
from idp.orgs.blueprint import bp, clock, ip
from idp.web.errors import status_of


def _page(org_id: str, *, status: int = 200, notice: str | None = None, error: str | None = None):
    page = review.review_page(settings(), current_user(), org_id, now=clock().now())
    return (
        render_template(
            "orgs/access_review.html",
            org=page.org,
            review=page,
            me=current_user(),
            notice=notice,
            page_error=error,
        ),
        status,
    )


def _run(org_id: str, action, done: str):
    try:
        action()
    except (Forbidden, NotFound):
        raise
    except DomainError as exc:
        return _page(org_id, status=status_of(exc), error=exc.message)
    return _page(org_id, notice=done)


@bp.get("/orgs/<org_id>/access-review", endpoint="access_review")
@login_required
def access_review(org_id: str):
    return _page(org_id)


@bp.post("/orgs/<org_id>/access-review/confirm")
@fresh_auth_required
def confirm_access(org_id: str):
    ids = request.form.getlist("membership_id")
    count = len(set(ids))
    done = (
        "Confirmed: 1 member still needs access."
        if count == 1
        else (f"Confirmed: {count} members still need access.")
    )
    return _run(
        org_id,
        lambda: review.confirm(settings(), current_user(), org_id, ids, clock=clock(), ip=ip()),
        done,
    )


@bp.route("/orgs/<org_id>/access-review/<membership_id>/remove", methods=["GET", "POST"])
@fresh_auth_required
def remove_in_review(org_id: str, membership_id: str):
    if request.method == "GET":
        return pages.confirm_member(
            org_id,
            membership_id,
            "{name} no longer needs access: remove them from {office}?",
            [
                "Their affiliation with this office ends: its applications refuse them and "
                "their refresh tokens for it stop working.",
                "They keep their account and any other offices they belong to.",
                "This is recorded as your access review decision.",
            ],
            "Remove from this office",
        )
    return _run(
        org_id,
        lambda: review.remove(settings(), current_user(), org_id, membership_id, ip=ip()),
        "The member was removed from the office.",
    )

"""The organizations' blueprint and what its view modules share (``views``: registration,
approval, accepting an invitation; ``office_views``: an office's members and invitations)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import Blueprint, request

from idp.common.clock import app_clock as clock

if TYPE_CHECKING:
    from idp.orgs.office_actions import OfficeRun

__all__ = ["as_office_admin", "bp", "clock", "ip", "run_as_office_admin"]

bp = Blueprint("orgs", __name__)


def ip() -> str | None:
    return request.remote_addr


def run_as_office_admin(run: OfficeRun) -> Callable[[str, str], object]:
    """An office action (:mod:`idp.orgs.office_actions`) as this request's signed-in
    administrator."""

    def as_admin(org_id: str, item_id: str) -> object:
        from idp.login.current import current_user

        return run(current_user(), org_id, item_id, ip())

    return as_admin


def as_office_admin(call: Callable[..., object], **collaborators) -> Callable[[str, str], object]:
    """``call(settings, actor, org_id, item_id, **collaborators, ip=...)`` as this request's
    signed-in administrator; collaborators are factories, built only when the call runs."""
    from idp.orgs.office_actions import wired

    return run_as_office_admin(wired(call, **collaborators))

"""The organizations' blueprint and what its view modules share (``views``: registration,
approval, accepting an invitation; ``office_views``: an office's members and invitations)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import Blueprint, request

from idp.common.clock import app_clock as clock

if TYPE_CHECKING:
    from idp.orgs.office_actions import OfficeAction

__all__ = ["as_office_admin", "bp", "clock", "ip", "run_as_office_admin"]

bp = Blueprint("orgs", __name__)


def ip() -> str | None:
    return request.remote_addr


def run_as_office_admin(action: OfficeAction) -> Callable[[str, str], object]:
    """One of :mod:`idp.orgs.office_actions`, as this request's signed-in administrator."""

    def run(org_id: str, item_id: str) -> object:
        from idp.login.current import current_user

        return action.run(current_user(), org_id, item_id, ip())

    return run


def as_office_admin(call: Callable[..., object], **collaborators) -> Callable[[str, str], object]:
    """``call(settings, actor, org_id, item_id, **collaborators, ip=...)`` as this request's
    signed-in administrator; collaborators are factories, built only when the call runs."""

    def run(org_id: str, item_id: str) -> object:
        from idp.login.current import current_user, settings

        built = {name: make() for name, make in collaborators.items()}
        return call(settings(), current_user(), org_id, item_id, **built, ip=ip())

    return run

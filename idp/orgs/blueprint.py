"""The organizations' blueprint and what its view modules share (``views``: registration,
approval, accepting an invitation; ``office_views``: an office's members and invitations)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, request

from idp.common.clock import app_clock as clock

__all__ = ["as_office_admin", "bp", "clock", "ip", "typed"]

bp = Blueprint("orgs", __name__)


def ip() -> str | None:
    return request.remote_addr


def as_office_admin(call: Callable[..., object], **collaborators) -> Callable[[str, str], object]:
    """``call(settings, actor, org_id, item_id, **collaborators, ip=...)`` as this request's
    signed-in administrator; collaborators are factories, built only when the call runs."""

    def run(org_id: str, item_id: str) -> object:
        from idp.login.current import current_user, settings

        built = {name: make() for name, make in collaborators.items()}
        return call(settings(), current_user(), org_id, item_id, **built, ip=ip())

    return run


def typed(names) -> dict[str, str]:
    """What the person typed, to show again on a refused form (never passwords)."""
    return {name: request.form.get(name, "") for name in names}

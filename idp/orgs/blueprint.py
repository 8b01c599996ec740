"""The organizations' blueprint and what its view modules share (``views``: registration,
approval, accepting an invitation; ``office_views``: an office's members and invitations)."""

from __future__ import annotations

from flask import Blueprint, request

from idp.common.clock import app_clock as clock

__all__ = ["bp", "clock", "ip", "typed"]

bp = Blueprint("orgs", __name__)


def ip() -> str | None:
    return request.remote_addr


def typed(names) -> dict[str, str]:
    """What the person typed, to show again on a refused form (never passwords)."""
    return {name: request.form.get(name, "") for name in names}

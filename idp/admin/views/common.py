"""The console's blueprint and what its views share: the actor and the collaborators the
services take (the confirmation step is in :mod:`idp.admin.views.confirm`)."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from idp import services
from idp.common import digits
from idp.common.clock import Clock
from idp.login import current

bp = Blueprint("admin", __name__, url_prefix="/admin")


def settings():
    return current.settings()


def actor():
    return current.current_user()


def ip() -> str | None:
    return request.remote_addr


def clock() -> Clock:
    return services.clock()


def sessions():
    return current.store()


def registry():
    from idp.oauth.clients import client_service

    return client_service(settings(), current_app.config["SECRET_KEY"])


def key_ring():
    from idp.jwk.keyring import KeyRing

    return KeyRing(settings().keys_path)


def page_number() -> int:
    return digits.page_number(request.args.get("page")) or 1


def no_store(response):
    """Pages that show a secret once: never cached, never kept in history caches."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response

"""The console's blueprint and what its views share: the actor, the collaborators the
services take, and the confirmation page."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, current_app, render_template, request

from idp import services
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


def on_session_end(ended) -> None:
    """The sign-out hooks (back-channel logout) for a session an admin ended."""
    current.run_sign_out_hooks(ended)


def registry():
    from idp.oauth.clients import client_service

    return client_service(settings(), current_app.config["SECRET_KEY"])


def key_ring():
    from idp.jwk.keyring import KeyRing

    return KeyRing(settings().keys_path)


def page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and len(raw) < 7 else 1


@dataclass
class Confirmation:
    """What a confirmation page shows: the question, exactly what will happen, the button."""

    title: str
    consequences: list[str]
    button: str
    back_url: str
    #: Label of a required reason field, when the action needs one.
    reason_label: str | None = None
    reason: str = ""
    error: str | None = None
    extra: dict = field(default_factory=dict)


def confirmed() -> bool:
    """Whether a destructive POST came from its confirmation page (``confirmed=yes``).

    Without it the POST only shows that page: a form elsewhere, a replayed request or a
    script has to go through the same explicit confirmation as a person."""
    return request.form.get("confirmed") == "yes"


def confirm_page(confirmation: Confirmation, status: int = 200):
    return render_template("admin/confirm.html", c=confirmation), status


def no_store(response):
    """Pages that show a secret once: never cached, never kept in history caches."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response

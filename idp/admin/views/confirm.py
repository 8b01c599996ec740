"""The confirmation step of the console's destructive actions: a GET page saying exactly
what will happen, whose form posts back with ``confirmed=yes``."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import render_template, request


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

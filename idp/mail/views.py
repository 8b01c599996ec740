"""Demo-only page that lists the outbox, so a person can follow emailed links."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from idp.mail.factory import mailer
from idp.mail.outbox import OutboxMailer

bp = Blueprint("mail", __name__, url_prefix="/dev")


@bp.get("/outbox")
def outbox():
    settings = current_app.config["IDP_SETTINGS"]
    box = mailer()
    if not settings.demo or not isinstance(box, OutboxMailer):
        abort(404)
    messages = []
    for msg in box.messages():
        body = msg.get_body(preferencelist=("plain",))
        messages.append(
            {
                "to": msg["To"],
                "subject": msg["Subject"],
                "date": msg["Date"],
                "text": body.get_content() if body else "",
            }
        )
    return render_template("mail/outbox.html", messages=messages)

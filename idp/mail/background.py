"""Sending a message without making the request wait for the mail server."""

from __future__ import annotations

import logging
import threading
from typing import Any

from idp.mail.base import Mailer

log = logging.getLogger(__name__)


def send_detached(mailer: Mailer, to: str, name: str, /, **values: Any) -> threading.Thread:
    """Render the message ``name`` and send it from a background thread.

    For answers that must not depend on the mail server: a known address must not take
    measurably longer than an unknown one (no enumeration by timing), and a change already
    committed must not become an error page because the server is slow or down. A failure,
    rendering included, is logged. Pass plain values (no database objects: the thread has no
    session)."""

    def run() -> None:
        try:
            mailer.send_template(to, name, **values)
        except Exception:
            log.exception("could not send %r to %s", name, to)

    thread = threading.Thread(target=run, name="idp-mail", daemon=True)
    thread.start()
    return thread

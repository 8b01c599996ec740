"""The audit trail inside an application: request ids and the periodic sealer pass.

Each process chains and seals what is waiting at most every ``audit.seal_interval_seconds``
(after a response has been sent, never on the request's own time); ``idp audit seal`` does
the same from a job, and with the interval at 0 it is the only sealer.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response

from idp.audit.chain import app_key, seal
from idp.audit.writer import DirectWriter

log = logging.getLogger("idp.audit")


def seal_quietly(app: Flask) -> None:
    """A sealer pass whose failure (database away) only waits for the next one: the
    entries are safe, unchained, in the table."""
    try:
        with app.app_context():
            seal(app_key(app))
    except Exception as exc:  # noqa: BLE001 - the next pass retries; nothing is lost
        log.warning("audit sealer pass failed: %s", exc)


class SealSchedule:
    """At most one sealer pass per interval in this process, after some answer: the
    after-request hook asks, and so does an answer made before Flask
    (:mod:`idp.oauth.fastpath`)."""

    def __init__(self, interval: float):
        self.interval = interval
        self.last = time.monotonic()

    def due(self) -> bool:
        now = time.monotonic()
        if now - self.last < self.interval:
            return False
        self.last = now
        return True


def init_app(app: Flask) -> None:
    """Call after the database is set up (the direct writer binds to its engine)."""
    from idp.extensions import db

    with app.app_context():
        app.extensions["idp.audit.writer"] = DirectWriter(db.engine)
    settings = app.config["IDP_SETTINGS"]
    if not settings.audit_record_token_issuance:
        log.warning("audit.record_token_issuance is false: a benchmark setting, never production")
    interval = settings.audit_seal_interval_seconds
    if not interval:
        return
    schedule = app.extensions["idp.audit.seal_schedule"] = SealSchedule(interval)

    @app.after_request
    def _seal_now_and_then(response: Response) -> Response:
        if schedule.due():
            response.call_on_close(lambda: seal_quietly(app))
        return response

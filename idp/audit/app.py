"""The audit trail inside an application: request ids and the periodic sealer pass.

Each process chains and seals what is waiting at most every ``audit.seal_interval_seconds``
(started after a response has been sent, never on the request's own time); ``idp audit
seal`` does the same from a job, and with the interval at 0 it is the only sealer.

Why a thread of its own, and why a pass skips when another holds the lock: a pass after ten
seconds of tokens chains thousands of entries. Run on the request thread that started it
(as it once was), that thread served nothing for the pass's length (seconds under load),
and on PostgreSQL the passes of every worker queued on the chain lock one behind the other:
with the full garbage collections of ``idp/wsgi.py``, this is what had made the token
endpoint's p99 several times its median (docs/benchmarks.md, "The client-credentials
tail"). Now one background thread per process runs it, at most one at a time, and a pass
that finds the lock taken leaves the work to the pass holding it.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask, Response

from idp.audit.chain import Busy, app_key, seal
from idp.audit.writer import DirectWriter

log = logging.getLogger("idp.audit")


def seal_quietly(app: Flask) -> None:
    """A sealer pass whose failure (database away) only waits for the next one: the
    entries are safe, unchained, in the table. Another process's pass under way is no
    failure: it chains them."""
    try:
        with app.app_context():
            seal(app_key(app), wait=False)
    except Busy:
        log.debug("audit sealer pass skipped: another pass holds the chain lock")
    except Exception as exc:  # noqa: BLE001 - the next pass retries; nothing is lost
        log.warning("audit sealer pass failed: %s", exc)


class SealSchedule:
    """At most one sealer pass per interval in this process, started after some answer:
    the after-request hook asks, and so does an answer made before Flask
    (:mod:`idp.oauth.fastpath`)."""

    def __init__(self, app: Flask, interval: float):
        self.app = app
        self.interval = interval
        self.last = time.monotonic()
        self._lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def due(self) -> bool:
        now = time.monotonic()
        if now - self.last < self.interval:
            return False
        self.last = now
        return True

    def start(self) -> None:
        """Start a pass in the background unless one is running (after :meth:`due`)."""
        with self._lock:
            if self.thread is not None and self.thread.is_alive():
                return
            self.thread = threading.Thread(
                target=seal_quietly, args=(self.app,), name="idp-audit-sealer", daemon=True
            )
            self.thread.start()


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
    schedule = app.extensions["idp.audit.seal_schedule"] = SealSchedule(app, interval)

    @app.after_request
    def _seal_now_and_then(response: Response) -> Response:
        if schedule.due():
            response.call_on_close(schedule.start)
        return response

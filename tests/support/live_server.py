"""Serve an app on a real socket in a thread, for browsers and external clients."""

from __future__ import annotations

import threading

from werkzeug.serving import make_server

from tests.support.mailcatcher import free_port


class LiveServer:
    def __init__(self, make_app, **overrides):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = make_app(public_base_url=self.url, **overrides)
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)

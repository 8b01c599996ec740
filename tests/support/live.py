"""A real HTTP server on 127.0.0.1 (werkzeug, threaded) around an app built for its URL."""

from __future__ import annotations

import threading

from werkzeug.serving import make_server


class LiveServer:
    def __init__(self, build_app):
        """``build_app(base_url)`` returns the WSGI app; the port is known before it is built."""
        self._app = None
        self.server = make_server(
            "127.0.0.1", 0, lambda environ, start: self._app(environ, start), threaded=True
        )
        self.url = f"http://127.0.0.1:{self.server.port}"
        self._app = build_app(self.url)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def app(self):
        return self._app

    def start(self) -> LiveServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(5)

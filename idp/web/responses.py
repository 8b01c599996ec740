"""The app's response class: a body already in memory goes to the server as one list.

Why: werkzeug hands every body to the server as an iterator (``ClosingIterator``), even a
rendered page or a JSON document that is one string in memory. granian then streams it
(``response_iter``): its own thread takes the interpreter lock back for each chunk, while
the worker's request threads hold it. In the code-flow profile that was 6 % of the worker's
CPU, on five small answers per flow. A list is sent in one piece (``response_bytes``).
Streamed bodies (exports), answers with ``call_on_close`` work and files keep the iterator.
"""

from __future__ import annotations

from typing import Any

from flask import Response


class BufferedResponse(Response):
    def get_app_iter(self, environ: dict[str, Any]):
        app_iter = super().get_app_iter(environ)
        if not self.is_sequence or self.direct_passthrough or self._on_close:
            return app_iter
        # werkzeug's own answer (an empty body for HEAD, 1xx, 204 and 304), read out: with
        # no close work and an in-memory body, closing it has nothing to do.
        return list(app_iter)

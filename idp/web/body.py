"""A request body that cannot be read is the client's error (400), not the server's.

Each server reports a broken body its own way: gunicorn raises ``InvalidChunkSize`` or
``NoMoreData`` for bad chunked encoding or a client that stops mid-body, werkzeug's server
``OSError``. Whichever view or hook reads the body first would turn that into a 500. This
WSGI middleware wraps ``wsgi.input`` so every such failure becomes a ``BadRequest``, which
:mod:`idp.web.errors` answers like any other 400 (RFC JSON on protocol paths, a page for
browsers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from werkzeug.exceptions import BadRequest, HTTPException

MESSAGE = "The request body could not be read (broken chunked encoding or cut off)."


class UnreadableBody(BadRequest):
    description = MESSAGE


class _GuardedInput:
    """The server's input stream, with any read failure raised as :class:`UnreadableBody`."""

    def __init__(self, stream: Any):
        self._stream = stream

    def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except HTTPException:
            raise
        except Exception as exc:
            raise UnreadableBody() from exc

    def read(self, *args: Any) -> bytes:
        return self._call(self._stream.read, *args)

    def readline(self, *args: Any) -> bytes:
        return self._call(self._stream.readline, *args)

    def readlines(self, *args: Any) -> list[bytes]:
        return self._call(self._stream.readlines, *args)

    def __iter__(self) -> Iterator[bytes]:
        while True:
            line = self.readline()
            if not line:
                return
            yield line


class GuardRequestBody:
    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        stream = environ.get("wsgi.input")
        if stream is not None:
            environ["wsgi.input"] = _GuardedInput(stream)
        return self.app(environ, start_response)

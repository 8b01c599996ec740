"""A request body that cannot be read is the client's error (400), not the server's.

Each server reports a broken body its own way: gunicorn raises ``InvalidChunkSize`` or
``NoMoreData`` for bad chunked encoding or a client that stops mid-body, werkzeug's server
``OSError``. Whichever view or hook reads the body first would turn that into a 500. This
WSGI middleware wraps ``wsgi.input`` so every such failure becomes a ``BadRequest``, which
:mod:`idp.web.errors` answers like any other 400 (RFC JSON on protocol paths, a page for
browsers).

granian reports nothing: it hands over a broken chunked body as an empty one. So a chunked
body that reads as empty is refused the same way, under every server: a real client that
streams a body has something in it, and an empty form would be refused anyway, with a
message about what is missing instead of what went wrong.

It also holds a chunked body (no Content-Length) to the size limit: werkzeug stops reading
such a body at ``MAX_CONTENT_LENGTH`` and parses what it got; here the first byte beyond the
limit raises ``RequestEntityTooLarge`` (413), as a declared length over it does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from werkzeug.exceptions import BadRequest, HTTPException, RequestEntityTooLarge

MESSAGE = "The request body could not be read (broken chunked encoding or cut off)."


class UnreadableBody(BadRequest):
    description = MESSAGE


class _GuardedInput:
    """The server's input stream, with any read failure raised as :class:`UnreadableBody`."""

    def __init__(self, stream: Any, limit: int | None, chunked: bool = False):
        self._stream = stream
        self._limit = limit
        self._chunked = chunked
        self._seen = 0

    def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            data = fn(*args)
            if self._chunked and not data and not self._seen and args != (0,):
                raise UnreadableBody()
            if data:
                self._seen += sum(map(len, data)) if isinstance(data, list) else len(data)
            if (
                self._limit is not None
                and data
                and (
                    self._seen > self._limit or (self._seen == self._limit and self._stream.read(1))
                )
            ):
                raise RequestEntityTooLarge()
            return data
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
    def __init__(self, app: Callable[..., Iterable[bytes]], max_length: Callable[[], int | None]):
        self.app = app
        self.max_length = max_length

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        stream = environ.get("wsgi.input")
        if stream is not None:
            # A declared length is checked against the limit before reading (werkzeug).
            unsized = not environ.get("CONTENT_LENGTH")
            chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
            environ["wsgi.input"] = _GuardedInput(
                stream, self.max_length() if unsized else None, chunked
            )
        return self.app(environ, start_response)

"""A small urlencoded form read straight from the WSGI environ, for answers made before
Flask (:mod:`idp.oauth.fastpath`), without changing what Flask sees when it answers instead.

Only a plain request is read: no query string, a declared ``Content-Length`` (no chunked
body) up to :data:`MAX_BODY`, ``application/x-www-form-urlencoded``, ASCII, fields that
decode as UTF-8 and hold no NUL (:func:`idp.web.inputs.has_nul`, the check Flask's
``before_request`` makes). Anything else is None, and the body, once read, is put back in
``wsgi.input`` as it came (or as the same read failure), so that werkzeug parses, or
:mod:`idp.web.body` refuses, exactly what it would have without this reader.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import parse_qsl

from idp.web.inputs import has_nul, oversized_header

#: Longest body read here; protocol requests are a few hundred bytes.
MAX_BODY = 8192
FORM_TYPES = frozenset(
    {"application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-8"}
)

Form = dict[str, list[str]]


class _FailedRead:
    """``wsgi.input`` after a read that raised: every read raises the same error, which
    :class:`idp.web.body.GuardRequestBody` answers as it would have."""

    def __init__(self, error: BaseException):
        self.error = error

    def read(self, *_args: Any) -> bytes:
        raise self.error

    readline = read

    def readlines(self, *_args: Any) -> list[bytes]:
        raise self.error

    def __iter__(self):
        raise self.error


def read_form(environ: dict) -> Form | None:
    """The fields of a plain small form (each name with its values in order), else None."""
    if environ.get("QUERY_STRING") or "HTTP_TRANSFER_ENCODING" in environ:
        return None
    if oversized_header(environ):
        return None
    if environ.get("CONTENT_TYPE", "").lower() not in FORM_TYPES:
        return None
    length = environ.get("CONTENT_LENGTH", "")
    if not (length.isascii() and length.isdigit()) or int(length) > MAX_BODY:
        return None
    size = int(length)
    try:
        body = environ["wsgi.input"].read(size)
    except Exception as exc:  # noqa: BLE001 - put back for Flask's own answer
        environ["wsgi.input"] = _FailedRead(exc)
        return None
    environ["wsgi.input"] = io.BytesIO(body)
    if len(body) != size or not body.isascii():
        return None
    try:
        pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        return None
    if has_nul(pairs):
        return None
    form: Form = {}
    for name, value in pairs:
        form.setdefault(name, []).append(value)
    return form

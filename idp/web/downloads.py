"""Streamed downloads: a generator of text lines sent as it is produced, as an attachment."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, stream_with_context

from idp.common.clock import app_clock

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/jsonl; charset=utf-8"}


def attachment(lines: Iterator[str], stem: str, fmt: str) -> Response:
    """``lines`` streamed (never built in memory) as ``<stem>-<UTC time>.<fmt>``."""
    stamp = app_clock().now().strftime("%Y%m%dT%H%M%SZ")
    response = Response(stream_with_context(lines), content_type=MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response

"""Per-request work of this package: the metrics of the answer and the JSON log format
(with the request id of :mod:`idp.web.request_id`). Kept to a clock read and a few label
lookups per request (the benchmark's "metrics on" row shows the cost)."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from dataclasses import dataclass

from flask import Flask, g, request

from idp.web.request_id import request_id

KNOWN_GRANTS = {
    "authorization_code",
    "refresh_token",
    "client_credentials",
    "urn:ietf:params:oauth:grant-type:token-exchange",
}


def _begin() -> None:
    g.metrics_started = time.perf_counter()


def _dependency(exc: BaseException | None) -> str | None:
    """``postgresql`` or ``redis`` when ``exc`` (or what caused it) came from one."""
    from redis.exceptions import RedisError
    from sqlalchemy.exc import DBAPIError

    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, DBAPIError):
            return "postgresql"
        if isinstance(exc, RedisError):
            return "redis"
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def observe(endpoint: str, method: str, status: int, seconds: float | None, grant: str) -> None:
    """Record one answer: its latency (when timed), its status class and, for a token
    answer, the grant type (also called for answers made before Flask)."""
    from idp.metrics import instruments

    if seconds is not None:
        instruments.REQUEST_SECONDS.labels(endpoint, method).observe(seconds)
    instruments.RESPONSES.labels(endpoint, f"{status // 100}xx").inc()
    if endpoint == "/oauth/token" and status == 200:
        instruments.TOKENS_ISSUED.labels(grant if grant in KNOWN_GRANTS else "other").inc()


def _observe(response):
    started = g.get("metrics_started")
    rule = request.url_rule
    status = response.status_code
    endpoint = rule.rule if rule is not None else "unmatched"
    observe(
        endpoint,
        request.method,
        status,
        time.perf_counter() - started if started is not None else None,
        request.form.get("grant_type", "") if endpoint == "/oauth/token" and status == 200 else "",
    )
    return response


ACCESS = logging.getLogger("idp.access")


class AccessHandler(logging.StreamHandler):
    """The access log's own handler (stdout). :func:`access_line` hands it each line
    directly, one ``write`` to its file descriptor, unbuffered as before. The line costs a
    token or an introspection 10-20 % of its CPU under load; about half of that was the
    logging record, this handler's lock and a flush per line, and writing directly bought a
    few per cent to 10 % of the rate (docs/benchmarks.md, "The access line"). Records that
    come the usual way (once another handler was added) it writes as any handler.

    With ``json_lines`` (``[core] log_format = "json"``) each line is a JSON object like every
    other log line of the process, so a log shipper reads one format."""

    def __init__(self, stream=None, *, json_lines: bool = False):
        super().__init__(stream)
        self.json_lines = json_lines

    def write_line(self, line: str) -> None:
        text = line + "\n"
        try:
            fd = self.stream.fileno()
        except (AttributeError, OSError, ValueError):  # no descriptor (a test's capture)
            self.stream.write(text)
            self.stream.flush()
            return
        data = text.encode("utf-8", "backslashreplace")
        try:
            while data:  # a pipe may take a long line in parts
                data = data[os.write(fd, data) :]
        except OSError:  # the log is gone (a closed pipe): the answer still goes out
            return


def access_line(
    remote_addr: str | None,
    method: str,
    path: str,
    protocol: str,
    status: int,
    length: int | None,
    rid: str | None,
) -> None:
    """The access log under granian (whose own log cannot redact URLs): one line per
    answer, secrets in paths and queries redacted as in gunicorn's access log."""
    from idp.web.accesslog import redact

    path = redact(path)
    line = (
        f'{remote_addr or "-"} "{method} {path} {protocol}" {status} '
        f"{length or '-'} rid={rid or '-'}"
    )
    handlers = ACCESS.handlers
    if len(handlers) == 1 and isinstance(handlers[0], AccessHandler):
        if not ACCESS.isEnabledFor(logging.INFO):
            return
        if handlers[0].json_lines:
            fields: dict[str, object] = {"remote_addr": remote_addr, "method": method}
            fields |= {"path": path, "protocol": protocol, "status": status, "length": length}
            line = json_line(time.time(), "INFO", ACCESS.name, line, rid, fields)
        handlers[0].write_line(line)
    else:
        ACCESS.info("%s", line, extra={"request_id": rid})


def _access_line(response):
    access_line(
        request.remote_addr,
        request.method,
        request.full_path.rstrip("?"),
        request.environ.get("SERVER_PROTOCOL", "-"),
        response.status_code,
        response.calculate_content_length(),
        g.get("request_id"),
    )
    return response


@dataclass(frozen=True)
class RequestHooks:
    """What :func:`install_request_hooks` installed, for answers made before Flask."""

    metrics: bool
    access_log: bool


def install_request_hooks(
    app: Flask, *, metrics: bool, access_log: bool = False, log_format: str = "text"
) -> None:
    app.extensions["idp.metrics.request_hooks"] = RequestHooks(metrics, access_log)
    app.before_request(_begin)
    if access_log:
        if not ACCESS.handlers:
            ACCESS.addHandler(AccessHandler(sys.stdout))
            ACCESS.propagate = False
        json_lines = log_format == "json"
        for handler in ACCESS.handlers:
            if isinstance(handler, AccessHandler):
                handler.json_lines = json_lines
                handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter())
        ACCESS.setLevel(logging.INFO)
        app.after_request(_access_line)
    if not metrics:
        return
    from idp.metrics import instruments

    app.after_request(_observe)
    original = app.handle_user_exception

    def counting(exc):
        """Count dependency errors, then answer exactly as the app's own handlers do."""
        dependency = _dependency(exc)
        if dependency:
            instruments.DEPENDENCY_ERRORS.labels(dependency).inc()
        return original(exc)

    app.handle_user_exception = counting  # type: ignore[method-assign]
    _count_audit_events()


_AUDIT_HOOKED = False


def _count_audit_events() -> None:
    """Sign-ins, failures and lockouts, counted as their audit rows are written."""
    global _AUDIT_HOOKED
    if _AUDIT_HOOKED:
        return
    from sqlalchemy import event

    from idp.audit.models import AuditEvent
    from idp.metrics.instruments import AUDIT_COUNTERS

    @event.listens_for(AuditEvent, "after_insert")
    def _counted(mapper, connection, target) -> None:
        counter = AUDIT_COUNTERS.get(target.event)
        if counter is not None:
            counter.inc()

    _AUDIT_HOOKED = True


def json_line(
    created: float,
    level: str,
    logger: str,
    message: str,
    rid: str | None,
    fields: dict[str, object] | None = None,
) -> str:
    """One log line as a JSON object: UTC time to the millisecond, level, logger, message,
    the request id when there is one, and any further fields."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created))
    line: dict[str, object] = {"ts": f"{stamp}.{int(created % 1 * 1000):03d}Z", "level": level}
    line |= {"logger": logger, "message": message}
    if rid:
        line["request_id"] = rid
    if fields:
        line |= fields
    return json.dumps(line)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request id when there is one (the record's own,
    as the access line passes it, else the request's)."""

    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", None) or request_id()
        extra: dict[str, object] | None = None
        if record.exc_info:
            extra = {"exception": self.formatException(record.exc_info)}
        return json_line(
            record.created, record.levelname, record.name, record.getMessage(), rid, extra
        )


def install_logging(settings) -> None:
    if settings.log_format != "json":
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers = [handler]

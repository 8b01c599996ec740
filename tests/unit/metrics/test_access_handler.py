"""The access log's own handler writes each line whole to its descriptor (no logging record
on the way), and hands the line to the logging module as before once anyone added a
handler."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import threading

import pytest

from idp.metrics.hooks import ACCESS, AccessHandler, JsonFormatter, access_line


@pytest.fixture
def pipe_handler():
    """A pipe as the access log; each test calls :func:`only_ours` first (pytest attaches its
    own capture handler to non-propagating loggers when the test body starts)."""
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)  # a line not written fails the read instead of hanging
    stream = os.fdopen(write_end, "w")
    saved = ACCESS.handlers[:], ACCESS.level, ACCESS.propagate
    ACCESS.handlers[:] = [AccessHandler(stream)]
    ACCESS.setLevel(logging.INFO)
    ACCESS.propagate = False
    yield read_end, stream
    ACCESS.handlers[:], level, ACCESS.propagate = saved
    ACCESS.setLevel(level)
    with contextlib.suppress(OSError):
        stream.close()
    with contextlib.suppress(OSError):
        os.close(read_end)


def only_ours() -> None:
    ACCESS.handlers[:] = [h for h in ACCESS.handlers if isinstance(h, AccessHandler)]


def _read(fd: int) -> str:
    return os.read(fd, 1 << 20).decode()


def test_each_answer_is_one_line_on_the_descriptor_redacted(pipe_handler):
    read_end, _ = pipe_handler
    only_ours()
    access_line("10.0.0.7", "GET", "/verify-email/s3cr3t-link", "HTTP/1.1", 302, None, "r1")
    access_line(None, "POST", "/oauth/token", "HTTP/1.1", 200, 812, None)
    lines = _read(read_end).splitlines()
    assert lines[1] == '- "POST /oauth/token HTTP/1.1" 200 812 rid=-'
    assert lines[0] == '10.0.0.7 "GET /verify-email/[redacted] HTTP/1.1" 302 - rid=r1'


def test_a_line_longer_than_a_pipe_takes_at_once_arrives_whole(pipe_handler):
    read_end, _ = pipe_handler
    only_ours()
    path = "/oauth/authorize?state=" + "x" * 100_000
    os.set_blocking(read_end, True)

    received: list[bytes] = []
    reader = threading.Thread(
        target=lambda: received.extend(iter(lambda: os.read(read_end, 65536), b""))
    )
    reader.start()
    access_line("10.0.0.7", "GET", path, "HTTP/1.1", 200, 5, "r2")
    ACCESS.handlers[0].stream.close()
    reader.join(timeout=10)
    text = b"".join(received).decode()
    assert text.count("\n") == 1 and text.endswith(" 200 5 rid=r2\n") and len(text) > 100_000


def test_a_closed_log_never_fails_the_answer(pipe_handler):
    read_end, _ = pipe_handler
    only_ours()
    os.close(read_end)
    access_line("10.0.0.7", "GET", "/healthz", "HTTP/1.1", 200, 15, "r3")  # EPIPE: dropped


def test_an_added_handler_gets_records_as_before(pipe_handler, caplog):
    read_end, _ = pipe_handler
    only_ours()
    ACCESS.addHandler(caplog.handler)
    with caplog.at_level(logging.INFO, logger="idp.access"):
        access_line("10.0.0.7", "GET", "/healthz", "HTTP/1.1", 200, 15, "r4")
    ACCESS.removeHandler(caplog.handler)
    assert [r.getMessage() for r in caplog.records] == [
        '10.0.0.7 "GET /healthz HTTP/1.1" 200 15 rid=r4'
    ]
    assert _read(read_end) == '10.0.0.7 "GET /healthz HTTP/1.1" 200 15 rid=r4\n'


def test_a_silenced_access_logger_writes_nothing(pipe_handler):
    read_end, stream = pipe_handler
    only_ours()
    ACCESS.setLevel(logging.WARNING)
    access_line("10.0.0.7", "GET", "/healthz", "HTTP/1.1", 200, 15, "r5")
    ACCESS.setLevel(logging.INFO)
    access_line("10.0.0.7", "GET", "/readyz", "HTTP/1.1", 200, 15, "r6")
    assert _read(read_end) == '10.0.0.7 "GET /readyz HTTP/1.1" 200 15 rid=r6\n'


def test_json_lines_are_one_object_each_with_the_request_id(pipe_handler):
    """``[core] log_format = "json"``: the access line is a JSON object like every other log
    line, redacted, its request id under the same key as theirs."""
    read_end, _ = pipe_handler
    only_ours()
    ACCESS.handlers[0].json_lines = True
    access_line("10.0.0.7", "GET", "/unlock/s3cr3t-link?x=1", "HTTP/1.1", 302, None, "r7")
    access_line(None, "POST", "/oauth/token", "HTTP/1.1", 200, 812, None)
    first, second = (json.loads(line) for line in _read(read_end).splitlines())
    assert first["message"] == '10.0.0.7 "GET /unlock/[redacted]?x=1 HTTP/1.1" 302 - rid=r7'
    assert first["path"] == "/unlock/[redacted]?x=1" and "s3cr3t" not in json.dumps(first)
    assert first["request_id"] == "r7" and first["status"] == 302 and first["length"] is None
    assert first["logger"] == "idp.access" and first["level"] == "INFO"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first["ts"])
    assert "request_id" not in second and second["remote_addr"] is None
    assert (second["method"], second["status"], second["length"]) == ("POST", 200, 812)


def test_json_records_the_usual_way_carry_the_lines_request_id(pipe_handler, caplog):
    """Outside a Flask request (the token fast path) the record's own request id is used."""
    read_end, _ = pipe_handler
    only_ours()
    ACCESS.handlers[0].json_lines = True
    ACCESS.handlers[0].setFormatter(JsonFormatter())
    ACCESS.addHandler(caplog.handler)
    with caplog.at_level(logging.INFO, logger="idp.access"):
        access_line("10.0.0.7", "GET", "/healthz", "HTTP/1.1", 200, 15, "r8")
    ACCESS.removeHandler(caplog.handler)
    line = json.loads(_read(read_end))
    assert line["request_id"] == "r8" and line["message"].endswith(" 200 15 rid=r8")

"""The access log of ``idp serve`` never holds link tokens or ID tokens."""

import datetime
from types import SimpleNamespace

from gunicorn.config import Config

from idp.web.accesslog import RedactingLogger, redact

TOKEN = "Zq3xv9Lk0s8AqQeYw2mT7uJ4hB6nC1rD5fG8kP0aS2e"


def log_line(uri: str) -> str:
    path, _, query = uri.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": uri,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    logger = RedactingLogger(Config())
    response = SimpleNamespace(status="200 OK", headers=[], sent=10)
    atoms = logger.atoms(response, SimpleNamespace(headers=[]), environ, datetime.timedelta(0))
    return Config().access_log_format % atoms + " " + atoms["U"] + " " + atoms["q"]


def test_link_tokens_and_id_tokens_are_redacted():
    for uri in (
        f"/login/reset-password/{TOKEN}",
        f"/login/unlock/{TOKEN}",
        f"/invitations/{TOKEN}",
        f"/verify-email/{TOKEN}?x=1",
        f"/oauth/logout?state=s&id_token_hint={TOKEN}&post_logout_redirect_uri=x",
    ):
        line = log_line(uri)
        assert TOKEN not in line and "[redacted]" in line, line


def test_other_requests_are_logged_as_they_are():
    assert redact("GET /verify-email/resend HTTP/1.1") == "GET /verify-email/resend HTTP/1.1"
    assert redact("/oauth/authorize?client_id=web&state=abc") == (
        "/oauth/authorize?client_id=web&state=abc"
    )


def access_line(uri: str, log_format: str | None = None, referer: str = "-") -> str:
    """The line ``RedactingLogger.access`` writes (what reaches the log)."""
    import logging

    config = Config()
    config.set("accesslog", "-")
    if log_format:
        config.set("access_log_format", log_format)
    logger = RedactingLogger(config)
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    logger.access_log.handlers = [handler]
    path, _, query = uri.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": uri,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": referer,
        "HTTP_USER_AGENT": 'agent "quoted"',
    }
    response = SimpleNamespace(status="200 OK", headers=[("X-Request-ID", "rid-1")], sent=10)
    request = SimpleNamespace(headers=[("REFERER", referer)])
    logger.access(response, request, environ, datetime.timedelta(0))
    assert len(lines) == 1
    return lines[0]


def test_the_written_access_line_is_redacted_and_complete():
    line = access_line(
        f"/oauth/logout?id_token_hint={TOKEN}", referer=f"https://a.example/unlock/{TOKEN}"
    )
    assert TOKEN not in line and line.count("[redacted]") == 2, line
    assert line.startswith("127.0.0.1 - - [") and '"GET /oauth/logout?id_token_hint=' in line
    assert 'agent \\"quoted\\"' in line  # gunicorn's quoting is kept


def test_a_custom_format_redacts_the_headers_and_atoms_it_names():
    line = access_line(
        f"/login/reset-password/{TOKEN}",
        log_format="%(U)s %(q)s %({Referer}i)s %({x-request-id}o)s %({missing}i)s %(s)s",
        referer=f"/invitations/{TOKEN}",
    )
    assert line == "/login/reset-password/[redacted]  /invitations/[redacted] rid-1 - 200", line

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

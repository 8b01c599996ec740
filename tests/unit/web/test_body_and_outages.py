"""Unreadable bodies are 400, chunked bodies over the limit 413, dependency errors 503 with
Retry-After and one log line; other errors stay 500 with their traceback."""

from __future__ import annotations

import io
import logging

import pytest
import redis.exceptions
from sqlalchemy.exc import OperationalError

from idp.web.outages import dependency_error, describe


class BrokenStream:
    """What gunicorn's reader does on ``zz\\r\\n`` as a chunk size."""

    def read(self, size=-1):
        raise RuntimeError("Invalid chunk size: b'zz'")

    readline = read

    def tell(self) -> int:
        return 0

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0


@pytest.mark.parametrize("path", ["/login", "/oauth/token", "/register"])
def test_a_body_that_cannot_be_read_is_a_400(app, client, path):
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post(
        path,
        input_stream=BrokenStream(),
        content_type="application/x-www-form-urlencoded",
        environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""},
    )
    assert response.status_code == 400
    if path.startswith("/oauth/"):
        assert response.get_json()["error"] == "invalid_request"
    else:
        assert b"could not be read" in response.data


def test_a_chunked_body_over_the_limit_is_a_413(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post(
        "/oauth/token",
        input_stream=io.BytesIO(b"grant_type=" + b"a" * limit),
        content_type="application/x-www-form-urlencoded",
        environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""},
    )
    assert response.status_code == 413
    assert response.get_json()["error"] == "invalid_request"


def test_a_chunked_body_of_exactly_the_limit_is_read(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = b"grant_type=client_credentials&x=" + b"a" * (limit - 32)
    response = client.post(
        "/oauth/token",
        input_stream=io.BytesIO(body[:limit]),
        content_type="application/x-www-form-urlencoded",
        environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""},
    )
    assert response.status_code in (400, 401)
    assert response.get_json()["error"] == "invalid_client"


def _operational() -> OperationalError:
    return OperationalError("SELECT 1", {}, Exception("connection refused\nDETAIL: more"))


def test_the_outage_is_found_behind_wrappers_and_described_in_one_line():
    try:
        try:
            raise _operational()
        except OperationalError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as outer:
        found = dependency_error(outer)
    assert isinstance(found, OperationalError)
    assert describe(found) == "database unreachable: Exception: connection refused"
    assert dependency_error(ValueError("no")) is None
    assert describe(redis.exceptions.TimeoutError("Timeout reading")).startswith(
        "redis unreachable: TimeoutError"
    )


@pytest.fixture
def failing(app):
    @app.get("/_test/fail/<kind>")
    def fail(kind):
        if kind == "db":
            raise _operational()
        if kind == "redis":
            raise redis.exceptions.ConnectionError("Connection refused")
        raise ValueError("a bug")

    return app.test_client()


@pytest.mark.parametrize("kind", ["db", "redis"])
def test_a_dependency_error_is_a_503_with_one_warning(failing, kind, caplog):
    with caplog.at_level(logging.WARNING):
        page = failing.get(f"/_test/fail/{kind}")
        api = failing.get(f"/_test/fail/{kind}", headers={"Accept": "application/json"})
    assert page.status_code == api.status_code == 503
    assert page.headers["Retry-After"] == "5" and b"briefly unavailable" in page.data
    assert api.get_json()["error"] == "temporarily_unavailable"
    records = [r for r in caplog.records if r.name == "idp.web.errors"]
    assert len(records) == 2 and all(r.levelno == logging.WARNING for r in records)
    assert all(r.exc_info is None for r in records)


def test_any_other_error_is_still_a_500_with_its_traceback(failing, caplog):
    with caplog.at_level(logging.WARNING):
        response = failing.get("/_test/fail/bug")
    assert response.status_code == 500
    assert any(r.exc_info for r in caplog.records if r.name == "idp.web.errors")


def test_retry_after_is_a_setting(make_app):
    app = make_app(server_retry_after_seconds=17)

    @app.get("/_test/down")
    def down():
        raise _operational()

    assert app.test_client().get("/_test/down").headers["Retry-After"] == "17"


def test_an_authlib_error_outside_its_endpoints_is_rfc_json(client):
    """Authlib's transport check raises before the token endpoint's own error handling
    (plain http to a host that is not loopback): a 400 in RFC 6749's shape, not a 500."""
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, base_url="http://idp.example"
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "insecure_transport"

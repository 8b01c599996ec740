"""What the outage and flush tests share: a service client, its token request, and the
checks of a 503 and of its log lines."""

from __future__ import annotations

import logging

from idp.oauth.clients import client_service

SERVICE_ID = "eligibility-svc"


def add_service_client(app, client_id: str = SERVICE_ID) -> str:
    """Register a client_credentials client; returns its secret."""
    registered = client_service(app.config["IDP_SETTINGS"], app.secret_key).add(
        name=f"Service {client_id}",
        client_id=client_id,
        grant_types=["client_credentials"],
        scopes=["claims"],
        default_audience="https://claims.example/api",
    )
    return registered.secret


def token(client, secret: str, client_id: str = SERVICE_ID):
    return client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )


def assert_unavailable(response, *, json: bool) -> None:
    assert response.status_code == 503, response.data[:300]
    assert int(response.headers["Retry-After"]) > 0
    if json:
        assert response.get_json()["error"] == "temporarily_unavailable"
    else:
        assert response.mimetype == "text/html"
        assert b"briefly unavailable" in response.data


#: The change feed's listener (idp.state.feed) logs its own loss from a background thread, once
#: per feed. Every app a test process has built and not yet collected keeps a feed on the same
#: test Redis, so how many such lines fall inside a test's window is not the test's to count.
FEED_LOGGER = "idp.state.feed"


def outage_records(caplog) -> list[logging.LogRecord]:
    """The warnings the requests wrote (the change feed's own are not among them)."""
    return [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith("idp") and r.name != FEED_LOGGER
    ]


def assert_one_line_each(caplog, count: int, which: str) -> None:
    """``count`` warnings naming ``which`` ("redis", "database"), one line, no traceback; and
    whatever the change feeds logged meanwhile, a line without a traceback too."""
    records = outage_records(caplog)
    assert len(records) == count, [r.getMessage() for r in records]
    for record in records:
        assert record.levelno == logging.WARNING and record.exc_info is None
        assert f"{which} unreachable: " in record.getMessage()
        assert "\n" not in record.getMessage()
    for record in caplog.records:
        if record.name == FEED_LOGGER and record.levelno >= logging.WARNING:
            assert record.exc_info is None and "\n" not in record.getMessage()
            assert record.getMessage().startswith("change feed lost: ")

"""With ``[core] log_level = "DEBUG"`` no issued token reaches the logs: Authlib writes each
token it issues at DEBUG ("Issue token %r to %r"), so its logger is kept at INFO
(``idp.SECRET_LOGGERS``)."""

from __future__ import annotations

import logging

from idp.oauth.clients import client_service


def test_debugging_does_not_log_the_tokens_issued(make_app, caplog):
    app = make_app(log_level="DEBUG", oauth_fast_path=False)  # through Authlib's grant
    assert logging.getLogger("authlib").getEffectiveLevel() == logging.INFO
    with app.app_context():
        secret = (
            client_service(app.config["IDP_SETTINGS"], app.secret_key)
            .add(
                name="Debug svc",
                client_id="debug-svc",
                grant_types=["client_credentials"],
                scopes=["claims"],
                default_audience="https://claims.example/api",
            )
            .secret
        )
    with caplog.at_level(logging.DEBUG):
        answer = app.test_client().post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=("debug-svc", secret),
        )
    assert answer.status_code == 200, answer.data
    token = answer.get_json()["access_token"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert token not in logged and token[-40:] not in logged

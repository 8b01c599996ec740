"""Prometheus metrics: summed across worker processes, never public without the token,
request ids on every answer."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from idp.metrics import install
from idp.metrics.exposition import generate_latest, registry, start_listener

ROOT = Path(__file__).resolve().parents[3]
TOKEN = "metrics-bearer-token-for-tests-0123456789"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _value(text: str, name: str, **labels) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


@pytest.fixture
def settings_overrides():
    return {"metrics_enabled": True, "metrics_bind": "", "metrics_token": TOKEN}


@pytest.fixture
def metered(app):
    install(app)
    return app.test_client()


def test_metrics_are_not_public_without_the_token(metered):
    assert metered.get("/metrics").status_code == 404
    wrong = metered.get("/metrics", headers={"Authorization": "Bearer " + "x" * 40})
    assert wrong.status_code == 404
    ok = metered.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and b"idp_request_duration_seconds" in ok.data


def test_no_token_means_no_public_metrics(make_app):
    app = make_app(metrics_enabled=True, metrics_bind="", metrics_token="")
    install(app)
    client = app.test_client()
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_latency_is_labelled_by_route_rule_and_failures_are_counted(app, metered):
    app.config["WTF_CSRF_ENABLED"] = False
    before = generate_latest(registry()).decode()
    metered.get("/oauth/userinfo")
    refused = metered.post("/login", data={"username": "nobody", "password": "wrong pass 123"})
    assert refused.status_code == 401
    after = generate_latest(registry()).decode()
    rule = {"endpoint": "/oauth/userinfo", "method": "GET"}
    count = "idp_request_duration_seconds_count"
    assert _value(after, count, **rule) == _value(before, count, **rule) + 1
    failures = "idp_sign_in_failures_total"
    assert _value(after, failures) == _value(before, failures) + 1
    assert not any("nobody" in line for line in after.splitlines())


def test_request_id_is_made_here_unless_a_trusted_proxy_gave_a_plain_one(metered, make_app):
    """A client's own X-Request-ID would go into audit entries: only a proxy's is kept."""
    chosen = metered.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert chosen.headers["X-Request-ID"] != "abc-123"
    assert len(chosen.headers["X-Request-ID"]) == 32
    behind_proxy = make_app(server_trusted_proxies=1)
    install(behind_proxy)
    proxied = behind_proxy.test_client()
    kept = proxied.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert kept.headers["X-Request-ID"] == "abc-123"
    made = proxied.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["X-Request-ID"] != "bad id with spaces"
    assert len(made.headers["X-Request-ID"]) == 32


WORKER = textwrap.dedent(
    """
    import json, sys
    from idp import create_app
    from idp.metrics import install
    app = create_app(json.loads(sys.argv[1]))
    install(app)
    client = app.test_client()
    for _ in range(int(sys.argv[2])):
        assert client.get("/.well-known/openid-configuration").status_code == 200
    """
)


def test_values_are_summed_across_two_worker_processes(base_settings, tmp_path):
    folder = tmp_path / "multiproc"
    folder.mkdir()
    config = {**base_settings, "metrics_enabled": True, "metrics_bind": ""}
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder), "PYTHONPATH": str(ROOT)}
    import json

    for count in (2, 3):
        subprocess.run(
            [sys.executable, "-c", WORKER, json.dumps(config), str(count)],
            env=env,
            check=True,
            timeout=120,
        )
    text = generate_latest(registry(str(folder))).decode()
    rule = {"endpoint": "/.well-known/openid-configuration", "status": "2xx"}
    assert _value(text, "idp_responses_total", **rule) == 5


def test_the_listener_serves_once_per_port():
    port = _free_port()
    assert start_listener(f"127.0.0.1:{port}") is True
    assert start_listener(f"127.0.0.1:{port}") is False  # a second worker leaves it be
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        assert response.status == 200


def test_json_log_lines_carry_the_request_id(app):
    import json
    import logging

    from idp.metrics.hooks import JsonFormatter, install_request_hooks
    from idp.web.request_id import request_id

    install_request_hooks(app, metrics=False)
    formatter = JsonFormatter()
    record = logging.LogRecord("idp.test", logging.WARNING, __file__, 1, "hello %s", ("x",), None)
    with app.test_request_context("/"):
        app.preprocess_request()
        line = json.loads(formatter.format(record))
        answered_as = request_id()
    assert line["message"] == "hello x" and line["level"] == "WARNING"
    assert answered_as and line["request_id"] == answered_as
    outside = json.loads(formatter.format(record))
    assert "request_id" not in outside and outside["ts"].endswith("Z")

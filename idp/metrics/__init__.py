"""Seeing the idp in production: Prometheus metrics and request ids in the logs.

- ``instruments``: the metrics (request latency per route rule, tokens by grant type,
  sign-ins, failures and lockouts, PostgreSQL and Redis errors).
- ``hooks``: what records them on each request, plus the request id (``X-Request-ID``),
  the JSON log lines of ``[core] log_format = "json"`` and, under granian, the redacted
  access log.
- ``exposition``: where they are read: their own listener (``[metrics] bind``, loopback by
  default) and, only with ``[metrics] token`` set, ``/metrics`` on the public app behind
  that bearer token. Across worker processes (gunicorn, granian) the values live in
  ``PROMETHEUS_MULTIPROC_DIR``, which ``idp serve`` prepares (``multiproc_dir``).
"""

from __future__ import annotations

from flask import Flask

from idp.metrics.hooks import install_logging, install_request_hooks


def install(app: Flask) -> None:
    """Request ids and log format always; metrics when ``[metrics] enabled``."""
    settings = app.config["IDP_SETTINGS"]
    install_logging(settings)
    install_request_hooks(
        app,
        metrics=settings.metrics_enabled,
        access_log=settings.server_kind == "granian",
        log_format=settings.log_format,
    )
    if settings.metrics_enabled:
        from idp.metrics.exposition import install_exposition

        install_exposition(app, settings)

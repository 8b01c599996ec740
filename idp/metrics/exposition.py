"""Where the metrics are read, never on the public app without a token.

With ``[metrics] bind`` (default ``127.0.0.1:9100``) each worker tries to listen there;
the one that gets the port serves the sum of every worker's values (multiprocess mode), so
the listener survives any one worker (a respawned worker takes the port over). With
``[metrics] token`` set, ``GET /metrics`` on the public app answers too, to that bearer token
only (a 404 to anyone else, as when no token is set).
"""

from __future__ import annotations

import hmac
import logging
import os

from flask import Flask, Response, abort, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

log = logging.getLogger(__name__)


def registry(path: str | None = None) -> CollectorRegistry:
    """Every process's values when PROMETHEUS_MULTIPROC_DIR (or ``path``) is set, else this
    process's."""
    path = path or os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        from prometheus_client import multiprocess

        collected = CollectorRegistry()
        multiprocess.MultiProcessCollector(collected, path=path)
        return collected
    from prometheus_client import REGISTRY

    return REGISTRY


def split_bind(bind: str) -> tuple[str, int]:
    host, _, port = bind.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


def start_listener(bind: str) -> bool:
    """Serve the metrics on ``bind`` from this process if the port is free; True if so."""
    from prometheus_client import start_http_server

    host, port = split_bind(bind)
    try:
        start_http_server(port, addr=host, registry=registry())
    except OSError:
        return False  # another worker serves them
    log.info("metrics on http://%s:%d/metrics", host, port)
    return True


def install_exposition(app: Flask, settings) -> None:
    if settings.metrics_bind:
        start_listener(settings.metrics_bind)
    token = settings.metrics_token

    @app.get("/metrics")
    def metrics():
        given = request.headers.get("Authorization", "")
        if not token or not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            abort(404)
        return Response(generate_latest(registry()), mimetype=CONTENT_TYPE_LATEST)


def multiproc_dir(instance_path) -> str:
    """A private, emptied folder for the workers' metric files (``idp serve``)."""
    folder = os.path.join(str(instance_path), "metrics")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    for name in os.listdir(folder):
        if name.endswith(".db"):
            os.unlink(os.path.join(folder, name))
    return folder

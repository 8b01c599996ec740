"""gunicorn settings of ``idp serve`` with metrics on (``-c python:idp.metrics.gunicorn_conf``):
a worker that exits has its live-gauge files marked dead (prometheus-client multiprocess)."""

from __future__ import annotations


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)

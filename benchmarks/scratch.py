"""A scratch PostgreSQL database for the in-process benchmarks: made from the admin URL in
``IDP_BENCH_DATABASE_URL`` (Redis from ``IDP_BENCH_REDIS_URL``), with a work folder, and
dropped with it afterwards whatever happens."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import create_engine, text


class Scratch(NamedTuple):
    url: str
    redis_url: str
    name: str
    workdir: Path


@contextmanager
def scratch_database() -> Iterator[Scratch]:
    admin_url = os.environ.get("IDP_BENCH_DATABASE_URL")
    redis_url = os.environ.get("IDP_BENCH_REDIS_URL")
    if not admin_url or not redis_url:
        raise SystemExit(
            "set IDP_BENCH_DATABASE_URL (PostgreSQL admin URL) and IDP_BENCH_REDIS_URL"
        )
    name = f"idp_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    workdir = Path(tempfile.mkdtemp(prefix="idp-bench-"))
    try:
        yield Scratch(admin_url.rpartition("/")[0] + "/" + name, redis_url, name, workdir)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(workdir, ignore_errors=True)

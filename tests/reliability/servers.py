"""Redis and PostgreSQL servers of the tests' own, on free ports, that tests may stop, flush
and start again (the machine's shared servers are never touched)."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from tests.support.mailcatcher import free_port


def _wait_port(port: int, up: bool, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                if up:
                    return
        except OSError:
            if not up:
                return
        time.sleep(0.05)
    raise RuntimeError(f"port {port} did not come {'up' if up else 'down'}")


class RedisServer:
    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tempfile.mkdtemp(prefix="idp-redis-")
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        if self.binary is None:
            raise RuntimeError("redis-server is not installed")
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
                "--loglevel",
                "warning",
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_port(self.port, up=True)
        return self

    def stop(self) -> None:
        """Stop it (and its data: it saves nothing, so a start comes back empty)."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None
        _wait_port(self.port, up=False)

    def flush(self) -> None:
        import redis

        redis.Redis.from_url(self.url).flushall()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class SilentServer:
    """Accepts TCP connections and never answers: a hung Redis."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


class PostgresServer:
    """A throw-away cluster in a temporary folder, run as the ``postgres`` user when the
    tests run as root (PostgreSQL refuses to run as root)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="idp-pg-"))
        self.data = self.dir / "data"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self.stopped = True

    @staticmethod
    def available() -> str | None:
        """None when a cluster can be made here, else why not."""
        if _pg_bin("initdb") is None or _pg_bin("pg_ctl") is None:
            return "initdb/pg_ctl not installed"
        if os.geteuid() == 0 and shutil.which("runuser") is None:
            return "running as root without runuser"
        return None

    def _run(self, *argv: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(prefix + list(argv), check=True, capture_output=True, timeout=60)

    def init(self) -> PostgresServer:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self._run(
            _pg_bin("initdb") or "initdb", "-D", str(self.data), "-A", "trust",
            "-U", "postgres", "--no-sync", "-E", "UTF8",
        )  # fmt: skip
        return self.start()

    def start(self) -> PostgresServer:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            _pg_bin("pg_ctl") or "pg_ctl", "-D", str(self.data), "-o", options,
            "-l", str(self.dir / "log"), "-w", "start",
        )  # fmt: skip
        _wait_port(self.port, up=True)
        self.stopped = False
        return self

    def stop(self) -> None:
        self._run(_pg_bin("pg_ctl") or "pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        _wait_port(self.port, up=False)
        self.stopped = True

    def close(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, RuntimeError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def private_redis():
    """A redis-server of this test's own, as ``(url, client)`` (so FLUSHALL, SIGSTOP and the
    like touch no one else's data); removed after the test."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    import redis

    server = RedisServer().start()
    connection = redis.Redis.from_url(server.url)
    try:
        yield server.url, connection
    finally:
        connection.close()
        server.close()

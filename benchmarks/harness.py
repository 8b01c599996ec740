"""What every benchmark run needs: a fresh PostgreSQL database, a server pinned to one core,
wrk pinned to the other, CPU and memory read from /proc, and wrk's summary parsed.

Everything started here is stopped in ``finally`` blocks (process groups), on errors and on
Ctrl-C alike; the database is dropped and the Redis keys under the run's prefix deleted.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
LUA = Path(__file__).resolve().parent / "lua"
SERVER_CPU = "0"
LOAD_CPU = "1"
#: The line our wrk ``done`` hook prints (see lua/common.lua).
WRK_MARK = "BENCH-JSON "


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pinned(cpu: str, argv: list[str]) -> list[str]:
    """``argv`` under ``taskset -c cpu`` where taskset exists and the CPU does."""
    taskset = shutil.which("taskset")
    if not taskset or (os.cpu_count() or 1) <= int(cpu):
        return argv
    return [taskset, "-c", cpu, *argv]


@contextlib.contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    """A new database ``idp_bench_<random>`` on the server of ``admin_url``; dropped after."""
    from sqlalchemy import create_engine, text

    name = f"idp_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rpartition("/")[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def drop_redis_prefix(redis_url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        batch = []
        for key in client.scan_iter(match=prefix + "*", count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                client.delete(*batch)
                batch = []
        if batch:
            client.delete(*batch)
    finally:
        client.close()


@dataclass
class Instance:
    """Where the idp under test lives: its environment and base URL."""

    env: dict[str, str]
    base: str
    workdir: Path

    def run(self, *args: str) -> str:
        result = subprocess.run(
            [str(VENV_BIN / "idp"), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise SystemExit(f"idp {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout

    def python(self, module: str, *args: str, cpu: str | None = None) -> str:
        argv = [sys.executable, "-m", module, *args]
        result = subprocess.run(
            pinned(cpu, argv) if cpu else argv,
            env={**self.env, "PYTHONPATH": str(ROOT)},
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise SystemExit(f"{module} {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout


def add_service_arguments(parser) -> None:
    """``--database`` (a PostgreSQL admin URL: a fresh database is made on it) and
    ``--redis``, defaulting to ``IDP_BENCH_DATABASE_URL`` / ``IDP_BENCH_REDIS_URL``, then to
    this machine's services."""
    parser.add_argument(
        "--database",
        default=os.environ.get(
            "IDP_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument(
        "--redis", default=os.environ.get("IDP_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    )


def instance_env(database_url: str, redis_url: str, prefix: str, workdir: Path, port: int) -> dict:
    base = f"http://127.0.0.1:{port}"
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("IDP_")},
        "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}",
        # This checkout's idp, whichever one the virtualenv was installed from.
        "PYTHONPATH": str(ROOT),
        "IDP_DATABASE_URL": database_url,
        "IDP_REDIS_URL": redis_url,
        "IDP_REDIS_PREFIX": prefix,
        "IDP_INSTANCE_DIR": str(workdir / "instance"),
        "IDP_KEYS_DIR": str(workdir / "keys"),
        "IDP_PUBLIC_BASE_URL": base,
        "IDP_SECRET_KEY": uuid.uuid4().hex * 2,
        "IDP_SERVER_PORT": str(port),
        "IDP_LOG_LEVEL": "WARNING",
        # One sign-in wave comes from one address here: the per-address limits would
        # refuse it (they are tested elsewhere; lockout needs failures, there are none).
        "IDP_AUTH_IP_LIMIT_LOGIN": "1000000",
        "IDP_AUTH_IP_LIMIT_TOTP": "1000000",
    }


@contextlib.contextmanager
def bench_instance(admin_url: str, redis_url: str) -> Iterator[Instance]:
    workdir = Path(tempfile.mkdtemp(prefix="idp-bench-"))
    prefix = f"idp_bench_{uuid.uuid4().hex[:10]}:"
    try:
        with fresh_database(admin_url) as database_url:
            port = free_port()
            env = instance_env(database_url, redis_url, prefix, workdir, port)
            yield Instance(env, f"http://127.0.0.1:{port}", workdir)
    finally:
        with contextlib.suppress(Exception):
            drop_redis_prefix(redis_url, prefix)
        shutil.rmtree(workdir, ignore_errors=True)


# --- the server ------------------------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None


def process_tree(root: int) -> list[int]:
    """``root`` and every process descending from it (gunicorn or granian workers)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        fields = _stat(int(stat.parent.name))
        if fields:
            parents[int(stat.parent.name)] = int(fields[1])
    tree = {root}
    grew = True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return sorted(p for p in tree if p in parents or p == root)


def cpu_seconds(root: int) -> float:
    """User + system CPU time of ``root`` and its descendants (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in process_tree(root):
        fields = _stat(pid)
        if fields:
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def rss_mib(root: int) -> list[float]:
    """Resident memory of each descendant of ``root`` (the workers), MiB."""
    sizes = []
    for pid in process_tree(root):
        if pid == root:
            continue
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return sizes


def wait_ready(url: str, proc: subprocess.Popen | None, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace")[-2000:] if proc.stderr else ""
            raise SystemExit(f"the server exited during start-up:\n{err}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not become ready at {url}")


@dataclass
class Server:
    proc: subprocess.Popen
    base: str
    label: str
    log: Path

    @property
    def pid(self) -> int:
        return self.proc.pid


@contextlib.contextmanager
def serving(
    instance: Instance,
    label: str,
    extra_env: dict[str, str],
    argv: list[str],
    port: int | None = None,
):
    """``idp serve`` (with ``argv``) pinned to the server CPU; stopped on leaving. ``port``:
    listen there instead of the instance's port (a second server beside the first; the
    issuer stays the instance's)."""
    log = instance.workdir / f"server-{label}.log"
    base = instance.base if port is None else f"http://127.0.0.1:{port}"
    listen = {} if port is None else {"IDP_SERVER_PORT": str(port)}
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            pinned(SERVER_CPU, [str(VENV_BIN / "idp"), "serve", *argv]),
            env={**instance.env, **extra_env, **listen},
            cwd=ROOT,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        try:
            wait_ready(base + "/readyz", None if proc.poll() is None else proc)
        except SystemExit:
            raise SystemExit(f"server {label} failed:\n{log.read_text()[-3000:]}") from None
        yield Server(proc, base, label, log)
    finally:
        stop_group(proc)


def stop_group(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


# --- wrk -------------------------------------------------------------------------------


@dataclass
class Measured:
    """One run of one scenario: operations, wall time, latencies (ms), errors, server CPU."""

    ops: int
    seconds: float
    p50: float
    p99: float
    errors: int
    cpu_seconds: float
    extra: dict = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.ops / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_op(self) -> float:
        return self.cpu_seconds * 1000 / self.ops if self.ops else float("nan")


def parse_wrk(output: str) -> dict:
    """The summary our lua ``done`` hook prints as one JSON line (see lua/common.lua)."""
    for line in output.splitlines():
        if line.startswith(WRK_MARK):
            return json.loads(line[len(WRK_MARK) :])
    raise ValueError("wrk printed no summary line:\n" + output[-2000:])


def wrk_script(scenario: str, workdir: Path) -> Path:
    """The scenario's lua with the shared ``done`` hook appended (wrk runs one file)."""
    path = workdir / f"{scenario}.lua"
    path.write_text((LUA / f"{scenario}.lua").read_text() + "\n" + (LUA / "common.lua").read_text())
    return path


#: (url, scenario) pairs that had their unmeasured warm-up second (:func:`run_wrk`).
_WARMED: set[tuple[str, str]] = set()
WARM_UP_SECONDS = 1
#: Scenarios whose requests cannot be sent twice (refresh tokens are single-use: a warm-up
#: would spend the chains the measured run is given).
NO_WARM_UP = {"refresh"}


def run_wrk(
    url: str,
    scenario: str,
    *,
    connections: int,
    duration: float,
    workdir: Path,
    env: dict[str, str],
    server_pid: int | None,
    threads: int = 2,
) -> Measured:
    wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk; make bench does it)")
    argv = [
        wrk,
        "-t",
        str(min(threads, connections)),
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(duration))}s",
        "--timeout",
        "10s",
        "-s",
        str(wrk_script(scenario, workdir)),
        url,
    ]
    if (url, scenario) not in _WARMED and scenario not in NO_WARM_UP:
        # The first second a server sees a scenario opens its per-thread database
        # connections, prepares statements and fills caches: in a measured run it made
        # that run's p99 (idp's and the peer's alike), so it is run once, unmeasured.
        _WARMED.add((url, scenario))
        warm = [*argv]
        warm[warm.index("-d") + 1] = f"{WARM_UP_SECONDS}s"
        subprocess.run(
            pinned(LOAD_CPU, warm),
            env={**os.environ, **env},
            capture_output=True,
            timeout=WARM_UP_SECONDS + 60,
            check=False,
        )
    before = cpu_seconds(server_pid) if server_pid else 0.0
    run = subprocess.run(
        pinned(LOAD_CPU, argv),
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=duration + 60,
    )
    after = cpu_seconds(server_pid) if server_pid else 0.0
    if run.returncode != 0:
        raise SystemExit(f"wrk failed ({scenario}):\n{run.stderr[-2000:]}")
    summary = parse_wrk(run.stdout)
    return measured_from(summary, after - before)


def measured_from(summary: dict, cpu: float) -> Measured:
    errors = summary["errors"]
    return Measured(
        ops=summary["requests"],
        seconds=summary["duration_us"] / 1e6,
        p50=summary["p50_us"] / 1000,
        p99=summary["p99_us"] / 1000,
        errors=sum(errors.values()),
        cpu_seconds=cpu,
    )

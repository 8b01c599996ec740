"""Client-credentials token throughput of the production server (gunicorn) on PostgreSQL
and Redis, measured with wrk (Debian package ``wrk``).

    python benchmarks/client_credentials.py [--duration 15] [--connections 32] [--workers N]

Needs IDP_BENCH_DATABASE_URL (an admin URL of a PostgreSQL server; a fresh database is
created and dropped) and IDP_BENCH_REDIS_URL. Prints tokens per second and latency
percentiles (p50/p90/p99), the load average before the run (the machine may be shared) and
the server's CPU time per token (gunicorn processes only, from /proc: far less sensitive to
other load than the wall-clock figures); every response must be a 200 with a token.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def idp(args, env) -> str:
    result = subprocess.run(
        [str(VENV_BIN / "idp"), *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"idp {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def wait_ready(url: str, proc, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server exited during start-up")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not become ready")


def server_cpu_seconds(master_pid: int) -> float:
    """User + system CPU time of the gunicorn master and its workers (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(stat.parent.name) == master_pid or int(fields[1]) == master_pid:
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def parse_latency(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()

    admin_url = os.environ.get("IDP_BENCH_DATABASE_URL")
    redis_url = os.environ.get("IDP_BENCH_REDIS_URL")
    if not admin_url or not redis_url:
        raise SystemExit(
            "set IDP_BENCH_DATABASE_URL (PostgreSQL admin URL) and IDP_BENCH_REDIS_URL"
        )
    wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")

    name = f"idp_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    workdir = Path(tempfile.mkdtemp(prefix="idp-bench-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("IDP_")},
        "IDP_DATABASE_URL": admin_url.rpartition("/")[0] + "/" + name,
        "IDP_REDIS_URL": redis_url,
        "IDP_REDIS_PREFIX": f"{name}:",
        "IDP_INSTANCE_DIR": str(workdir / "instance"),
        "IDP_KEYS_DIR": str(workdir / "keys"),
        "IDP_PUBLIC_BASE_URL": base,
        "IDP_SECRET_KEY": uuid.uuid4().hex * 2,
        "IDP_SERVER_PORT": str(port),
        "IDP_LOG_LEVEL": "WARNING",
    }
    server = None
    try:
        idp(["init"], env)
        client = json.loads(
            idp(
                [
                    "clients",
                    "add",
                    "Benchmark service",
                    "--client-id",
                    "bench-svc",
                    "--grant-type",
                    "client_credentials",
                    "--scope",
                    "claims",
                    "--audience",
                    "https://claims.example/api",
                    "--json",
                ],
                env,
            )
        )
        basic = base64.b64encode(f"bench-svc:{client['client_secret']}".encode()).decode()
        server = subprocess.Popen(
            [str(VENV_BIN / "idp"), "serve", "--workers", str(args.workers)],
            env={**env, "PATH": f"{VENV_BIN}:{env.get('PATH', '')}"},
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        wait_ready(base, server)
        load_before = os.getloadavg()[0]
        check = urllib.request.Request(
            base + "/oauth/token",
            data=b"grant_type=client_credentials&scope=claims",
            headers={"Authorization": f"Basic {basic}"},
            method="POST",
        )
        with urllib.request.urlopen(check, timeout=5) as response:
            assert json.loads(response.read())["access_token"]
        cpu_before = server_cpu_seconds(server.pid)
        run = subprocess.run(
            [
                wrk,
                "-t",
                str(args.threads),
                "-c",
                str(args.connections),
                "-d",
                f"{args.duration}s",
                "--latency",
                "-s",
                str(ROOT / "benchmarks" / "client_credentials.lua"),
                base + "/oauth/token",
            ],
            env={**env, "IDP_BENCH_BASIC": basic},
            capture_output=True,
            text=True,
            check=True,
        )
        out = run.stdout
        server_cpu = server_cpu_seconds(server.pid) - cpu_before
        requests_done = int(re.search(r"(\d+) requests in", out).group(1))
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        lat = {
            p: parse_latency(v, u)
            for p, v, u in re.findall(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        }
        non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        errors = re.search(r"Socket errors:.*", out)
        print(out)
        print(
            f"client_credentials tokens/s: {rps:.0f}  p50 {lat.get('50', 0):.1f} ms  "
            f"p90 {lat.get('90', 0):.1f} ms  p99 {lat.get('99', 0):.1f} ms  "
            f"({args.workers} gunicorn workers, {args.connections} connections, "
            f"{args.duration}s, {os.cpu_count()} CPUs, load average before "
            f"{load_before:.1f})"
        )
        print(
            f"server CPU per token: {server_cpu / max(requests_done, 1) * 1000:.3f} ms "
            "(gunicorn master + workers, user + system)"
        )
        if non2xx or errors:
            print("WARNING: " + (non2xx.group(0) if non2xx else errors.group(0)))
            raise SystemExit(1)
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(10)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

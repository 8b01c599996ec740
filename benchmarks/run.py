"""The benchmark command (``make bench``): idp in production mode on PostgreSQL + Redis, the
server pinned to CPU 0 and the load (wrk, the flow driver) to CPU 1; one table.

    python -m benchmarks.run [--duration 10] [--runs 3] [--connections 16]
                             [--server gunicorn|granian] [--workers N] [--threads N]
                             [--only client_credentials,refresh,...] [--peer DISCOVERY_URL]

Needs a PostgreSQL server (``--database``, an admin URL: a fresh database ``idp_bench_*`` is
created and dropped) and Redis (``--redis``: keys under a fresh prefix, deleted after).
Rates are the median of ``--runs`` runs; p50/p99 are those of the median run; server CPU is
user + system time of the server's processes (from /proc) divided by the operations, which a
shared machine disturbs far less than the rates. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import harness, peer
from benchmarks.audit_rows import audit_rows
from benchmarks.harness import LOAD_CPU, SERVER_CPU, Instance, Measured, Server
from benchmarks.table import Row, render

CHEAP_HASH = {"IDP_AUTH_ARGON2_TIME_COST": "1", "IDP_AUTH_ARGON2_MEMORY_KIB": "8"}
DEFAULT_HASH = {"IDP_AUTH_ARGON2_TIME_COST": "2", "IDP_AUTH_ARGON2_MEMORY_KIB": "19456"}
SCENARIOS = [
    "client_credentials",
    "introspection",
    "discovery",
    "refresh",
    "flow_cheap",
    "flow_default",
    "signin_default",
    "resource",
    "audit",
    "metrics",
]


def basic(client: dict) -> str:
    return base64.b64encode(f"{client['client_id']}:{client['secret']}".encode()).decode()


def measure_driver(
    instance: Instance, server: Server, kind: str, creds: dict, threads: int, duration: float
) -> Measured:
    before = harness.cpu_seconds(server.pid)
    out = instance.python(
        "benchmarks.flow",
        kind,
        "--base",
        server.base,
        "--creds",
        json.dumps(creds),
        "--threads",
        str(threads),
        "--duration",
        str(duration),
        cpu=LOAD_CPU,
    )
    cpu = harness.cpu_seconds(server.pid) - before
    data = json.loads(out.strip().splitlines()[-1])
    for error in data["first_errors"]:
        print(f"# {kind}: {error}", file=sys.stderr)
    return Measured(data["ops"], data["seconds"], data["p50"], data["p99"], data["errors"], cpu)


def inproc(instance: Instance, *args: str) -> Measured:
    data = json.loads(instance.python("benchmarks.inproc", *args, cpu=SERVER_CPU).strip())
    cpu = data["cpu_ms_per_op"] * data["ops"] / 1000
    return Measured(data["ops"], data["seconds"], 0.0, 0.0, 0, cpu)


def growth_note(small: Row, grown: Row) -> str:
    """Grown against small, run by run (each pair served one after the other), then the
    medians. The rate moves with other load on a shared machine; CPU per op hardly does."""
    pairs = [
        f"{a.rate / b.rate:.2f}"
        for a, b in zip(small.runs, grown.runs, strict=False)
        if a.rate and b.rate
    ]
    if not pairs:
        return ""
    rate = small.median().rate / grown.median().rate
    cpu = grown.cpu_ms_per_op() / small.cpu_ms_per_op()
    return f"vs small: rate {rate:.2f}x slower (pairs {' '.join(pairs)}), CPU/op {cpu:.2f}x"


def signin_note(signins: Row, raw: Row) -> str:
    """Sign-ins as a share of raw Argon2id verifications: by rate (the target), and by CPU
    per operation with what a sign-in costs beyond its hash (which other load on a shared
    machine disturbs far less)."""
    if not signins.runs or not raw.runs or not raw.median().rate:
        return ""
    rate = signins.median().rate / raw.median().rate
    signin_cpu, hash_cpu = signins.cpu_ms_per_op(), raw.cpu_ms_per_op()
    return (
        f"{rate:.0%} of raw Argon2id; by CPU {hash_cpu / signin_cpu:.0%}, "
        f"{signin_cpu - hash_cpu:.1f} ms beyond the hash"
    )


def client_token(base: str, client: dict, scope: str) -> str:
    import requests

    answer = requests.post(
        base + "/oauth/token",
        data={"grant_type": "client_credentials", "scope": scope},
        auth=(client["client_id"], client["secret"]),
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()["access_token"]


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.rows: list[Row] = []
        self.memory: list[str] = []
        self.wanted = set(args.only.split(",")) if args.only else set(SCENARIOS)

    def want(self, name: str) -> bool:
        return name in self.wanted

    def repeat(self, row: Row, once: Callable[[], Measured]) -> None:
        for _ in range(self.args.runs):
            row.runs.append(once())
        self.rows.append(row)

    def serve_argv(self) -> list[str]:
        argv = ["--workers", str(self.args.workers)]
        if self.args.server:
            argv += ["--server", self.args.server]
        return argv

    def server_env(self, extra: dict[str, str]) -> dict[str, str]:
        return {"IDP_SERVER_THREADS": str(self.args.threads), **extra}

    def wrk(self, instance: Instance, server: Server, scenario: str, env: dict) -> Measured:
        return harness.run_wrk(
            server.base + env.pop("_path", "/oauth/token"),
            scenario,
            connections=self.args.connections,
            duration=self.args.duration,
            workdir=instance.workdir,
            env=env,
            server_pid=server.pid,
        )

    def protocol_rows(self, instance: Instance, server: Server, creds: dict) -> None:
        conc = self.args.connections
        svc = {"BENCH_BASIC": basic(creds["svc"]), "BENCH_SCOPE": "claims"}
        if self.want("client_credentials"):
            self.repeat(
                Row("client-credentials", conc),
                lambda: self.wrk(instance, server, "client_credentials", dict(svc)),
            )
        if self.want("introspection"):
            token = client_token(server.base, creds["svc"], "claims")
            env = {"BENCH_BASIC": basic(creds["rs"]), "BENCH_TOKEN": token}
            env["_path"] = "/oauth/introspect"
            self.repeat(
                Row("introspection", conc),
                lambda: self.wrk(instance, server, "introspection", dict(env)),
            )
        if self.want("discovery"):
            env = {
                "BENCH_DISCOVERY_PATH": "/.well-known/openid-configuration",
                "BENCH_JWKS_PATH": "/oauth/jwks",
                "_path": "/",
            }
            self.repeat(
                Row("discovery + JWKS", conc),
                lambda: self.wrk(instance, server, "discovery", dict(env)),
            )
        if self.want("refresh"):
            self.repeat(
                Row("refresh (rotation)", conc), lambda: self.refresh(instance, server, creds)
            )

    def refresh(self, instance: Instance, server: Server, creds: dict) -> Measured:
        chains = instance.python(
            "benchmarks.flow",
            "chains",
            "--base",
            server.base,
            "--creds",
            json.dumps(creds),
            "--count",
            str(self.args.connections + min(2, self.args.connections)),
        )
        path = instance.workdir / "refresh-chains.txt"
        path.write_text(chains)
        env = {
            "BENCH_BASIC": basic(creds["web"]),
            "BENCH_REFRESH_FILE": str(path),
            "BENCH_THREADS": str(min(2, self.args.connections)),
        }
        return self.wrk(instance, server, "refresh", env)

    def flow_rows(self, instance: Instance, server: Server, creds: dict, label: str) -> None:
        conc = self.args.connections
        if self.want(f"flow_{label}"):
            self.repeat(
                Row(f"code + PKCE flow, {label} Argon2", conc, "flows/s"),
                lambda: measure_driver(instance, server, "flows", creds, conc, self.args.duration),
            )

    def signin_rows(self, instance: Instance, server: Server, creds: dict) -> None:
        if not self.want("signin_default"):
            return
        conc = self.args.connections
        signins = Row("password sign-ins, default Argon2", conc, "sign-ins/s")
        self.repeat(
            signins,
            lambda: measure_driver(instance, server, "signins", creds, conc, self.args.duration),
        )
        raw = Row("raw Argon2id verify, CPU 0", 1, "hashes/s")
        self.repeat(
            raw,
            lambda: inproc(instance, "argon2", "--duration", str(min(self.args.duration, 5))),
        )
        signins.note = signin_note(signins, raw)

    def resource_row(self, instance: Instance, server: Server, creds: dict) -> None:
        if not self.want("resource"):
            return
        token = client_token(server.base, creds["svc"], "claims")
        args = ["resource", "--base", server.base, "--audience", creds["audience"]]
        args += ["--token", token, "--duration", str(min(self.args.duration, 5))]
        self.repeat(
            Row("idp.resource verifications, in-process", 1, "verif/s"),
            lambda: inproc(instance, *args),
        )

    def check_metrics(self, port: int) -> None:
        """The listener answers with the tokens just issued (summed over the workers)."""
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
            text = answer.read().decode()
        issued = [
            line
            for line in text.splitlines()
            if line.startswith('idp_tokens_issued_total{grant_type="client_credentials"}')
        ]
        self.memory.append(f"metrics listener: {issued[0] if issued else 'NO TOKENS COUNTED'}")

    def note_memory(self, server: Server, when: str) -> None:
        sizes = harness.rss_mib(server.pid)
        shown = ", ".join(f"{s:.0f}" for s in sizes)
        self.memory.append(f"{server.label} {when}: RSS per process MiB [{shown}]")

    def run_growth(self, admin_url: str, redis_url: str) -> None:
        """Client credentials, refresh and the code flow at a small and a grown database,
        interleaved: both are seeded first, then each run serves small, then grown, so the
        two see the same machine (measured twelve minutes apart, identical databases came
        out 0.74-1.13x of each other here). Each pair's ratio is printed, then the median."""
        from benchmarks.growth import seed_bulk

        self.wanted = {"client_credentials", "refresh", "flow_cheap"}
        scales = [
            ("small", self.args.growth_small_users, 0),
            ("grown", self.args.growth_users, self.args.growth_rows),
        ]
        runs, self.args.runs = self.args.runs, 1
        by_scale: dict[str, dict[str, Row]] = {label: {} for label, _, _ in scales}
        with contextlib.ExitStack() as stack:
            seeded = []
            for label, users, rows in scales:
                instance = stack.enter_context(harness.bench_instance(admin_url, redis_url))
                instance.run("init")
                creds = json.loads(instance.python("benchmarks.seed").strip().splitlines()[-1])
                self.memory.append(
                    f"{label}: " + seed_bulk(instance.env["IDP_DATABASE_URL"], users, rows)
                )
                seeded.append((label, users, rows, instance, creds))
            for _ in range(runs):
                for label, users, rows, instance, creds in seeded:
                    start = len(self.rows)
                    env = self.server_env(CHEAP_HASH)
                    with harness.serving(instance, label, env, self.serve_argv()) as server:
                        self.protocol_rows(instance, server, creds)
                        self.flow_rows(instance, server, creds, "cheap")
                    for row in self.rows[start:]:
                        row.name += f" [{label}: {users:,} users, {rows:,} rows]"
                        kept = by_scale[label].setdefault(row.name, row)
                        if kept is not row:
                            kept.runs += row.runs
                    del self.rows[start:]
        self.args.runs = runs
        small_rows, grown_rows = (list(by_scale[label].values()) for label, _, _ in scales)
        self.rows += small_rows + grown_rows
        for small, grown in zip(small_rows, grown_rows, strict=True):
            grown.note = growth_note(small, grown)

    def run_idp(self, admin_url: str, redis_url: str) -> None:
        with harness.bench_instance(admin_url, redis_url) as instance:
            instance.run("init")
            creds = json.loads(instance.python("benchmarks.seed").strip().splitlines()[-1])
            with harness.serving(
                instance, "cheap-hash", self.server_env(CHEAP_HASH), self.serve_argv()
            ) as server:
                self.note_memory(server, "at rest")
                self.protocol_rows(instance, server, creds)
                self.flow_rows(instance, server, creds, "cheap")
                self.resource_row(instance, server, creds)
                self.note_memory(server, "after load")
            if self.want("flow_default") or self.want("signin_default"):
                with harness.serving(
                    instance, "default-hash", self.server_env(DEFAULT_HASH), self.serve_argv()
                ) as server:
                    self.flow_rows(instance, server, creds, "default")
                    self.signin_rows(instance, server, creds)
            if self.want("audit"):
                self.rows += audit_rows(self, instance, creds)
            if self.want("metrics"):
                metrics_port = harness.free_port()
                env = self.server_env(
                    {
                        **CHEAP_HASH,
                        "IDP_METRICS_ENABLED": "true",
                        "IDP_METRICS_BIND": f"127.0.0.1:{metrics_port}",
                    }
                )
                with harness.serving(instance, "metrics-on", env, self.serve_argv()) as server:
                    svc = {"BENCH_BASIC": basic(creds["svc"]), "BENCH_SCOPE": "claims"}
                    self.repeat(
                        Row("client-credentials, metrics on", self.args.connections),
                        lambda: self.wrk(instance, server, "client_credentials", dict(svc)),
                    )
                    self.check_metrics(metrics_port)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--server", choices=["gunicorn", "granian"], default=None)
    parser.add_argument(
        "--workers", type=int, default=1, help="server processes (one: the server has one core)"
    )
    parser.add_argument("--threads", type=int, default=8, help="threads per worker")
    parser.add_argument("--only", default="", help="comma list of: " + ", ".join(SCENARIOS))
    harness.add_service_arguments(parser)
    parser.add_argument(
        "--growth",
        action="store_true",
        help="client credentials, refresh, code flow: small vs grown",
    )
    parser.add_argument("--growth-users", type=int, default=1_000_000)
    parser.add_argument("--growth-rows", type=int, default=10_000_000)
    parser.add_argument("--growth-small-users", type=int, default=1_000)
    peer.add_arguments(parser)
    return parser.parse_args(argv)


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs ({model}); load average before the run: {load}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"# {machine()}", flush=True)
    started = time.time()
    bench = Bench(args)
    if args.peer:
        bench.rows = peer.run_peer(args)
    elif args.growth:
        bench.run_growth(args.database, args.redis)
    else:
        bench.run_idp(args.database, args.redis)
    server = "peer (see --peer)" if args.peer else (args.server or "idp serve default")
    print(
        f"# server {server}, {args.workers} workers x {args.threads} threads, "
        f"{args.runs} runs x {args.duration:g}s, {time.time() - started:.0f}s in all"
    )
    print(render(bench.rows))
    for line in bench.memory:
        print(f"# {line}")
    return 1 if any(m.errors for row in bench.rows for m in row.runs) else 0


if __name__ == "__main__":
    sys.exit(main())

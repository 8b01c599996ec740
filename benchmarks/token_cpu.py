"""CPU cost of one client-credentials token, in-process (no HTTP server, no load generator).

    python benchmarks/token_cpu.py [--requests 2000] [--profile]

Runs with the audit entry of each issued token (``audit.record_token_issuance = true``,
production) and without it (the benchmark-only switch), interleaved on the same database,
and prints both side by side: once with one thread, once with ``--threads`` threads
sending at once (as a gunicorn gthread worker serves them; throughput is then tokens per
wall-clock second of this process), plus the sealer's CPU per entry (chaining and sealing
what the audited runs wrote; in production a separate pass, after the response).

Builds the application on PostgreSQL + Redis (IDP_BENCH_DATABASE_URL, an admin URL: a fresh
database is created and dropped; IDP_BENCH_REDIS_URL), registers one client and posts
``grant_type=client_credentials`` straight into the WSGI application (as gunicorn does,
without the HTTP parsing). Prints the process CPU time
per token (``time.process_time``: this process only, so other load on a shared machine
hardly changes it, unlike wall-clock throughput). Every response must be a 200 with a token.
``--profile`` prints the top of a cProfile run instead of timing.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import gc
import io
import pstats
import threading
import time
import uuid
from pathlib import Path

from werkzeug.test import EnvironBuilder

from benchmarks.scratch import scratch_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument(
        "--threads", type=int, default=4, help="second run: concurrent threads (server.threads)"
    )
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sort", default="cumulative", help="pstats order for --profile")
    args = parser.parse_args()

    with scratch_database() as (url, redis_url, name, workdir):
        if args.profile:
            run(args, url, redis_url, name, workdir, audit=True)
            return
        for threads in (1, args.threads):
            results: dict[bool, tuple[float, float]] = {}
            for audit in (True, False, False, True, True, False):  # ABBA: drift hits both
                cpu, wall = run(args, url, redis_url, name, workdir, audit=audit, threads=threads)
                best = results.get(audit)
                results[audit] = (cpu, wall) if best is None or cpu < best[0] else best
            off, on = results[False], results[True]
            print(
                f"client_credentials, {threads} thread(s): CPU per token audit off "
                f"{off[0]:.3f} ms, audit on {on[0]:.3f} ms ({(on[0] / off[0] - 1) * 100:+.1f} %); "
                f"throughput {1000 / off[1]:.0f} / {1000 / on[1]:.0f} tokens/s "
                f"({(off[1] / on[1] - 1) * 100:+.1f} %) ({args.requests} requests each, best of 3, "
                "one process, WSGI app on PostgreSQL + Redis)"
            )
        print(f"sealer CPU per entry: {seal_cost(url, redis_url, name, workdir):.3f} ms")


SECRET_KEY = uuid.uuid4().hex * 2


def make_app(
    database_url: str, redis_url: str, prefix: str, workdir: Path, audit: bool = True, **extra
):
    """The app on the scratch database; ``extra`` settings on top (the fast-path benchmark's
    ``oauth_fast_path``)."""
    from idp import create_app

    return create_app(
        {
            "database_url": database_url,
            "redis_url": redis_url,
            "redis_prefix": f"{prefix}:",
            "instance_dir": str(workdir / "instance"),
            "keys_dir": str(workdir / "keys"),
            "public_base_url": "http://127.0.0.1:5000",
            "secret_key": SECRET_KEY,
            "log_level": "WARNING",
            "audit_record_token_issuance": audit,
            # The sealer runs apart (seal_cost), not inside the timed requests.
            "audit_seal_interval_seconds": 0,
            **extra,
        }
    )


def seal_cost(database_url: str, redis_url: str, prefix: str, workdir: Path) -> float:
    from idp.audit.chain import app_key, seal

    app = make_app(database_url, redis_url, prefix, workdir, True)
    with app.app_context():
        cpu0 = time.process_time()
        head = seal(app_key(app))
        cpu = time.process_time() - cpu0
    return cpu / max(head.chained, 1) * 1000


def client_secret(app) -> str:
    from idp.extensions import db
    from idp.oauth.clients import client_service
    from idp.oauth.models import OAuthClient
    from idp.storage import upgrade_database

    with app.app_context():
        upgrade_database()
        clients = client_service(app.config["IDP_SETTINGS"], app.config["SECRET_KEY"])
        if db.session.get(OAuthClient, "bench-svc") is not None:
            secret = clients.rotate_secret("bench-svc").secret
        else:
            secret = clients.add(
                name="Benchmark service",
                client_id="bench-svc",
                grant_types=["client_credentials"],
                scopes=["claims"],
                default_audience="https://claims.example/api",
            ).secret
        assert secret is not None, "a confidential client has a secret"
        return secret


def run(
    args,
    database_url: str,
    redis_url: str,
    prefix: str,
    workdir: Path,
    *,
    audit: bool,
    threads: int = 1,
):
    app = make_app(database_url, redis_url, prefix, workdir, audit)
    secret = client_secret(app)
    basic = base64.b64encode(f"bench-svc:{secret}".encode()).decode()
    body = b"grant_type=client_credentials&scope=claims"
    environ = EnvironBuilder(
        path="/oauth/token",
        method="POST",
        base_url="http://127.0.0.1:5000",
        headers=[("Authorization", f"Basic {basic}")],
        content_type="application/x-www-form-urlencoded",
        data=body,
    ).get_environ()

    def once() -> None:
        """One request the way a WSGI server makes it (no test-client bookkeeping)."""
        status = []
        request_environ = {**environ, "wsgi.input": io.BytesIO(body)}
        chunks = app(request_environ, lambda s, h, e=None: status.append(s))
        payload = b"".join(chunks)
        getattr(chunks, "close", lambda: None)()
        if not status[0].startswith("200") or b'"access_token"' not in payload:
            raise SystemExit(f"token request failed: {status[0]} {payload!r}")

    for _ in range(50):  # warm-up: first key load, connection pools, client cache
        once()
    # The key created by the first request is re-read until the keys folder has been quiet
    # for a moment (see KeyRing._cache); measure the steady state after that.
    from idp.jwk import keyring

    time.sleep(getattr(keyring, "QUIET_SECONDS", 0) + 0.5)
    once()
    if args.profile:
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(args.requests):
            once()
        profiler.disable()
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(45)
        return 0.0, 0.0
    # Earlier runs' apps stay in memory: keep the collector from scanning them in this run.
    gc.collect()
    gc.freeze()

    def many(count: int) -> None:
        for _ in range(count):
            once()

    workers = [
        threading.Thread(target=many, args=(args.requests // threads,)) for _ in range(threads)
    ]
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return cpu / args.requests * 1000, wall / args.requests * 1000


if __name__ == "__main__":
    main()

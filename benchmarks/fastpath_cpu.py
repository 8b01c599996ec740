"""CPU per request of client credentials and introspection with the protocol fast path on
and off, in-process (no HTTP server, no load generator: what the app itself costs).

    IDP_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
    IDP_BENCH_REDIS_URL=redis://127.0.0.1:6379/14 \\
    python -m benchmarks.fastpath_cpu [--requests 2000] [--profile N]

Two apps on one fresh PostgreSQL database and one Redis prefix, ``[oauth] fast_path`` true
and false, each request posted straight into the WSGI app as a server does; runs
interleaved (on, off, off, on, on, off) so that drift falls on both, best of three each.
``time.process_time`` counts this process only, so other load on a shared machine hardly
moves the figures (unlike rates). Every answer must be a 200 (an active token for
introspection). ``--profile N`` prints cProfile's top N of each scenario with the fast path
on instead of timing.
"""

from __future__ import annotations

import argparse
import base64
import gc
import io
import time

from werkzeug.test import EnvironBuilder

from benchmarks.scratch import scratch_database
from benchmarks.token_cpu import make_app

AUDIENCE = "https://claims.example/api"


def register(app) -> tuple[str, str]:
    from idp.oauth.clients import client_service
    from idp.storage import upgrade_database

    with app.app_context():
        upgrade_database()
        clients = client_service(app.config["IDP_SETTINGS"], app.config["SECRET_KEY"])
        service = clients.add(
            name="Benchmark service",
            client_id="bench-svc",
            grant_types=["client_credentials"],
            scopes=["claims"],
            default_audience=AUDIENCE,
        )
        resource = clients.add(
            name="Benchmark API",
            client_id="bench-api",
            grant_types=["client_credentials"],
            scopes=["claims"],
            default_audience=AUDIENCE,
        )
    return service.secret or "", resource.secret or ""


def request(client_id: str, secret: str, body: bytes, path: str) -> dict:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return EnvironBuilder(
        path=path,
        method="POST",
        base_url="http://127.0.0.1:5000",
        headers=[("Authorization", f"Basic {basic}")],
        content_type="application/x-www-form-urlencoded",
        data=body,
    ).get_environ()


def post(app, environ: dict, body: bytes, expect: bytes) -> bytes:
    status: list[str] = []
    chunks = app({**environ, "wsgi.input": io.BytesIO(body)}, lambda s, h, e=None: status.append(s))
    payload = b"".join(chunks)
    getattr(chunks, "close", lambda: None)()
    if not status[0].startswith("200") or expect not in payload:
        raise SystemExit(f"request failed: {status[0]} {payload!r}")
    return payload


def cpu_per_request(app, environ: dict, body: bytes, expect: bytes, count: int) -> float:
    gc.collect()
    started = time.process_time()
    for _ in range(count):
        post(app, environ, body, expect)
    return (time.process_time() - started) / count * 1000


def profile(app, label: str, environ: dict, body: bytes, expect: bytes, args) -> None:
    import cProfile
    import pstats

    profiler = cProfile.Profile(time.process_time)
    profiler.runcall(cpu_per_request, app, environ, body, expect, args.requests)
    print(f"== {label}, fast path on, {args.requests} requests")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(args.profile)
    stats.sort_stats("cumulative").print_stats(args.profile)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    with scratch_database() as (url, redis_url, name, workdir):
        apps = {
            fast: make_app(url, redis_url, name, workdir, oauth_fast_path=fast)
            for fast in (True, False)
        }
        service, resource = register(apps[True])
        token_body = b"grant_type=client_credentials&scope=claims"
        token_env = request("bench-svc", service, token_body, "/oauth/token")
        for app in apps.values():  # warm-up: first key, pools, client cache
            for _ in range(50):
                post(app, token_env, token_body, b'"access_token"')
        from idp.jwk import keyring

        time.sleep(getattr(keyring, "QUIET_SECONDS", 0) + 0.5)
        answer = post(apps[False], token_env, token_body, b'"access_token"')
        access_token = answer.split(b'"access_token": "')[1].split(b'"')[0]
        introspect_body = b"token=" + access_token
        introspect_env = request("bench-api", resource, introspect_body, "/oauth/introspect")
        scenarios = {
            "client-credentials": (token_env, token_body, b'"access_token"'),
            "introspection": (introspect_env, introspect_body, b'"active": true'),
        }
        for label, (environ, body, expect) in scenarios.items():
            if args.profile:
                profile(apps[True], label, environ, body, expect, args)
                continue
            best: dict[bool, float] = {}
            for fast in (True, False, False, True, True, False):
                cpu = cpu_per_request(apps[fast], environ, body, expect, args.requests)
                best[fast] = min(cpu, best.get(fast, cpu))
            print(
                f"{label}: CPU per request, fast path off {best[False]:.3f} ms, on "
                f"{best[True]:.3f} ms ({(best[True] / best[False] - 1) * 100:+.0f} %) "
                f"({args.requests} requests each, best of 3, one thread, PostgreSQL + Redis)"
            )


if __name__ == "__main__":
    main()

"""CPU cost of one password sign-in beyond its hash, in-process (no HTTP server).

    python -m benchmarks.signin_cpu [--signins 300] [--statements] [--flow] [--profile N]

Builds the application on PostgreSQL + Redis like ``make bench`` (a fresh database on
``--database``, keys under a fresh prefix on ``--redis``; both removed after), seeds the
benchmark's people, and signs them in through the test client: the sign-in form, then
``POST /login`` with the right password, every answer checked (200, then 302). Argon2 runs
at t=1, 8 KiB, so nearly all that is left is the work around the hash; ``--argon2 default``
runs it at the defaults and prints the same verify alone beside it (the difference is the
work around the hash plus what the hash's 19 MiB cost that work in the caches). Prints the SQL
statements and Redis commands of one sign-in (``--statements``: each statement too) and
the main thread's CPU per sign-in (``time.thread_time``: other load on a shared machine
changes it far less than wall-clock rates). ``--flow`` measures the whole code + PKCE flow
instead (``benchmarks.flow.code_flow`` through the test client: authorize, the form, its
POST, the token), with the statements and commands of each step. With ``--profile``,
``BENCH_PROFILE_OUT=FILE`` also writes cProfile's statistics there (for ``pstats``' callers).
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import os
import re
import time

from benchmarks import harness
from benchmarks.run import CHEAP_HASH, DEFAULT_HASH

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signins", type=int, default=300)
    parser.add_argument("--statements", action="store_true", help="print each statement")
    parser.add_argument("--flow", action="store_true", help="the whole code + PKCE flow")
    parser.add_argument("--filter", default="", help="--profile: the cumulative list's regex")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="then print cProfile's top N"
    )
    parser.add_argument(
        "--argon2",
        choices=["cheap", "default"],
        default="cheap",
        help="default: t=2, 19 MiB, and the hash alone beside it (what the hash's memory costs "
        "the work around it)",
    )
    harness.add_service_arguments(parser)
    args = parser.parse_args()
    with harness.bench_instance(args.database, args.redis) as instance:
        instance.run("init")
        creds = json.loads(instance.python("benchmarks.seed").strip().splitlines()[-1])
        argon2 = DEFAULT_HASH if args.argon2 == "default" else CHEAP_HASH
        os.environ.update({**instance.env, **argon2})
        measure(creds, args.signins, args.statements, args.profile, args.flow, args.filter)
        if args.argon2 == "default":
            print(f"  the same Argon2id verify alone, in a loop: {hash_alone_ms(200):.2f} ms")


def hash_alone_ms(count: int) -> float:
    """CPU per verify of the configured hasher, one after another, nothing between."""
    from idp.accounts.passwords import hash_password, verify_password
    from idp.config import load_settings

    settings = load_settings()
    stored = hash_password("bench sign-in password 2026", settings)
    start = time.thread_time()
    for _ in range(count):
        verify_password(stored, "bench sign-in password 2026", settings)
    return (time.thread_time() - start) * 1000 / count


class _Answer:
    """A test-client answer in the shape ``benchmarks.flow`` reads from ``requests``."""

    def __init__(self, response) -> None:
        self.status_code = response.status_code
        self.headers = response.headers
        self.text = response.get_data(as_text=True)
        self._json = response.get_json(silent=True)

    def json(self):
        return self._json


class TestClientHttp:
    """``benchmarks.flow``'s flows, driven through Flask's test client (no sockets), each
    request counted as one step."""

    def __init__(self, client, step) -> None:
        self.client = client
        self.step = step

    def get(self, url: str, params: dict | None = None, allow_redirects: bool = True) -> _Answer:
        self.step(f"GET {url.split('?')[0]}")
        return _Answer(self.client.get(url, query_string=params))

    def post(self, url: str, data=None, auth=None, allow_redirects: bool = True) -> _Answer:
        self.step(f"POST {url}")
        headers = {}
        if auth:
            pair = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            headers["Authorization"] = f"Basic {pair}"
        return _Answer(self.client.post(url, data=data, headers=headers))


def measure(
    creds: dict,
    signins: int,
    show: bool,
    profile: int = 0,
    flow: bool = False,
    profile_filter: str = "",
) -> None:
    import redis
    from sqlalchemy import event

    from idp import create_app
    from idp.extensions import db

    app = create_app()
    statements: list[str] = []
    commands: list[str] = []
    with app.app_context():
        event.listen(
            db.engine,
            "before_cursor_execute",
            lambda conn, cursor, statement, *rest: statements.append(" ".join(statement.split())),
        )
    send = redis.Redis.execute_command

    def counted(self, *command, **options):
        commands.append(str(command[0]))
        return send(self, *command, **options)

    redis.Redis.execute_command = counted  # type: ignore[method-assign]

    people = creds["users"]
    steps: list[tuple[str, int, int]] = []
    cpu_by_step: dict[str, float] = {}
    last: list = []

    def step(name: str) -> None:
        steps.append((name, len(statements), len(commands)))
        now = time.thread_time()
        if last:
            cpu_by_step[last[0]] = cpu_by_step.get(last[0], 0.0) + now - last[1]
        last[:] = [name, now]

    def code_flow(n: int) -> None:
        from benchmarks.flow import code_flow as through

        http = TestClientHttp(app.test_client(), step)
        through(http, "http://localhost", {**creds, "user": people[n % len(people)]})  # type: ignore[arg-type]

    def sign_in(n: int) -> None:
        person = people[n % len(people)]
        client = app.test_client()
        page = client.get("/login?next=/")
        if page.status_code != 200:
            raise SystemExit(f"sign-in form: {page.status_code}")
        token = CSRF.search(page.text)
        answer = client.post(
            "/login",
            data={
                "csrf_token": token.group(1) if token else "",
                "next": "/",
                "username": person["username"],
                "password": person["password"],
            },
        )
        if answer.status_code != 302:
            raise SystemExit(f"sign-in: {answer.status_code} {answer.text[:200]}")

    one, what = (code_flow, "code flow") if flow else (sign_in, "sign-in (form + POST)")
    for n in range(2 * len(people)):  # warm; the first sign-in of each rehashes cheaply
        one(n)
    statements.clear()
    commands.clear()
    steps.clear()
    cpu_by_step.clear()
    one(0)
    step("end")
    print(f"SQL statements per {what}: {len(statements)}")
    for (name, sql, redis_commands), (_, sql_next, redis_next) in itertools.pairwise(steps):
        print(f"  {name}: {sql_next - sql} SQL, {redis_next - redis_commands} Redis")
        if show:
            for statement in statements[sql:sql_next]:
                print(f"    {statement[:160]}")
    print(f"Redis commands: {len(commands)} ({' '.join(commands)})")
    start = time.thread_time()
    for n in range(signins):
        one(n)
    cpu = (time.thread_time() - start) * 1000 / signins
    cost, memory = (os.environ[f"IDP_AUTH_ARGON2_{n}"] for n in ("TIME_COST", "MEMORY_KIB"))
    params = f"t={cost} {memory} KiB"
    print(f"CPU per {what}, Argon2 {params}: {cpu:.2f} ms over {signins}")
    if flow:
        for name, seconds in cpu_by_step.items():
            print(f"  {name}: {seconds * 1000 / signins:.2f} ms")
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile(time.thread_time)
        profiler.runcall(lambda: [one(n) for n in range(signins)])
        stats = pstats.Stats(profiler)
        if os.environ.get("BENCH_PROFILE_OUT"):
            stats.dump_stats(os.environ["BENCH_PROFILE_OUT"])
        stats.sort_stats("tottime").print_stats(profile)
        stats.sort_stats("cumulative").print_stats(profile_filter, profile)


if __name__ == "__main__":
    main()

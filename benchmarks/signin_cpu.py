"""CPU cost of one password sign-in beyond its hash, in-process (no HTTP server).

    python -m benchmarks.signin_cpu [--signins 300] [--statements]

Builds the application on PostgreSQL + Redis like ``make bench`` (a fresh database on
``--database``, keys under a fresh prefix on ``--redis``; both removed after), seeds the
benchmark's people, and signs them in through the test client: the sign-in form, then
``POST /login`` with the right password, every answer checked (200, then 302). Argon2 runs
at t=1, 8 KiB, so nearly all that is left is the work around the hash. Prints the SQL
statements and Redis commands of one sign-in (``--statements``: each statement too) and
the main thread's CPU per sign-in (``time.thread_time``: other load on a shared machine
changes it far less than wall-clock rates).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time

from benchmarks import harness
from benchmarks.run import CHEAP_HASH

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signins", type=int, default=300)
    parser.add_argument("--statements", action="store_true", help="print each statement")
    parser.add_argument(
        "--database",
        default=os.environ.get(
            "IDP_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument(
        "--redis", default=os.environ.get("IDP_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    )
    args = parser.parse_args()
    with harness.bench_instance(args.database, args.redis) as instance:
        instance.run("init")
        creds = json.loads(instance.python("benchmarks.seed").strip().splitlines()[-1])
        os.environ.update({**instance.env, **CHEAP_HASH})
        measure(creds["users"], args.signins, args.statements)


def measure(people: list[dict], signins: int, show: bool) -> None:
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

    for n in range(2 * len(people)):  # warm; the first sign-in of each rehashes cheaply
        sign_in(n)
    statements.clear()
    commands.clear()
    sign_in(0)
    print(f"SQL statements per sign-in: {len(statements)}")
    if show:
        for statement in statements:
            print(f"  {statement[:160]}")
    print(f"Redis commands per sign-in: {len(commands)} ({' '.join(commands)})")
    start = time.thread_time()
    for n in range(signins):
        sign_in(n)
    cpu = (time.thread_time() - start) * 1000 / signins
    print(f"CPU per sign-in (form + POST, Argon2 t=1 8 KiB): {cpu:.2f} ms over {signins}")


if __name__ == "__main__":
    main()

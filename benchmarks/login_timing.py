"""Sign-in timing: an unknown username must cost about as much as a known one.

Runs the real app (SQLite and embedded state in a temporary folder, default Argon2
parameters) and times POST /login for a known user with a wrong password and for unknown
usernames, from many source addresses so no lock interferes. Prints the medians and exits
1 when they differ by more than 25 %.

    .venv/bin/python benchmarks/login_timing.py [ROUNDS]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time

from idp import create_app
from idp.accounts.models import User
from idp.accounts.passwords import hash_password
from idp.extensions import db
from idp.storage import upgrade_database


def main(rounds: int = 30) -> int:
    root = tempfile.mkdtemp(prefix="idp-bench-")
    app = create_app(
        {
            "instance_dir": root,
            "keys_dir": root + "/keys",
            "log_level": "WARNING",
            "auth_ip_limit_login": 100000,
        }
    )
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        upgrade_database()
        settings = app.config["IDP_SETTINGS"]
        db.session.add(
            User(
                username="known",
                email="known@bench.test",
                status="active",
                password_hash=hash_password("the right password 123", settings),
            )
        )
        db.session.commit()
    client = app.test_client()
    timings: dict[str, list[float]] = {"known": [], "unknown": []}
    for i in range(rounds):
        for kind in ("known", "unknown"):
            username = "known" if kind == "known" else f"nobody{i}"
            start = time.perf_counter()
            response = client.post(
                "/login",
                data={"username": username, "password": "a wrong password"},
                environ_base={
                    "REMOTE_ADDR": f"10.{i // 250}.{i % 250}.{1 if kind == 'known' else 2}"
                },
            )
            timings[kind].append(time.perf_counter() - start)
            assert response.status_code == 401, response.status_code
    known = statistics.median(timings["known"])
    unknown = statistics.median(timings["unknown"])
    ratio = unknown / known
    print(f"median known {known * 1000:.1f} ms, unknown {unknown * 1000:.1f} ms, ratio {ratio:.2f}")
    return 0 if 0.75 <= ratio <= 1.25 else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 30))

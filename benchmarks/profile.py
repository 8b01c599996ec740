"""Profile one scenario on the live server with py-spy (sampling, no code change):

    python -m benchmarks.profile introspection|client_credentials|discovery|refresh|flow|signins
        [--duration 8] [--server gunicorn|granian] [--top 25]

Starts the same instance as ``make bench`` with one worker, drives the scenario, records
the worker with ``py-spy record --format raw`` and prints the functions with the most
samples, inclusive (where the time goes) and self (what burns it). The folded stacks are
left in the temp folder printed at the end for a flame graph.
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from benchmarks import harness
from benchmarks.run import CHEAP_HASH, DEFAULT_HASH, Bench, basic, client_token, parse_args


def summarize(folded: Path, top: int) -> str:
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in folded.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        frames = [f.split(" (")[0] + " " + f.split("/")[-1].rstrip(")") for f in stack.split(";")]
        for frame in set(frames):
            inclusive[frame] += n
        own[frames[-1]] += n
    out = [f"{total} samples"]
    out.append("-- inclusive --")
    out += [f"{n * 100 / total:5.1f}% {f}" for f, n in inclusive.most_common(top)]
    out.append("-- self --")
    out += [f"{n * 100 / total:5.1f}% {f}" for f, n in own.most_common(top)]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("--duration", type=float, default=8)
    parser.add_argument("--server", default=None)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    bench_args = parse_args(["--duration", str(args.duration), "--runs", "1", "--workers", "1"])
    bench_args.server = args.server
    bench = Bench(bench_args)
    with harness.bench_instance(bench_args.database, bench_args.redis) as instance:
        instance.run("init")
        creds = json.loads(instance.python("benchmarks.seed").strip().splitlines()[-1])
        env = bench.server_env(DEFAULT_HASH if args.scenario == "signins" else CHEAP_HASH)
        with harness.serving(instance, "profile", env, bench.serve_argv()) as server:
            workers = [p for p in harness.process_tree(server.pid) if p != server.pid]
            target = workers[-1] if workers else server.pid
            folded = instance.workdir / "profile.folded"
            spy_proc = subprocess.Popen(
                [
                    spy,
                    "record",
                    "--format",
                    "raw",
                    "-o",
                    str(folded),
                    "-p",
                    str(target),
                    "-d",
                    str(int(args.duration)),
                    "--nonblocking",
                    "--gil",
                    "-r",
                    "200",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

            def load() -> None:
                if args.scenario in ("flow", "signins"):
                    from benchmarks.run import measure_driver

                    kind = "flows" if args.scenario == "flow" else "signins"
                    measure_driver(instance, server, kind, creds, 16, args.duration)
                elif args.scenario == "refresh":
                    bench.refresh(instance, server, creds)
                else:
                    envs = {
                        "client_credentials": {
                            "BENCH_BASIC": basic(creds["svc"]),
                            "BENCH_SCOPE": "claims",
                        },
                        "introspection": {
                            "BENCH_BASIC": basic(creds["rs"]),
                            "BENCH_TOKEN": client_token(server.base, creds["svc"], "claims"),
                            "_path": "/oauth/introspect",
                        },
                        "discovery": {
                            "BENCH_DISCOVERY_PATH": "/.well-known/openid-configuration",
                            "BENCH_JWKS_PATH": "/oauth/jwks",
                            "_path": "/",
                        },
                    }
                    bench.wrk(instance, server, args.scenario, envs[args.scenario])

            driver = threading.Thread(target=load)
            driver.start()
            driver.join()
            spy_proc.wait(60)
            print(summarize(folded, args.top))
            keep = Path(tempfile.gettempdir()) / f"idp-profile-{args.scenario}.folded"
            shutil.copy(folded, keep)
            print(f"folded stacks: {keep}")


if __name__ == "__main__":
    main()

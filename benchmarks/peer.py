"""The same wrk scenarios against another OIDC server, found by its discovery URL
(``--peer``), so both are measured in one sitting. The peer is started by hand (see
docs/benchmarks.md for panva's oidc-provider); pin it with ``taskset -c 0`` and pass its
process id (``--peer-pid``) for the CPU column. Client credentials and introspection need a
client of the peer allowed both (``--peer-client-id``/``--peer-client-secret``). The
sign-in flows drive idp's own form and are not run against a peer.
"""

from __future__ import annotations

import argparse
import base64
import json
import shutil
import tempfile
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--peer", default="", help="discovery URL of another OIDC server")
    parser.add_argument("--peer-pid", type=int, default=0, help="its process id (CPU column)")
    parser.add_argument("--peer-client-id", default="bench-svc")
    parser.add_argument("--peer-client-secret", default="")
    parser.add_argument("--peer-scope", default="", help="scope for client credentials")
    parser.add_argument("--peer-web-client-id", default="bench-web")
    parser.add_argument("--peer-web-secret", default="", help="runs the code flow when set")
    parser.add_argument("--peer-redirect-uri", default="https://rp.bench.example/cb")
    parser.add_argument(
        "--peer-introspect-extra",
        default="",
        help="form fields added when getting the token to introspect (e.g. resource=...)",
    )


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def _post(url: str, basic: str, body: bytes) -> dict:
    request = urllib.request.Request(  # noqa: S310
        url,
        data=body,
        headers={
            "Authorization": "Basic " + basic,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def peer_flows(args: argparse.Namespace, meta: dict, origin: str, pid: int | None):
    """The code + PKCE flow through the peer's own sign-in and consent forms."""
    import subprocess
    import sys

    from benchmarks import harness
    from benchmarks.harness import LOAD_CPU, Measured
    from benchmarks.table import Row

    creds = {
        "web": {
            "client_id": args.peer_web_client_id,
            "secret": args.peer_web_secret,
            "redirect_uri": args.peer_redirect_uri,
        },
        "user": {"username": "bench.user", "password": "any"},
        "authorization_endpoint": meta["authorization_endpoint"],
        "token_endpoint": meta["token_endpoint"],
    }
    row = Row("peer code + PKCE flow (login + consent)", args.connections, "flows/s")
    for _ in range(args.runs):
        before = harness.cpu_seconds(pid) if pid else 0.0
        argv = [sys.executable, "-m", "benchmarks.flow", "peerflows", "--base", origin]
        argv += ["--creds", json.dumps(creds), "--threads", str(args.connections)]
        argv += ["--duration", str(args.duration)]
        out = subprocess.run(
            harness.pinned(LOAD_CPU, argv),
            capture_output=True,
            text=True,
            check=True,
            cwd=harness.ROOT,
        ).stdout
        cpu = (harness.cpu_seconds(pid) - before) if pid else float("nan")
        data = json.loads(out.strip().splitlines()[-1])
        for error in data["first_errors"]:
            print(f"# peer flows: {error}", file=sys.stderr)
        row.runs.append(
            Measured(data["ops"], data["seconds"], data["p50"], data["p99"], data["errors"], cpu)
        )
    return row


def run_peer(args: argparse.Namespace) -> list:
    from benchmarks import harness
    from benchmarks.table import Row

    meta = _get(args.peer)
    parts = urlsplit(args.peer)
    origin = f"{parts.scheme}://{parts.netloc}"
    basic = base64.b64encode(f"{args.peer_client_id}:{args.peer_client_secret}".encode()).decode()
    scope = f"&scope={args.peer_scope}" if args.peer_scope else ""
    workdir = Path(tempfile.mkdtemp(prefix="idp-bench-peer-"))
    pid = args.peer_pid or None
    rows = []

    def wrk(url: str, scenario: str, env: dict):
        return harness.run_wrk(
            url,
            scenario,
            connections=args.connections,
            duration=args.duration,
            workdir=workdir,
            env=env,
            server_pid=pid,
        )

    try:
        if args.peer_client_secret:
            row = Row("peer client-credentials", args.connections)
            env = {"BENCH_BASIC": basic, "BENCH_SCOPE": args.peer_scope}
            for _ in range(args.runs):
                row.runs.append(wrk(meta["token_endpoint"], "client_credentials", env))
            rows.append(row)
            extra = f"&{args.peer_introspect_extra}" if args.peer_introspect_extra else ""
            body = f"grant_type=client_credentials{scope}{extra}".encode()
            token = _post(meta["token_endpoint"], basic, body)["access_token"]
            check = _post(meta["introspection_endpoint"], basic, f"token={token}".encode())
            if not check.get("active"):
                raise SystemExit(f"the peer does not introspect its token as active: {check}")
            row = Row("peer introspection", args.connections)
            env = {"BENCH_BASIC": basic, "BENCH_TOKEN": token}
            for _ in range(args.runs):
                row.runs.append(wrk(meta["introspection_endpoint"], "introspection", env))
            rows.append(row)
        if args.peer_web_secret:
            rows.append(peer_flows(args, meta, origin, pid))
        row = Row("peer discovery + JWKS", args.connections)
        env = {
            "BENCH_DISCOVERY_PATH": parts.path,
            "BENCH_JWKS_PATH": urlsplit(meta["jwks_uri"]).path,
        }
        for _ in range(args.runs):
            row.runs.append(wrk(origin + "/", "discovery", env))
        rows.append(row)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return rows

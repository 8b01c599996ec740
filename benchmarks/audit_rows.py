"""The benchmark's audit rows (issue 12): client credentials with the token's audit entry
and without it, side by side in one run, and their ratio."""

from __future__ import annotations

from typing import TYPE_CHECKING

from benchmarks import harness
from benchmarks.harness import Instance
from benchmarks.table import Row

if TYPE_CHECKING:
    from benchmarks.run import Bench

#: The benchmark-only switch that skips the audit entry of each client-credentials token.
AUDIT_OFF = {"IDP_AUDIT_RECORD_TOKEN_ISSUANCE": "false"}


def audit_note(off: Row, on: Row) -> str:
    """The audit-on row's note: its rate and CPU per token against the audit-off row's."""
    if not off.runs or not on.runs or not off.median().rate:
        return ""
    rate = on.median().rate / off.median().rate
    cpu = on.cpu_ms_per_op() / off.cpu_ms_per_op() if off.cpu_ms_per_op() else float("nan")
    return f"rate {rate:.0%} of audit off (target >= 90%), CPU/op {cpu:.2f}x"


def audit_rows(bench: Bench, instance: Instance, creds: dict) -> list[Row]:
    """Two servers of the same shape (one with the benchmark-only switch off) and their runs
    interleaved, so that other load on the machine falls on both alike."""
    from benchmarks.run import CHEAP_HASH, basic

    svc = {"BENCH_BASIC": basic(creds["svc"]), "BENCH_SCOPE": "claims"}
    conc = bench.args.connections
    off = Row("client-credentials, audit off", conc)
    on = Row("client-credentials, audit on", conc)
    env = bench.server_env(CHEAP_HASH)
    argv = bench.serve_argv()
    with (
        harness.serving(
            instance, "audit-off", {**env, **AUDIT_OFF}, argv, port=harness.free_port()
        ) as without,
        harness.serving(instance, "audit-on", env, argv, port=harness.free_port()) as with_audit,
    ):
        for _ in range(bench.args.runs):
            off.runs.append(bench.wrk(instance, without, "client_credentials", dict(svc)))
            on.runs.append(bench.wrk(instance, with_audit, "client_credentials", dict(svc)))
    on.note = audit_note(off, on)
    return [off, on]

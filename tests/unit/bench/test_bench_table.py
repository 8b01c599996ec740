"""The benchmark command's parsing and table (no timing: a fixture of wrk's output)."""

from __future__ import annotations

from benchmarks.harness import Measured, measured_from, parse_wrk
from benchmarks.run import parse_args
from benchmarks.table import Row, render

WRK_OUTPUT = """Running 3s test @ http://127.0.0.1:5000/oauth/token
  2 threads and 16 connections
  3000 requests in 3.00s, 1.2MB read
Requests/sec:   1000.00
BENCH-JSON {"requests": 3000, "duration_us": 3000000, "p50_us": 12500, "p99_us": 31000, \
"errors": {"connect": 0, "read": 0, "write": 0, "status": 2, "timeout": 1}}
"""


def test_wrk_summary_line_becomes_a_measurement():
    measured = measured_from(parse_wrk(WRK_OUTPUT), cpu=1.5)
    assert measured.ops == 3000 and measured.rate == 1000.0
    assert (measured.p50, measured.p99, measured.errors) == (12.5, 31.0, 3)
    assert measured.cpu_ms_per_op == 0.5


def test_table_shows_the_median_run_and_summed_errors():
    row = Row("client-credentials", 16)
    for rate, errors in ((900, 0), (1100, 1), (1000, 0)):
        row.runs.append(Measured(rate * 10, 10.0, rate / 100, rate / 10, errors, rate * 0.01))
    table = render([row, Row("not run", 16)])
    lines = table.splitlines()
    assert lines[0].startswith("| scenario")
    cells = [c.strip() for c in lines[2].split("|")[1:-1]]
    assert cells[:7] == ["client-credentials", "16", "1,000 req/s", "10.0", "100.0", "1", "1.00"]
    assert "| not run " in lines[3]


def test_defaults_are_the_issue_shape():
    """16 connections, 3 runs; one server process for the one core it is pinned to."""
    args = parse_args([])
    assert (args.connections, args.runs, args.workers, args.threads) == (16, 3, 1, 8)
    assert args.redis.endswith("/14")


def _row(name: str, rates: tuple[int, ...], cpu_ms: float) -> Row:
    row = Row(name, 16)
    for rate in rates:
        row.runs.append(Measured(rate * 10, 10.0, 10.0, 20.0, 0, rate * 10 * cpu_ms / 1000))
    return row


def test_audit_on_and_off_are_default_rows_side_by_side_with_their_ratio():
    from benchmarks.audit_rows import audit_note
    from benchmarks.run import SCENARIOS

    assert "audit" in SCENARIOS  # part of `make bench`, not only of --only
    off = _row("client-credentials, audit off", (1000, 1200, 1100), 0.50)
    on = _row("client-credentials, audit on", (950, 1050, 1000), 0.55)
    on.note = audit_note(off, on)
    assert on.note == "rate 91% of audit off (target >= 90%), CPU/op 1.10x"
    lines = render([off, on]).splitlines()
    assert lines[2].startswith("| client-credentials, audit off ")
    assert lines[3].startswith("| client-credentials, audit on ")
    assert lines[3].rstrip(" |").endswith("CPU/op 1.10x")


def test_audit_note_is_empty_when_a_row_did_not_run():
    from benchmarks.audit_rows import audit_note

    assert audit_note(Row("off", 16), _row("on", (1000,), 0.5)) == ""


def test_signin_note_gives_the_share_by_rate_and_by_cpu_beyond_the_hash():
    from benchmarks.run import signin_note

    signins, raw = Row("password sign-ins", 16), Row("raw Argon2id", 1)
    assert signin_note(signins, raw) == ""
    signins.runs.append(Measured(40, 2.0, 0, 0, 0, 40 * 0.025))  # 20/s, 25 ms CPU each
    raw.runs.append(Measured(100, 4.0, 0, 0, 0, 100 * 0.020))  # 25/s, 20 ms CPU each
    assert signin_note(signins, raw) == "80% of raw Argon2id; by CPU 80%, 5.0 ms beyond the hash"


def test_growth_note_gives_each_interleaved_pair_then_the_medians():
    from benchmarks.run import growth_note

    small = _row("refresh [small]", (300, 320, 310), 3.0)
    grown = _row("refresh [grown]", (250, 320, 280), 3.3)
    assert growth_note(small, grown) == (
        "vs small: rate 1.11x slower (pairs 1.20 1.00 1.11), CPU/op 1.10x"
    )
    assert growth_note(small, Row("refresh [grown]", 16)) == ""

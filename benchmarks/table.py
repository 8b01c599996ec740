"""The benchmark's table: one row per scenario, the median of its runs."""

from __future__ import annotations

import statistics

from benchmarks.harness import Measured


class Row:
    def __init__(self, name: str, concurrency: int | str, unit: str = "req/s"):
        self.name = name
        self.concurrency = concurrency
        self.unit = unit
        self.runs: list[Measured] = []
        self.note = ""

    def median(self) -> Measured:
        ordered = sorted(self.runs, key=lambda m: m.rate)
        return ordered[len(ordered) // 2]

    def cpu_ms_per_op(self) -> float:
        return statistics.median(m.cpu_ms_per_op for m in self.runs)

    def cells(self) -> list[str]:
        if not self.runs:
            return [self.name, str(self.concurrency), "-", "-", "-", "-", "-", self.note]
        mid = self.median()
        cpu = self.cpu_ms_per_op()
        return [
            self.name,
            str(self.concurrency),
            f"{mid.rate:,.1f} {self.unit}" if mid.rate < 100 else f"{mid.rate:,.0f} {self.unit}",
            f"{mid.p50:.1f}",
            f"{mid.p99:.1f}",
            str(sum(m.errors for m in self.runs)),
            "-" if cpu != cpu else f"{cpu:.2f}",  # NaN: not measured (in-process rows)
            self.note,
        ]


HEADER = ["scenario", "conc", "rate (median)", "p50 ms", "p99 ms", "errors", "CPU ms/op", "note"]


def render(rows: list[Row]) -> str:
    table = [HEADER, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADER))]
    out = []
    for n, line in enumerate(table):
        out.append("| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |")
        if n == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)

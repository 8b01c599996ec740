"""The metrics. Defined once per process; in multiprocess mode each worker writes its own
files and the exposition sums them (histograms and counters only: nothing here needs a live
gauge, so a dead worker's values rightly stay in the totals)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

#: Latency buckets (seconds): protocol answers are a few ms, sign-ins hash for ~50 ms.
BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

REQUEST_SECONDS = Histogram(
    "idp_request_duration_seconds",
    "Time to answer a request, by route rule (never the raw path) and method.",
    ["endpoint", "method"],
    buckets=BUCKETS,
)
RESPONSES = Counter(
    "idp_responses_total", "Answers by route rule and status class.", ["endpoint", "status"]
)
TOKENS_ISSUED = Counter(
    "idp_tokens_issued_total", "Token endpoint answers with a token, by grant type.", ["grant_type"]
)
SIGN_INS = Counter("idp_sign_ins_total", "Passwords accepted at the sign-in form.")
SIGN_IN_FAILURES = Counter("idp_sign_in_failures_total", "Sign-in attempts refused.")
LOCKOUTS = Counter("idp_lockouts_total", "Locks placed, per source or on the account.", ["kind"])
DEPENDENCY_ERRORS = Counter(
    "idp_dependency_errors_total",
    "Errors from the database or Redis met while answering a request.",
    ["dependency"],
)

#: Audit events that stand for a metric (counted when the audit row is written).
AUDIT_COUNTERS = {
    "login.succeeded": SIGN_INS,
    "login.failed": SIGN_IN_FAILURES,
    "lockout.locked": LOCKOUTS.labels(kind="source"),
    "account.locked": LOCKOUTS.labels(kind="account"),
}

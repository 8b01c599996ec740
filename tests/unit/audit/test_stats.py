"""Hourly counts of audit entries over a window, in SQL, on either database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from idp.audit.stats import hour_start, hourly_counts
from tests.support.audit_seed import seed

SINCE = datetime(2026, 11, 17, 11, tzinfo=UTC)
US = timedelta(microseconds=1)


def test_entries_fall_in_their_hour_with_the_edges_exact_and_empty_hours_zero(app):
    seed("login.failed", SINCE)  # first instant of hour 0
    seed("login.failed", SINCE - US)  # just before the window
    seed("login.failed", SINCE + timedelta(hours=5) - US)  # last instant of hour 4
    seed("login.failed", SINCE + timedelta(hours=5))  # first instant of hour 5
    seed("login.failed", SINCE + timedelta(hours=5, minutes=30))
    seed("login.failed", SINCE + timedelta(hours=168) - US)  # last instant of hour 167
    seed("login.failed", SINCE + timedelta(hours=168))  # just after the window
    seed("login.succeeded", SINCE + timedelta(hours=5))
    seed("oauth.token.issued", SINCE + timedelta(hours=5))  # not asked for

    counts = hourly_counts(["login.failed", "login.succeeded", "password.reset"], SINCE, 168)

    assert set(counts) == {"login.failed", "login.succeeded", "password.reset"}
    failed = counts["login.failed"]
    assert len(failed) == 168
    assert {i: n for i, n in enumerate(failed) if n} == {0: 1, 4: 1, 5: 2, 167: 1}
    assert {i: n for i, n in enumerate(counts["login.succeeded"]) if n} == {5: 1}
    assert counts["password.reset"] == [0] * 168


def test_entries_older_than_the_window_are_not_counted(app):
    seed("login.succeeded", SINCE - timedelta(days=3))
    seed("login.succeeded", SINCE - timedelta(hours=1))
    assert hourly_counts(["login.succeeded"], SINCE, 168) == {"login.succeeded": [0] * 168}


def test_a_window_given_in_another_time_zone_means_the_same_hours(app):
    seed("password.reset", SINCE + timedelta(hours=2, minutes=1))
    tz = datetime(2026, 11, 17, 6, tzinfo=UTC).astimezone().tzinfo
    local = SINCE.astimezone(tz)
    assert hourly_counts(["password.reset"], local, 3)["password.reset"] == [0, 0, 1]


def test_hour_start():
    moment = datetime(2026, 11, 24, 10, 59, 59, 999999, tzinfo=UTC)
    assert hour_start(moment) == datetime(2026, 11, 24, 10, tzinfo=UTC)

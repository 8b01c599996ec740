"""idp.admin.overview and idp.admin.charts without HTTP: the four series from the audit
trail relative to the app clock, the keys leaving the JWKS, the bar geometry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from idp.admin import overview
from idp.admin.charts import HEIGHT, LEFT, PLOT_W, TOP, bar_chart, nice_top
from idp.common.clock import FixedClock
from idp.errors import Forbidden
from idp.jwk.keyring import KeyRing
from tests.support.audit_seed import seed

NOW = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)
SINCE = datetime(2026, 11, 17, 11, tzinfo=UTC)  # 167 hours before 10:00


@pytest.fixture
def clock():
    return FixedClock(NOW.timestamp())


@pytest.fixture
def ring(tmp_path):
    return KeyRing(tmp_path / "keys")


def test_the_window_ends_with_the_clocks_hour_and_lockouts_count_both_kinds(
    settings, sec, clock, ring
):
    seed("lockout.locked", NOW)
    seed("account.locked", NOW - timedelta(minutes=29))
    seed("account.locked", SINCE)
    seed("login.succeeded", SINCE - timedelta(seconds=1))  # before the window
    seed("login.succeeded", NOW + timedelta(hours=1))  # after the clock's hour
    seed("login.failed", NOW - timedelta(hours=24))
    seed("password.reset", NOW - timedelta(hours=24, minutes=1))
    found = overview.overview(settings, sec, clock=clock, ring=ring)
    assert found.now == NOW and found.charts is not None
    by_key = {s.key: s for s in found.charts}
    assert list(by_key) == ["sign-ins", "failures", "lockouts", "resets"]
    assert all(s.since == SINCE and len(s.counts) == 168 for s in found.charts)
    assert by_key["lockouts"].counts[167] == 2 and by_key["lockouts"].counts[0] == 1
    assert by_key["lockouts"].total == 3
    assert by_key["sign-ins"].total == 0 and by_key["sign-ins"].peak is None
    assert by_key["failures"].counts[143] == 1  # 10:30 the day before: hour 10:00
    assert by_key["resets"].counts[143] == 1  # 10:29 the day before: the same hour
    assert by_key["lockouts"].peak == (datetime(2026, 11, 24, 10, tzinfo=UTC), 2)


def test_numbers_per_day_follow_utc_days(settings, sec, clock, ring):
    seed("login.succeeded", datetime(2026, 11, 17, 23, 59, tzinfo=UTC))
    seed("login.succeeded", datetime(2026, 11, 18, 0, 0, tzinfo=UTC))
    seed("password.reset", datetime(2026, 11, 24, 0, 0, tzinfo=UTC))
    found = overview.overview(settings, sec, clock=clock, ring=ring)
    rows = dict(found.per_day())
    assert list(rows)[0].isoformat() == "2026-11-17" and len(rows) == 8
    assert rows[datetime(2026, 11, 17).date()] == [1, 0, 0, 0]
    assert rows[datetime(2026, 11, 18).date()] == [1, 0, 0, 0]
    assert rows[datetime(2026, 11, 24).date()] == [0, 0, 0, 1]


def test_keys_leaving_within_a_week_soonest_first(settings, sec, clock, ring):
    ring.generate("ES256", "active")
    leaving = {}
    for name, when in (("far", NOW + timedelta(days=8)), ("later", NOW + timedelta(days=6))):
        leaving[name] = ring.generate("ES256", "retired")
        leaving[name].drop_after = when.timestamp()
    leaving["overdue"] = ring.generate("ES256", "retired")
    leaving["overdue"].drop_after = NOW.timestamp() - 60  # not pruned yet
    for state in leaving.values():
        ring.save_state(state)
    found = overview.overview(settings, sec, clock=clock, ring=ring)
    assert [k.kid for k in found.keys or []] == [leaving["overdue"].kid, leaving["later"].kid]


def test_office_people_may_not(settings, office, clock, ring):
    _, boss, desk = office
    for person in (boss, desk):
        with pytest.raises(Forbidden):
            overview.overview(settings, person, clock=clock, ring=ring)


def test_bars_one_per_hour_scaled_to_a_round_top():
    counts = [0] * 168
    counts[0], counts[100], counts[167] = 3, 7, 1
    chart = bar_chart(overview.Hourly("x", "Sign-ins", ("login.succeeded",), SINCE, counts))
    assert len(chart.bars) == 168 and chart.top == 10
    tallest = chart.bars[100]
    assert tallest.height == pytest.approx((HEIGHT - TOP - 34) * 0.7, abs=0.01)
    assert chart.bars[1].height == 0 and chart.bars[0].x > LEFT
    assert chart.bars[167].x + chart.bars[167].width < LEFT + PLOT_W
    # Midnights of Nov 18 .. 24; the first day starts at 11:00 and the last at the right
    # edge: too little room for their labels (the last keeps its tick).
    assert [d.label for d in chart.days] == [
        "Wed 18", "Thu 19", "Fri 20", "Sat 21", "Sun 22", "Mon 23", ""
    ]  # fmt: skip
    assert all(d.line for d in chart.days)
    assert chart.summary == "11 in the last 7 days; busiest hour Sat 21 Nov 15:00 UTC (7)."


def test_a_first_day_with_room_gets_its_label_without_a_tick():
    since = datetime(2026, 11, 17, 1, tzinfo=UTC)
    chart = bar_chart(overview.Hourly("x", "Resets", ("password.reset",), since, [0] * 168))
    assert chart.days[0].label == "Tue 17" and not chart.days[0].line
    assert chart.days[0].x == LEFT and chart.days[1].label == "Wed 18" and chart.days[1].line


@pytest.mark.parametrize(
    ("peak", "top"), [(0, 1), (1, 1), (2, 2), (3, 5), (6, 10), (11, 20), (21, 50), (501, 1000)]
)
def test_nice_top(peak, top):
    assert nice_top(peak) == top

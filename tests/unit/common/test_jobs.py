"""What the scheduled jobs share (``idp.common.jobs``): the report, the end of a claim, the
two kinds of notice mail, and the run of a rule counted in days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import pytest

from idp.common import jobs
from idp.common.clock import FixedClock
from idp.common.day_settings import DayRule
from idp.extensions import db
from tests.factories import make_user
from tests.support.jobs import BrokenMailer

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)


@dataclass
class TwoSteps(jobs.JobReport):
    warned: list[str] = jobs.step("people warned")
    ended: list[str] = jobs.step("ended")
    failed_label: ClassVar[str] = "notices failed"


def test_a_report_lists_its_steps_in_order_and_failed_last():
    report = TwoSteps(failed=["c"], warned=["a", "b"])
    assert list(report.as_dict()) == ["warned", "ended", "failed"]
    assert report.as_dict() == {"warned": ["a", "b"], "ended": [], "failed": ["c"]}
    assert report.summary() == "people warned: 2; ended: 0; notices failed: 1"
    assert jobs.JobReport().summary() == "mail failed: 0"


def test_a_claimed_notice_whose_mail_fails_is_released_for_the_next_run(app):
    released: list[str] = []
    report = TwoSteps()
    assert report.send_claimed(["a"], lambda: None, lambda: released.append("a"), "a notice")
    assert released == [] and report.failed == []
    mail = BrokenMailer()
    assert not report.send_claimed(
        ["b", "c"], lambda: mail.send_template(), lambda: released.append("b"), "a notice"
    )
    assert released == ["b"] and report.failed == ["b", "c"]


def test_the_notice_of_a_step_taken_is_reported_failed_and_the_run_goes_on():
    report = TwoSteps()
    report.tell("a", lambda: None, "a notice")
    report.tell("b", BrokenMailer().send_template, "a notice")
    assert report.failed == ["b"]


def test_a_claim_won_commits_with_what_goes_with_it_a_claim_lost_rolls_back(app):
    won = make_user("claim.won")
    won.display_name = "Changed"
    assert jobs.claimed(True, lambda: setattr(won, "username", "claim.renamed"))
    db.session.rollback()  # nothing left to undo: it was committed
    assert (won.display_name, won.username) == ("Changed", "claim.renamed")

    lost = make_user("claim.lost")
    lost.display_name = "Not saved"
    ran: list[bool] = []
    assert not jobs.claimed(False, lambda: ran.append(True))
    assert ran == [] and lost.display_name != "Not saved"


def test_mail_to_each_recipient_goes_on_past_a_failure():
    sent: list[str] = []

    def send(to: str) -> None:
        if to == "down":
            raise ConnectionRefusedError(to)
        sent.append(to)

    assert jobs.mail_each(["a", "down", "b"], send, "a notice") == 2
    assert sent == ["a", "b"]
    assert jobs.mail_each([], send, "a notice") == 0


def _run(rule: DayRule) -> list[tuple[str, datetime]]:
    calls: list[tuple[str, datetime]] = []
    report = jobs.run_day_rule(
        rule,
        FixedClock(NOW.timestamp()),
        TwoSteps(),
        over=lambda now, report: calls.append(("over", now)),
        warn=lambda now, report: calls.append(("warn", now)),
    )
    assert isinstance(report, TwoSteps)
    return calls


@pytest.mark.parametrize(
    ("period", "warning", "expected"),
    [(0, 0, []), (0, 7, []), (90, 0, ["over"]), (90, 7, ["over", "warn"])],
)
def test_a_rule_in_days_ends_first_then_warns_each_only_while_on(period, warning, expected):
    calls = _run(DayRule(timedelta(days=period), timedelta(days=warning)))
    assert [name for name, _ in calls] == expected
    assert all(now == NOW for _, now in calls)


def test_a_rule_in_days_counts_back_from_now():
    rule = DayRule(period=timedelta(days=90), warning=timedelta(days=7))
    assert rule.on and rule.warns
    assert rule.over_before(NOW) == NOW - timedelta(days=90)
    assert rule.warn_before(NOW) == NOW - timedelta(days=83)
    off = DayRule(period=timedelta(0), warning=timedelta(0))
    assert not off.on and not off.warns

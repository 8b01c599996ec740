"""What the scheduled jobs share (``idp inactivity run``, ``idp access-review run``,
``idp orgs expire-memberships``): the report of what a run did, and how a step's claim and
its mail end.

Each step is claimed first with an atomic UPDATE (a compare-and-set in the area's store,
True for one caller), so runs on several instances at once, or repeated, do each thing
once (``claimed``). Two kinds of mail follow a claim:

- a notice claimed before it goes (a warning, a reminder): when the mail fails the claim is
  released and the next run sends it (``JobReport.send_claimed``); a crash between claim
  and mail loses that notice rather than sending it twice;
- the notice of a step already taken (a disabling, a suspension): the step stands when the
  mail fails, and the row is reported as failed (``JobReport.tell``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from idp.common.clock import Clock
from idp.common.day_settings import DayRule
from idp.extensions import db

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R", bound="JobReport")


class NotSent(Exception):
    """A notice none of whose recipients could be mailed."""


def step(label: str) -> Any:
    """A field of a report: the ids one step acted on, ``label`` naming them in the summary."""
    return field(default_factory=list, metadata={"label": label})


@dataclass
class JobReport:
    """The ids a run acted on, a list a step (subclasses declare theirs with ``step``), and
    ``failed``: those whose mail could not be sent."""

    failed: list[str] = field(default_factory=list)
    #: How ``failed`` is named in the summary.
    failed_label: ClassVar[str] = "mail failed"
    #: What the next run does about ``failed``.
    retry: ClassVar[str] = "the next run retries"

    def _steps(self) -> list[tuple[str, str, list[str]]]:
        return [
            (f.name, f.metadata["label"], getattr(self, f.name))
            for f in fields(self)
            if f.name != "failed"
        ]

    def as_dict(self) -> dict[str, list[str]]:
        return {name: ids for name, _, ids in self._steps()} | {"failed": self.failed}

    def summary(self) -> str:
        counts = [f"{label}: {len(ids)}" for _, label, ids in self._steps()]
        return "; ".join([*counts, f"{self.failed_label}: {len(self.failed)}"])

    def send_claimed(
        self, ids: list[str], send: Callable[[], None], release: Callable[[], None], what: str
    ) -> bool:
        """Send a notice about ``ids`` whose claim is committed; when the mail fails,
        release the claim (committed) so the next run sends it, and report ``ids`` failed."""
        try:
            send()
        except Exception:
            log.exception("could not mail %s of %s", what, ", ".join(ids))
            release()
            db.session.commit()
            self.failed.extend(ids)
            return False
        return True

    def tell(self, row_id: str, send: Callable[[], None], what: str) -> None:
        """Mail the notice of a step already taken: when the mail fails the step stands and
        the row is reported failed."""
        try:
            send()
        except Exception:
            log.exception("could not mail %s of %s", what, row_id)
            self.failed.append(row_id)


def claimed(won: bool, then: Callable[[], None] | None = None) -> bool:
    """End the transaction of a claim: when this run won it, ``then()`` (what goes with the
    step in the same transaction, such as its audit event) and commit; when another run
    had it, roll back. Whether this run won."""
    if not won:
        db.session.rollback()
        return False
    if then is not None:
        then()
    db.session.commit()
    return True


def mail_each(recipients: Iterable[T], send: Callable[[T], None], what: str) -> int:
    """``send`` to each recipient (an office's administrators): a failure is logged and the
    others still get theirs. How many were sent."""
    sent = 0
    for recipient in recipients:
        try:
            send(recipient)
        except Exception:
            log.exception("could not mail %s to a recipient", what)
            continue
        sent += 1
    return sent


def run_day_rule(
    rule: DayRule,
    clock: Clock,
    report: R,
    *,
    over: Callable[[datetime, R], None],
    warn: Callable[[datetime, R], None],
) -> R:
    """A job on a rule counted in days: nothing while the rule is off; else, at the clock's
    now, ``over`` (what the end of the period does: a disabling, a suspension) first, then
    ``warn`` (the warnings due, while the rule warns). The report they filled."""
    if rule.on:
        now = clock.now()
        over(now, report)
        if rule.warns:
            warn(now, report)
    return report

"""Failure counting per account and source, with doubling locks, on the shared state.

A *source* is the caller's IP address, or the browser's device cookie when that browser
signed in to the account before (OWASP "device cookies"): failures from elsewhere never lock
such a browser out. Each attempt first takes a numbered slot with one atomic increment, and
only attempts within the allowed number are checked at all, so parallel requests on any
number of instances cannot get more guesses than configured. The attempt that uses the last
slot and fails sets the lock (before it resets the count, and every attempt looks for the
lock again after taking its slot, so none slips in between); locks double on each repeat
within a day, up to the maximum.

The per-account ceiling counts failures from every source; reaching it is reported to the
caller (the sign-in service), which locks the account itself.

Per-source failure counts, locks and strike counts are durable
(:class:`idp.state.DurableState`): a Redis that restarts empty or is flushed forgets no
failure, no lock and no doubling; the lock check stays one Redis round trip. The account-wide
count towards the ceiling stays in the shared state only (other services clear it on unlock);
losing it restarts that count, it never unlocks an account (``users.status``).

The password step counts by the *submitted identifier* (normalised, hashed:
:func:`identifier_subject`) whether or not an account has it, so a lock tells nothing about
which accounts exist and the page may say plainly that this browser is locked out and until
when. The second-factor steps count by account id (the person is known by then). A completed
password reset clears the locks of the account's identifiers for every source
(:meth:`Lockout.clear_subjects`): each lock records when it was set, and a lock set before
the subject's ``cleared`` mark no longer holds.

Every key of this module is built here (:func:`key`); other modules call these functions.
"""

from __future__ import annotations

from dataclasses import dataclass

from idp.common.clock import Clock
from idp.common.tokens import token_hash
from idp.state.base import SharedState
from idp.state.durable import DurableState

DAY = 24 * 60 * 60


def key(kind: str, subject: str, source: str) -> str:
    """The key of a per-source record: ``fail`` (count), ``lock`` (until), ``strikes``."""
    return f"lockout:{kind}:{subject}:{source}"


def cleared_key(subject: str) -> str:
    """When the subject's locks were last cleared (a password reset)."""
    return f"lockout:cleared:{subject}"


def identifier_subject(normalised_identifier: str) -> str:
    """The password step's subject: the submitted identifier, whether an account has it or not."""
    return "name:" + token_hash(normalised_identifier)


def account_key(subject: str) -> str:
    """The key of the per-account failure count (the ceiling)."""
    return f"lockout:account:{subject}"


@dataclass
class Attempt:
    subject: str
    source: str
    allowed: bool
    number: int = 0


@dataclass
class Outcome:
    """What a failure caused: a lock for this source, and/or the account ceiling reached."""

    locked_minutes: int = 0
    ceiling_reached: bool = False


class Lockout:
    def __init__(
        self, state: SharedState, durable: DurableState, settings, clock: Clock | None = None
    ):
        self.state = state
        self.durable = durable
        self.settings = settings
        self.clock = clock or Clock()

    @property
    def limit(self) -> int:
        return self.settings.auth_lockout_failures

    def locked_until(self, subject: str, source: str) -> float | None:
        raw = self.durable.get(key("lock", subject, source))
        if raw is None:
            return None
        until_text, _, set_text = raw.partition(" ")
        until = float(until_text)
        if until <= self.clock.time():
            return None
        if set_text:
            cleared = self.durable.get(cleared_key(subject))
            if cleared is not None and float(cleared) >= float(set_text):
                return None
        return until

    def begin(self, subject: str, source: str) -> Attempt:
        """Take a slot for one attempt; ``allowed`` is False while locked or out of slots."""
        if self.locked_until(subject, source) is not None:
            return Attempt(subject, source, allowed=False)
        fail_key = key("fail", subject, source)
        window = self.settings.auth_lockout_window_minutes * 60
        number = self.durable.incr(fail_key, ttl=window)
        if self.locked_until(subject, source) is not None:
            # A parallel attempt set the lock (and reset the count) since the first check.
            self.durable.incr(fail_key, ttl=window, amount=-1)
            return Attempt(subject, source, allowed=False)
        return Attempt(subject, source, allowed=number <= self.limit, number=number)

    def succeeded(self, attempt: Attempt) -> None:
        self.durable.reset(key("fail", attempt.subject, attempt.source))

    def release(self, attempt: Attempt) -> None:
        """Give back the slot of an attempt that did not fail (failures so far still count)."""
        if attempt.allowed and attempt.number > 0:
            self.durable.incr(
                key("fail", attempt.subject, attempt.source),
                ttl=self.settings.auth_lockout_window_minutes * 60,
                amount=-1,
            )

    def failed(self, attempt: Attempt, *, count_for_account: bool = True) -> Outcome:
        outcome = Outcome()
        if count_for_account:
            failures = self.state.incr(
                account_key(attempt.subject),
                ttl=self.settings.auth_account_ceiling_hours * 3600,
            )
            outcome.ceiling_reached = failures == self.settings.auth_account_ceiling_failures
        if attempt.allowed and attempt.number == self.limit:
            outcome.locked_minutes = self._lock(attempt.subject, attempt.source)
        return outcome

    def _lock(self, subject: str, source: str) -> int:
        strikes = self.durable.incr(key("strikes", subject, source), ttl=DAY)
        minutes = min(
            self.settings.auth_lockout_minutes * 2 ** (strikes - 1),
            self.settings.auth_lockout_max_minutes,
        )
        now = self.clock.time()
        until = now + minutes * 60
        self.durable.set(key("lock", subject, source), f"{until!r} {now!r}", ttl=minutes * 60 + 1)
        self.durable.reset(key("fail", subject, source))
        return minutes

    def clear_subjects(self, subjects: list[str]) -> None:
        """Lift every lock of these subjects, from every source (after a password reset)."""
        ttl = self.settings.auth_lockout_max_minutes * 60 + 60
        for subject in subjects:
            self.durable.set(cleared_key(subject), repr(self.clock.time()), ttl=ttl)

    def account_failures(self, subject: str) -> int:
        raw = self.state.get(account_key(subject))
        return int(raw) if raw else 0

    def clear_account(self, subject: str) -> None:
        """Forget the account-wide count (after an unlock)."""
        self.state.delete(account_key(subject))

"""What the tests of the scheduled jobs share: a clock at a moment, and a mail server that
is down."""

from __future__ import annotations

from datetime import datetime, timedelta

from idp.common.clock import FixedClock


def at(moment: datetime, **delta) -> FixedClock:
    """A clock standing at ``moment`` shifted by ``delta`` (``timedelta`` keywords)."""
    return FixedClock((moment + timedelta(**delta)).timestamp())


class BrokenMailer:
    def send_template(self, *args, **kwargs):
        raise ConnectionRefusedError("mail server down")

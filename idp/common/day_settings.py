"""Rules counted in days (the access review's and the inactivity rule's): the shape they
share (``DayRule``), and the validation of their settings, whose ranges depend on each
other (each area registers its own with ``idp.config.TABLE_VALIDATORS``, run once at
start-up)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from idp.config import ConfigError, env_name


@dataclass(frozen=True)
class DayRule:
    """A period counted from a moment (an account's last use, a membership's last
    confirmation), with a warning ``warning`` before it is over; off while ``period`` is 0.
    Pure arithmetic: the pages, the jobs and the tests read the same numbers."""

    period: timedelta
    warning: timedelta

    @property
    def on(self) -> bool:
        return self.period > timedelta(0)

    @property
    def warns(self) -> bool:
        return self.warning > timedelta(0)

    def over_before(self, now: datetime) -> datetime:
        """Counted from at or before this, the period is over at ``now``."""
        return now - self.period

    def warn_before(self, now: datetime) -> datetime:
        """Counted from at or before this, the warning is due at ``now``."""
        return now - self.period + self.warning


def check_days(
    values: Mapping[str, Any], highest: Mapping[str, int], shorter: Mapping[str, str]
) -> None:
    """Every name of ``highest`` is from 0 to its limit; every name of ``shorter`` is less
    than the setting it maps to while that one is on (not 0). Raises ConfigError."""
    for name, high in highest.items():
        if not 0 <= values[name] <= high:
            raise ConfigError(
                f"{env_name(name)}: must be a whole number from 0 to {high}; got {values[name]!r}"
            )
    for name, limit in shorter.items():
        if values[limit] and values[name] >= values[limit]:
            raise ConfigError(
                f"{env_name(name)}: must be less than {env_name(limit)} ({values[limit]}); "
                f"got {values[name]}"
            )

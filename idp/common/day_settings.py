"""Validation of settings counted in days whose ranges depend on each other (the access
review's and the inactivity rule's): each area registers its own with
``idp.config.TABLE_VALIDATORS``, run once at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from idp.config import ConfigError, env_name


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

"""The catalogue of audit events: name -> (outcome, meaning), kept as data in
``events.toml`` beside this module.

``record`` takes the outcome from here when the caller does not give one; ``docs/audit.md``
lists the same table and ``tests/unit/audit/test_event_catalogue.py`` drives each event
named there through the code that writes it. Areas may write events not (yet) listed:
their outcome is ``failure`` when the name says so (see :func:`default_outcome`).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

SUCCESS, FAILURE = "success", "failure"
CATALOGUE = Path(__file__).with_name("events.toml")


def _load(path: Path) -> dict[str, tuple[str, str]]:
    """The catalogue file, checked as it is read: a wrong outcome stops the start-up."""
    with path.open("rb") as file:
        raw = tomllib.load(file)
    events = {}
    for name, entry in raw.items():
        outcome, meaning = entry
        if outcome not in (SUCCESS, FAILURE) or not isinstance(meaning, str):
            raise ValueError(f"{path.name}: {name}: expected [success|failure, meaning]")
        events[name] = (outcome, meaning)
    return events


EVENTS: dict[str, tuple[str, str]] = _load(CATALOGUE)

_FAILURE_SUFFIXES = (".failed", ".refused", ".denied", ".rejected", "_refused", "_failed")


def default_outcome(event: str) -> str:
    known = EVENTS.get(event)
    if known is not None:
        return known[0]
    return FAILURE if event.endswith(_FAILURE_SUFFIXES) else SUCCESS

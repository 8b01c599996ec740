"""Audit search filters as people and scripts type them (a form's or a query string's
fields), checked into :class:`idp.audit.search.Filters`. The console, the office page and
the API parse with this; a bad value is a ``FieldErrors`` naming the field (a 400)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from idp.accounts.fields import FieldErrors
from idp.audit.chain import iso
from idp.audit.search import Filters

#: Query-string / form name -> ``Filters`` field.
FIELDS = {
    "since": "since",
    "until": "until",
    "event": "event",
    "actor": "actor_id",
    "subject": "subject_id",
    "office": "org_id",
    "client": "client_id",
    "ip": "ip",
    "outcome": "outcome",
}
OUTCOMES = ("success", "failure")
_EVENT = re.compile(r"^[a-z0-9_.\-]{1,80}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_VALUE = 64


def _text(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def _when(name: str, raw: str, errors: dict[str, str]) -> datetime | None:
    """An ISO date (``2026-12-01``) or time (``2026-12-01T08:00``, UTC unless it says);
    ``until`` a date means through the end of that day."""
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        errors[name] = "Enter a date (YYYY-MM-DD) or a time (YYYY-MM-DDTHH:MM), in UTC."
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if name == "until" and _DATE.match(raw):
        parsed += timedelta(days=1)
    return parsed


def parse(args: Mapping[str, str], *, office: bool = True) -> Filters:
    """The filters in ``args``; empty fields are no filter. ``office=False``: the office is
    the page's own, an ``office`` field is ignored. FieldErrors for every bad field."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, attribute in FIELDS.items():
        if name == "office" and not office:
            continue
        raw = _text(args.get(name) or "")
        if not raw:
            continue
        if name in ("since", "until"):
            values[attribute] = _when(name, raw, errors)
        elif name == "outcome":
            if raw not in OUTCOMES:
                errors[name] = "Choose success or failure."
            values[attribute] = raw
        elif name == "event":
            if not _EVENT.match(raw):
                errors[name] = (
                    "An event name (login.failed) or a prefix ending in a dot (login.): "
                    "lower-case letters, digits, dots, _ and -."
                )
            values[attribute] = raw
        elif len(raw) > MAX_VALUE or any(unicodedata.category(c) == "Cc" for c in raw):
            errors[name] = f"At most {MAX_VALUE} characters, no control characters."
        else:
            values[attribute] = raw
    since, until = values.get("since"), values.get("until")
    if since and until and since >= until:
        errors["until"] = "Must be after the start."
    if errors:
        raise FieldErrors(errors)
    return Filters(**values)


def described(filters: Filters) -> dict[str, str]:
    """The filters that are set, by their query-string names (for the audit entry of a
    search or an export, and for links that carry the same filters)."""
    by_attribute = {attribute: name for name, attribute in FIELDS.items()}
    out: dict[str, str] = {}
    for attribute, value in asdict(filters).items():
        if value is None or value == "":
            continue
        out[by_attribute[attribute]] = iso(value) if isinstance(value, datetime) else value
    return out

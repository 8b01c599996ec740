"""Numbers typed by people or sent by clients."""

from __future__ import annotations


def ascii_digits(text: str) -> bool:
    """Only 0-9, at least one. ``str.isdigit`` also accepts ``①`` and ``²``, which ``int``
    then refuses: a check by ``isdigit`` alone turns such input into a 500."""
    return text.isascii() and text.isdigit()


def page_number(raw: str | None, *, limit: int = 999_999) -> int | None:
    """A page number from a query string: a whole number from 1 to ``limit``, else None."""
    if raw is None or not ascii_digits(raw) or len(raw) > len(str(limit)):
        return None
    number = int(raw)
    return number if 1 <= number <= limit else None

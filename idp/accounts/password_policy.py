"""Password policy after NIST SP 800-63B section 3.1.1.2: length, a blocklist, context words.

No composition rules and no forced rotation. The blocklist ships with the package
(``data/common-passwords.txt.gz``, see the README for its source and licence) and is loaded
once per process into a frozenset; comparison ignores case, so "PassWord123456" is refused
like "password123456".
"""

from __future__ import annotations

import functools
import gzip
import unicodedata
from importlib import resources

MIN_LENGTH = 12
MAX_LENGTH = 128
BLOCKLIST_FILE = "common-passwords.txt.gz"


@functools.cache
def blocklist() -> frozenset[str]:
    data = resources.files("idp.accounts").joinpath("data", BLOCKLIST_FILE).read_bytes()
    text = gzip.decompress(data).decode("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def _configured_lengths() -> tuple[int, int]:
    from flask import current_app, has_app_context

    if not has_app_context() or "IDP_SETTINGS" not in current_app.config:
        return MIN_LENGTH, MAX_LENGTH
    settings = current_app.config["IDP_SETTINGS"]
    return (
        getattr(settings, "auth_password_min_length", MIN_LENGTH),
        getattr(settings, "auth_password_max_length", MAX_LENGTH),
    )


def _normalise(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().lower()


def check_password(
    password: str,
    *,
    username: str = "",
    email: str = "",
    min_length: int | None = None,
    max_length: int | None = None,
) -> list[str]:
    """Problems with a new password, as sentences to show; an empty list means it is fine.

    Lengths default to the ``auth_password_*_length`` settings of the running app (so every
    caller applies the configured policy), else to 12 and 128.
    """
    configured_min, configured_max = _configured_lengths()
    min_length = configured_min if min_length is None else min_length
    max_length = configured_max if max_length is None else max_length
    problems: list[str] = []
    length = len(unicodedata.normalize("NFKC", password or ""))
    if length < min_length:
        problems.append(f"Use at least {min_length} characters.")
    if length > max_length:
        problems.append(f"Use at most {max_length} characters.")
    candidate = _normalise(password or "")
    if not candidate:
        return problems
    context = {_normalise(username), _normalise(email)}
    if email and "@" in email:
        context.add(_normalise(email.split("@", 1)[0]))
    context.discard("")
    if candidate in context:
        problems.append("Do not use your username or email address as your password.")
    elif candidate in blocklist():
        problems.append(
            "This password is on a list of common or breached passwords. Choose another."
        )
    return problems

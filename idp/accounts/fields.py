"""Server-side validation of the account fields people type into forms.

Every check returns a normalized value or records a message under the field's name, so a
form can show all of its problems at once next to the right inputs.
"""

from __future__ import annotations

import importlib
import re
import unicodedata

from idp.errors import DomainError

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
EMAIL_RE = re.compile(rf"^[^@\s]{{1,64}}@{_LABEL}(?:\.{_LABEL})+$")
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024


class FieldErrors(DomainError):
    """One or more form fields were refused; ``errors`` maps field name to message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()) or "The form has errors.")
        self.errors = dict(errors)


def normalize_username(value: str) -> str:
    """NFKC, trimmed, lower-case: the one form usernames are stored and compared in."""
    return unicodedata.normalize("NFKC", value or "").strip().lower()


def normalize_email(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip().lower()


def check_username(value: str, errors: dict[str, str], field: str = "username") -> str:
    username = normalize_username(value)
    if not username:
        errors[field] = "Enter a username."
    elif not USERNAME_RE.match(username):
        errors[field] = (
            "Use 3 to 64 characters: letters, digits, dots, dashes or underscores, "
            "starting with a letter or digit."
        )
    return username


def check_email(value: str, errors: dict[str, str], field: str = "email") -> str:
    email = normalize_email(value)
    if not email:
        errors[field] = "Enter an email address."
    elif len(email) > 254 or not EMAIL_RE.match(email):
        errors[field] = "Enter a valid email address, such as name@practice.org."
    return email


def check_text(
    value: str,
    errors: dict[str, str],
    field: str,
    label: str,
    *,
    max_length: int,
    required: bool = True,
) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        errors[field] = f"Enter the {label}."
    elif len(text) > max_length:
        errors[field] = f"The {label} must be at most {max_length} characters."
    elif any(unicodedata.category(c) == "Cc" for c in text):
        errors[field] = f"The {label} contains characters that are not allowed."
    return text


def password_problems(password: str, *, username: str = "", email: str = "") -> list[str]:
    """Problems with a new password: the authentication area's policy when it is installed
    (``idp.accounts.password_policy.check_password``), else a minimum length."""
    try:
        policy = importlib.import_module("idp.accounts.password_policy")
    except ModuleNotFoundError:
        policy = None
    if len(password) > MAX_PASSWORD_LENGTH:
        return [f"Use at most {MAX_PASSWORD_LENGTH} characters."]
    if policy is not None and hasattr(policy, "check_password"):
        try:
            result = policy.check_password(password, username=username, email=email)
        except DomainError as exc:
            return [exc.message]
        except ValueError as exc:
            return [str(exc)]
        return list(result or [])
    if len(password) < MIN_PASSWORD_LENGTH:
        return [f"Use at least {MIN_PASSWORD_LENGTH} characters."]
    return []


def check_new_password(
    password: str,
    confirm: str,
    errors: dict[str, str],
    *,
    username: str = "",
    email: str = "",
) -> str:
    if not password:
        errors["password"] = "Choose a password."  # noqa: S105
        return password
    problems = password_problems(password, username=username, email=email)
    if problems:
        errors["password"] = " ".join(problems)
    if password != confirm:  # told together with the other problems, not after them
        errors["password_confirm"] = "The two passwords do not match."  # noqa: S105
    return password

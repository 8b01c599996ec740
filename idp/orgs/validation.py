"""Identifiers of a practice: NPI (with its Luhn check digit) and TIN/EIN, plus address."""

from __future__ import annotations

import re

#: The NPI check digit is a Luhn digit over this prefix (the card-issuer prefix of the US
#: health industry) followed by the first nine digits of the NPI.
NPI_LUHN_PREFIX = "80840"

US_STATES = frozenset(
    {
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "AS",
        "GU",
        "MP",
        "PR",
        "VI",
    }
)
POSTAL_RE = re.compile(r"^\d{5}(?:-\d{4})?$")


def _digits_only(value: str) -> str:
    """Spaces and dashes people type as separators are dropped; anything else is kept so
    that it can be refused."""
    return re.sub(r"[\s-]", "", value or "")


def luhn_check_digit(payload: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(payload)):
        n = int(ch)
        if i % 2 == 0:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return (10 - total % 10) % 10


def _number_problem(digits: str, length: int, name: str, asked: str) -> str | None:
    """The problem with a fixed-length identifier typed by a person (spaces, dashes allowed)."""
    if not digits:
        return f"Enter the practice's {asked}."
    if not digits.isascii() or not digits.isdigit():
        return f"The {name} must contain only digits."
    if len(digits) != length:
        return f"The {name} must be exactly {length} digits (you entered {len(digits)})."
    return None


def npi_problem(value: str) -> str | None:
    npi = _digits_only(value)
    problem = _number_problem(npi, 10, "NPI", "10-digit NPI")
    if problem is None and luhn_check_digit(NPI_LUHN_PREFIX + npi[:9]) != int(npi[9]):
        return "This is not a valid NPI: its check digit does not match. Check for a typo."
    return problem


def tin_problem(value: str) -> str | None:
    tin = _digits_only(value)
    problem = _number_problem(tin, 9, "tax ID", "9-digit tax ID (TIN/EIN)")
    if problem is None and tin == "000000000":
        return "This is not a valid tax ID."
    return problem


def check_npi(value: str, errors: dict[str, str], field: str = "npi") -> str:
    problem = npi_problem(value)
    if problem:
        errors[field] = problem
    return _digits_only(value)


def check_tin(value: str, errors: dict[str, str], field: str = "tax_id") -> str:
    problem = tin_problem(value)
    if problem:
        errors[field] = problem
    return _digits_only(value)


def check_state(value: str, errors: dict[str, str], field: str = "state") -> str:
    state = (value or "").strip().upper()
    if state not in US_STATES:
        errors[field] = "Enter the two-letter state code, such as IL."
    return state


def check_postal_code(value: str, errors: dict[str, str], field: str = "postal_code") -> str:
    code = (value or "").strip()
    if not POSTAL_RE.match(code):
        errors[field] = "Enter a ZIP code of 5 digits (or ZIP+4, such as 62701-1234)."
    return code

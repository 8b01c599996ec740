"""Helpers for driving the organization pages like a browser (CSRF tokens included)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from tests.factories import npi_with_check_digit

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: bytes | str) -> str:
    text = html.decode() if isinstance(html, bytes) else html
    match = CSRF_RE.search(text)
    assert match, "page has no CSRF token"
    return match.group(1)


def post_form(client, path: str, data: dict, *, page: str | None = None):
    """GET ``page`` (default: ``path``) for a CSRF token, then POST ``data`` with it."""
    token = csrf_from(client.get(page or path).data)
    return client.post(path, data={"csrf_token": token, **data})


def path_of(link: str) -> str:
    """Emailed links are absolute on the public base URL; the test client wants the path."""
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == "http://idp.test", link
    return parts.path


def registration(n: int = 1, **overrides) -> dict:
    data = {
        "legal_name": f"Maple Pediatrics {n} PLLC",
        "tax_id": f"{45000000 + n:09d}",
        "npi": npi_with_check_digit(f"{198700000 + n:09d}"),
        "address_line1": "12 Maple Avenue",
        "address_line2": "Suite 3",
        "city": "Peoria",
        "state": "IL",
        "postal_code": "61602",
        "username": f"maple.admin{n}",
        "display_name": f"Morgan Maple {n}",
        "email": f"admin{n}@maple.test",
        "password": "a long enough passphrase 42",
        "password_confirm": "a long enough passphrase 42",
    }
    data.update(overrides)
    return data

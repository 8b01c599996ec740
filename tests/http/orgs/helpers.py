"""Helpers for driving the organization pages like a browser (CSRF tokens included)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from flask import g

from idp.extensions import db
from tests.factories import PASSWORD, make_user, npi_with_check_digit

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


def signed_in_post(client, path: str, data: dict | None = None):
    """POST as a signed-in person, taking the CSRF token from the dashboard."""
    return post_form(client, path, data or {}, page="/")


def forget_g_between_requests(app) -> None:
    """The ``app`` fixture keeps one app context open for the whole test, and Flask reuses it
    for every request, so ``g`` (where the SSO session and the CSRF token are cached) would
    leak from one request, or one client, to the next. Production has one context per
    request; this restores that for tests."""

    @app.teardown_request
    def _forget(_exc):
        for name in list(g):
            g.pop(name, None)


#: A cheap Argon2id hash of the factories' PASSWORD: verification reads the cost from the
#: hash, so sign-in works while these tests do not spend time on the production cost.
CHEAP_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


def make_person(username: str | None = None, **kwargs):
    """``make_user`` with a cheap password hash (hashing cost is not under test here)."""
    user = make_user(username, password=None, **kwargs)
    user.password_hash = CHEAP_HASH
    db.session.commit()
    return user


def client_for(app, user, amr=("pwd",)):
    """A test client signed in as ``user`` (a fresh sign-in)."""
    from tests.support.auth import login_as

    client = app.test_client()
    login_as(client, user, amr=amr)
    return client

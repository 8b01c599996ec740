from __future__ import annotations

import pytest
from flask import g


@pytest.fixture(autouse=True)
def _fresh_g_per_request(app):
    """The ``app`` fixture keeps one app context open for the whole test, and Flask reuses it
    for every request, so ``g`` (where the SSO session and the CSRF token are cached) would leak
    from one request, or one client, to the next. Production has one context per request."""

    @app.teardown_request
    def _forget(_exc):
        for name in list(g):
            g.pop(name, None)

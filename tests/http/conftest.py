"""What the page tests share."""

from __future__ import annotations

import pytest

from idp.common.clock import FixedClock


@pytest.fixture
def clock(app):
    """A controllable clock for the app (lock expiry, TOTP steps, session lifetimes), with
    CSRF checks off so that tests post forms directly (tests/http/test_html_security.py holds
    the CSRF checks). A test module needing another clock defines its own."""
    fixed = FixedClock()
    app.extensions["idp_clock"] = fixed
    app.config["WTF_CSRF_ENABLED"] = False
    return fixed

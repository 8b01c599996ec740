import pytest

from idp.common.clock import FixedClock


@pytest.fixture
def clock(app):
    """A controllable clock for lock expiry, TOTP steps and the half-done flow."""
    fixed = FixedClock()
    app.extensions["idp_clock"] = fixed
    app.config["WTF_CSRF_ENABLED"] = False
    return fixed

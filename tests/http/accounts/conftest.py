import pytest

from idp.common.clock import FixedClock


@pytest.fixture
def clock(app):
    fixed = FixedClock()
    app.extensions["idp_clock"] = fixed
    app.config["WTF_CSRF_ENABLED"] = False
    return fixed

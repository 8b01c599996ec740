from __future__ import annotations

import pytest

from tests.http.orgs.helpers import forget_g_between_requests


@pytest.fixture(autouse=True)
def _fresh_g_per_request(app):
    forget_g_between_requests(app)

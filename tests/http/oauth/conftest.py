"""A live idp on 127.0.0.1 for client libraries this project did not write."""

from __future__ import annotations

import pytest
import requests

from idp.extensions import db
from idp.login.current import cookie_name, session_limits, store
from idp.oauth.clients import client_service
from tests.conftest import _empty_all_tables
from tests.support.live import LiveServer


@pytest.fixture
def live(make_app):
    server = LiveServer(lambda url: make_app(public_base_url=url))
    app = server.app
    app.config["TESTING"] = True
    with app.app_context():
        _empty_all_tables()
        server.start()
        try:
            yield server
        finally:
            server.stop()
            db.session.remove()


@pytest.fixture
def clients(live):
    """The client registry of the live app (run inside its app context)."""
    return client_service(live.app.config["IDP_SETTINGS"], live.app.config["SECRET_KEY"])


def browser_for(live, user, amr=("pwd",), org_id=None) -> requests.Session:
    """A requests session carrying an SSO cookie for ``user`` (signed in already)."""
    from idp.login.current import default_org_id

    org_id = org_id or default_org_id(user)
    idle, absolute = session_limits(org_id)
    session = store().create(
        user.id, list(amr), idle_seconds=idle, absolute_seconds=absolute, active_org_id=org_id
    )
    browser = requests.Session()
    browser.cookies.set(cookie_name(), session.sid, domain="127.0.0.1", path="/")
    browser.sso = session
    return browser

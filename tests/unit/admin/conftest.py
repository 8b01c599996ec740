from __future__ import annotations

import pytest

from idp.login.current import store
from tests.factories import add_member, make_org
from tests.http.orgs.helpers import make_person


@pytest.fixture
def settings(app):
    return app.config["IDP_SETTINGS"]


@pytest.fixture
def sec(app):
    return make_person("unit.sec", platform_role="security_admin")


@pytest.fixture
def office(app):
    """An approved office with an administrator and a staff member."""
    org = make_org("Unit Test Clinic")
    boss = make_person("unit.boss")
    desk = make_person("unit.desk", display_name="Robin Desk")
    add_member(boss, org, "office_admin")
    add_member(desk, org, "front_desk")
    return org, boss, desk


@pytest.fixture
def sessions(app):
    return store()


@pytest.fixture
def ended():
    """An ``on_end`` collaborator that remembers what it was called with."""
    return []

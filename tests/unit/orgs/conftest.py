from __future__ import annotations

import pytest

from idp.common.clock import FixedClock
from idp.mail import build_mailer
from tests.factories import add_member, make_org
from tests.http.orgs.helpers import make_person


@pytest.fixture
def settings(app):
    return app.config["IDP_SETTINGS"]


@pytest.fixture
def mailer(settings):
    return build_mailer(settings)


@pytest.fixture
def clock():
    return FixedClock()


@pytest.fixture
def office(app):
    """An approved office and its administrator."""
    org = make_org("Service Clinic")
    admin = make_person("svc.admin")
    add_member(admin, org, "office_admin")
    return org, admin

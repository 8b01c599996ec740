from __future__ import annotations

import pytest

from tests.factories import add_member, make_org
from tests.http.orgs.helpers import forget_g_between_requests, make_person


@pytest.fixture(autouse=True)
def _fresh_g_per_request(app):
    forget_g_between_requests(app)


@pytest.fixture
def offices(app):
    """Two approved offices, each with an administrator and a front-desk member."""
    a, b = make_org("Alder Clinic"), make_org("Beech Clinic")
    people = {}
    for org, prefix in ((a, "alder"), (b, "beech")):
        admin = make_person(f"{prefix}.admin")
        desk = make_person(f"{prefix}.desk")
        people[prefix] = {
            "org": org,
            "admin": admin,
            "desk": desk,
            "admin_m": add_member(admin, org, "office_admin"),
            "desk_m": add_member(desk, org, "front_desk"),
        }
    return people

"""Managing an office's members (no HTTP)."""

from __future__ import annotations

import pytest

from idp.accounts.fields import FieldErrors
from idp.errors import Conflict
from idp.orgs import access, members
from tests.factories import add_member
from tests.http.orgs.helpers import make_person


def test_org_scopes_end_with_the_membership(settings, office):
    org, admin = office
    desk = make_person("desk")
    member = add_member(desk, org, "front_desk")
    assert access.org_scopes(settings, desk.id, org.id) == {
        "eligibility",
        "prior_auth",
        "messages",
    }
    members.change_role(settings, admin, org.id, member.id, "billing")
    assert "claims" in access.org_scopes(settings, desk.id, org.id)
    members.remove_member(settings, admin, org.id, member.id)
    assert access.org_scopes(settings, desk.id, org.id) == frozenset()


def test_an_office_keeps_an_administrator(settings, office):
    org, admin = office
    [mine] = members.members_of(settings, admin, org.id)
    with pytest.raises(Conflict):
        members.change_role(settings, admin, org.id, mine.id, "billing")
    with pytest.raises(Conflict):
        members.remove_member(settings, admin, org.id, mine.id)
    with pytest.raises(FieldErrors):
        members.change_role(settings, admin, org.id, mine.id, "security_admin")

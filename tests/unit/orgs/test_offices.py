"""The offices of the signed-in person (no HTTP)."""

from __future__ import annotations

from idp.extensions import db
from idp.orgs.offices import active_office, offices_of
from tests.factories import add_member, make_org


def test_active_office_falls_back_when_the_membership_is_gone(settings, office):
    org, admin = office
    other = make_org("Other")
    add_member(admin, other, "billing")
    assert active_office(settings, admin, other.id).organization.id == other.id
    assert active_office(settings, admin, "gone").organization.id == org.id


def test_offices_of_lists_every_membership_and_whether_it_counts(settings, office):
    org, admin = office
    pending = make_org("Pending", status="pending")
    add_member(admin, pending, "billing")
    listed = offices_of(settings, admin)
    assert [(o.organization.id, o.counts, o.role_label) for o in listed] == [
        (org.id, True, "Office administrator"),
        (pending.id, False, "Billing"),
    ]
    org.status = "suspended"
    db.session.commit()
    assert active_office(settings, admin, org.id) is None

"""idp.admin.organizations and idp.admin.home without HTTP."""

from __future__ import annotations

import json

import pytest

from idp.accounts.fields import FieldErrors
from idp.admin import home, organizations
from idp.audit.service import events
from idp.common.clock import FixedClock
from idp.errors import Conflict, Forbidden
from idp.mail import build_mailer
from tests.factories import make_org
from tests.http.orgs.helpers import make_person


def test_duplicates_are_other_orgs_with_the_tin_or_the_npi_any_status(settings, sec, office):
    org, _, _ = office
    suspended = make_org("Suspended Twin", status="suspended", npi=org.npi, tax_id="999000111")
    pending = make_org("Pending Twin", status="pending", tax_id=org.tax_id)
    alone = make_org("Alone", status="pending")
    queue = organizations.review_queue(settings, sec)
    by_id = {
        r.org.id: r for group in (queue.pending, queue.suspended, queue.approved) for r in group
    }
    assert {o.id for o in by_id[org.id].duplicates} == {suspended.id, pending.id}
    assert by_id[pending.id].duplicate_tin and not by_id[pending.id].duplicate_npi
    assert by_id[suspended.id].duplicate_npi and not by_id[suspended.id].duplicate_tin
    assert by_id[alone.id].duplicates == []
    assert [r.org.id for r in queue.pending] == [pending.id, alone.id]


def test_details_and_status_changes(settings, sec, office, mail):
    org, boss, desk = office
    found = organizations.details(settings, sec, org.id)
    assert {m.username for m in found.members} == {boss.username, desk.username}
    mailer, clock = build_mailer(settings), FixedClock()
    with pytest.raises(FieldErrors):
        organizations.change_status(
            settings, sec, org.id, "suspend", reason="", mailer=mailer, clock=clock
        )
    with pytest.raises(Conflict):
        organizations.change_status(settings, sec, org.id, "approve", mailer=mailer, clock=clock)
    organizations.change_status(
        settings, sec, org.id, "suspend", reason="Audit", mailer=mailer, clock=clock
    )
    assert org.status == "suspended"
    data = json.loads(events("admin.org.suspended")[-1].data)
    assert data == {
        "after": {"status": "suspended"},
        "before": {"status": "approved"},
        "reason": "Audit",
    }
    assert organizations.details(settings, sec, org.id).decided_by.id == sec.id


def test_office_people_may_not(settings, office):
    org, boss, desk = office
    for actor in (boss, desk):
        with pytest.raises(Forbidden):
            organizations.review_queue(settings, actor)
        with pytest.raises(Forbidden):
            organizations.details(settings, actor, org.id)
        with pytest.raises(Forbidden):
            home.attention(settings, actor)
    assert not home.may_use_console(settings, boss)


def test_attention_counts(settings, sec):
    make_org("Waiting", status="pending")
    make_person("locked.person", status="locked")
    found = home.attention(settings, sec)
    assert (found.pending_registrations, found.locked_accounts) == (1, 1)
    assert "admin.keys.manage" in found.permissions

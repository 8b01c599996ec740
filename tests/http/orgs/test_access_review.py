"""The access review page of an office over HTTP: members due, "still needs access" per
member and for every member shown, "remove" after a confirmation page; the denials."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from idp.audit.service import events
from idp.common.clock import FixedClock
from idp.extensions import db
from idp.orgs.models import Membership
from tests.factories import add_member
from tests.http.orgs.helpers import client_for, make_person, post_form

START = datetime(2027, 1, 1, 12, tzinfo=UTC)


@pytest.fixture
def clock(app):
    clock = FixedClock(datetime(2027, 3, 20, 12, tzinfo=UTC).timestamp())  # 12 days before due
    app.extensions["idp_clock"] = clock
    return clock


@pytest.fixture
def office(offices, clock):
    """Alder Clinic, all begun at START, with a member who joined recently (not due)."""
    alder = offices["alder"]
    db.session.execute(db.update(Membership).values(created_at=START))
    newcomer = add_member(make_person("alder.new", display_name="Nora New"), alder["org"])
    newcomer.created_at = datetime(2027, 3, 1, tzinfo=UTC)
    db.session.commit()
    return alder


def _review(office) -> str:
    return f"/orgs/{office['org'].id}/access-review"


def _reload(membership) -> Membership | None:
    db.session.expire_all()
    return db.session.get(Membership, membership.id)


def test_the_page_lists_the_members_due(app, office):
    page = client_for(app, office["admin"]).get(_review(office))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'id="review-{office["desk_m"].id}"' in html
    assert f'id="review-{office["admin_m"].id}"' in html
    assert "Nora New" not in html and "1 other member not due yet" in html
    assert "2027-04-01" in html  # due
    assert "2027-04-15" in html  # suspended from, after the grace period


def test_confirm_one_member(app, office, clock):
    client = client_for(app, office["admin"])
    desk = office["desk_m"]
    answer = post_form(
        client, f"{_review(office)}/confirm", {"membership_id": desk.id}, page=_review(office)
    )
    assert answer.status_code == 200
    assert "Confirmed: 1 member still needs access." in answer.get_data(as_text=True)
    member = _reload(desk)
    assert member.access_confirmed_by_id == office["admin"].id
    assert member.access_confirmed_at.replace(tzinfo=UTC) == clock.now()
    [event] = events("access_review.confirmed")
    assert event.actor_id == office["admin"].id and event.subject_id == desk.user_id
    assert f'id="review-{desk.id}"' not in answer.get_data(as_text=True)


def test_confirm_all_shown(app, office):
    client = client_for(app, office["admin"])
    page = client.get(_review(office)).get_data(as_text=True)
    assert 'id="confirm-all"' in page and "All 2 members shown still need access" in page
    ids = [office["desk_m"].id, office["admin_m"].id]
    answer = post_form(
        client, f"{_review(office)}/confirm", {"membership_id": ids}, page=_review(office)
    )
    assert answer.status_code == 200
    assert "Nobody is due for review now." in answer.get_data(as_text=True)
    assert len(events("access_review.confirmed")) == 2


def test_a_member_of_another_office_is_not_found_and_nothing_is_confirmed(app, offices, office):
    client = client_for(app, office["admin"])
    ids = [office["desk_m"].id, offices["beech"]["desk_m"].id]
    answer = post_form(
        client, f"{_review(office)}/confirm", {"membership_id": ids}, page=_review(office)
    )
    assert answer.status_code == 404
    assert _reload(office["desk_m"]).access_confirmed_at is None
    assert events("access_review.confirmed") == []


def test_nothing_chosen_is_a_clear_400(app, office):
    client = client_for(app, office["admin"])
    answer = post_form(client, f"{_review(office)}/confirm", {}, page=_review(office))
    assert answer.status_code == 400
    assert "Choose at least one member" in answer.get_data(as_text=True)


def test_remove_after_its_confirmation_page(app, office):
    client = client_for(app, office["admin"])
    desk = office["desk_m"]
    path = f"{_review(office)}/{desk.id}/remove"
    confirm = client.get(path)
    assert confirm.status_code == 200 and "no longer needs access" in confirm.get_data(as_text=True)
    answer = post_form(client, path, {})
    assert answer.status_code == 200 and _reload(desk) is None
    [removed] = events("access_review.removed")
    assert removed.actor_id == office["admin"].id and removed.subject_id == desk.user_id
    assert len(events("org.member.removed")) == 1


def test_the_last_administrator_cannot_be_removed(app, office):
    client = client_for(app, office["admin"])
    path = f"{_review(office)}/{office['admin_m'].id}/remove"
    answer = post_form(client, path, {})
    assert answer.status_code == 409 and _reload(office["admin_m"]) is not None
    assert events("access_review.removed") == []


@pytest.mark.parametrize("who", ["desk", "beech_admin"])
def test_staff_and_other_offices_are_refused(app, offices, office, who):
    person = office["desk"] if who == "desk" else offices["beech"]["admin"]
    client = client_for(app, person)
    assert client.get(_review(office)).status_code == 403
    answer = post_form(
        client, f"{_review(office)}/confirm", {"membership_id": office["desk_m"].id}, page="/"
    )
    assert answer.status_code == 403
    assert events("access_review.confirmed") == []

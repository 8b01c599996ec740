"""Moving an SSO session between offices under each office's limits (no HTTP).

The rules are the sign-in area's (``idp.login.offices``); what counts and which limits an
office sets come through the directory the app wires (``idp.orgs.directory.OrgOffices``).
"""

from __future__ import annotations

import pytest

from idp.audit.service import events
from idp.errors import Forbidden
from idp.login import offices
from idp.login.offices import EXTENSION_KEY, SessionLimits
from idp.login.sessions import SessionStore
from idp.orgs.directory import OrgOffices
from idp.state import shared_state
from tests.factories import add_member, make_org
from tests.http.orgs.helpers import make_person


class FixedOffices:
    """A directory with fixed answers, to test the session rules alone."""

    def __init__(self, members: set[str], limits: dict[str | None, SessionLimits]):
        self.members = members
        self.by_office = limits

    def limits(self, org_id):
        return self.by_office.get(org_id, self.by_office[None])

    def counts(self, user, org_id):
        return org_id in self.members

    def default_office(self, user):
        return min(self.members, default=None)


@pytest.fixture
def settings(app):
    return app.config["IDP_SETTINGS"]


@pytest.fixture
def sessions(app):
    return SessionStore(shared_state())


def _session(sessions, user_id, org_id, *, idle=900, absolute=3600):
    return sessions.create(
        user_id, ["pwd"], idle_seconds=idle, absolute_seconds=absolute, active_org_id=org_id
    )


def test_the_app_wires_the_organizations_directory(app):
    assert isinstance(app.extensions[EXTENSION_KEY], OrgOffices)


def test_applying_an_office_sets_its_idle_timeout_and_only_shortens_the_lifetime(sessions):
    session = _session(sessions, "u1", "a")
    offices.apply_office(session, "b", SessionLimits(300, 7200))
    assert session.active_org_id == "b" and session.idle_seconds == 300
    assert session.expires_at == session.created_at + 3600  # never extended
    offices.apply_office(session, "c", SessionLimits(120, 600))
    assert session.expires_at == session.created_at + 600


def test_switching_needs_a_membership_that_counts(app, sessions):
    person = make_person("switcher")
    session = _session(sessions, person.id, "a")
    directory = FixedOffices(
        {"a", "b"}, {None: SessionLimits(900, 3600), "b": SessionLimits(60, 60)}
    )
    for refused in ("c", "", None):
        with pytest.raises(Forbidden):
            offices.switch_office(sessions, session, person, refused, offices=directory)
    assert offices.switch_office(sessions, session, person, "a", offices=directory) is False
    assert events("org.switched") == []
    assert offices.switch_office(sessions, session, person, "b", offices=directory, ip="192.0.2.9")
    stored = sessions.get(session.sid)
    assert stored.active_org_id == "b" and stored.idle_seconds == 60
    [switched] = events("org.switched")
    assert switched.org_id == "b" and switched.ip == "192.0.2.9"


def test_switch_office_updates_the_stored_session(settings, sessions):
    org, other = make_org("First"), make_org("Second", session_idle_minutes=5)
    admin = make_person("svc.admin")
    add_member(admin, org, "office_admin")
    add_member(admin, other, "clinician")
    directory = OrgOffices(settings)
    session = _session(sessions, admin.id, org.id)
    offices.switch_office(sessions, session, admin, other.id, offices=directory, ip="192.0.2.9")
    stored = sessions.get(session.sid)
    assert stored.active_org_id == other.id and stored.idle_seconds == 300
    assert [e.org_id for e in events("org.switched")] == [other.id]
    with pytest.raises(Forbidden):
        offices.switch_office(sessions, session, admin, make_org("Third").id, offices=directory)
    pending = make_org("Pending", status="pending")
    add_member(admin, pending, "office_admin")
    with pytest.raises(Forbidden):
        offices.switch_office(sessions, session, admin, pending.id, offices=directory)
    assert sessions.get(session.sid).active_org_id == other.id


def test_entering_an_office_saves_it_with_its_limits(settings, sessions):
    strict = make_org("Strict", session_idle_minutes=5)
    person = make_person("enterer")
    session = _session(sessions, person.id, None)
    offices.enter_office(sessions, session, strict.id, OrgOffices(settings))
    stored = sessions.get(session.sid)
    assert stored.active_org_id == strict.id and stored.idle_seconds == 300


def test_the_directory_answers_from_the_organizations_rules(settings, app):
    first, second = make_org("First"), make_org("Second", session_idle_minutes=5)
    person = make_person("asked")
    add_member(person, first)
    add_member(person, second)
    directory = OrgOffices(settings)
    assert directory.counts(person, second.id) and not directory.counts(person, "elsewhere")
    assert directory.default_office(person) == first.id
    assert directory.limits(second.id) == SessionLimits(300, settings.session_absolute_minutes * 60)
    configured = SessionLimits(
        settings.session_idle_minutes * 60, settings.session_absolute_minutes * 60
    )
    assert directory.limits(None) == directory.limits("no-such-office") == configured

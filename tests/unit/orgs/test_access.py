"""Each access decision at its home, ``idp.orgs.access`` (no HTTP)."""

from __future__ import annotations

import pytest

from idp.config import load_settings
from idp.errors import Forbidden
from idp.extensions import db
from idp.orgs import access
from tests.factories import add_member, make_org
from tests.http.orgs.helpers import make_person


def _roles(**mfa_required: bool):
    """Settings whose roles are the defaults' except for ``mfa_required``."""
    defaults = load_settings(environ={}).table("roles")
    roles = {name: dict(body) for name, body in defaults.items()}
    for name, value in mfa_required.items():
        roles[name]["mfa_required"] = value
    return load_settings({"roles": roles}, environ={})


# --- memberships ----------------------------------------------------------------------------


def test_a_membership_counts_only_while_its_office_is_approved(app):
    person = make_person("counted")
    memberships = {
        status: add_member(person, make_org(f"{status} office", status=status))
        for status in ("approved", "pending", "suspended", "rejected")
    }
    assert access.counts(memberships["approved"])
    assert not any(access.counts(memberships[s]) for s in ("pending", "suspended", "rejected"))
    assert not access.counts(None)
    approved_id = memberships["approved"].org_id
    assert access.active_membership(person.id, approved_id) == memberships["approved"]
    assert access.active_membership(person.id, memberships["suspended"].org_id) is None
    assert access.active_membership(person.id, None) is None
    assert access.active_membership(make_person("stranger").id, approved_id) is None
    assert access.counting_memberships(person) == [memberships["approved"]]
    assert access.is_member(person, approved_id)
    assert not access.is_member(person, memberships["pending"].org_id)
    assert not access.is_member(person, None)


def test_a_new_session_starts_in_the_oldest_office_that_counts(app):
    person = make_person("oldest")
    add_member(person, make_org("Under review", status="pending"))
    first = add_member(person, make_org("First"))
    add_member(person, make_org("Second"))
    assert access.default_org_id(person) == first.org_id
    first.organization.status = "suspended"
    db.session.commit()
    assert access.default_org_id(person) != first.org_id
    assert access.default_org_id(make_person("nowhere")) is None


# --- permissions ----------------------------------------------------------------------------


def test_role_permissions_come_from_the_configured_role(settings):
    assert access.MANAGE_MEMBERS in access.role_permissions(settings, "office_admin")
    assert access.role_permissions(settings, "front_desk") == {"org.view"}
    assert access.role_permissions(settings, "wizard") == frozenset()
    assert access.role_permissions(settings, None) == frozenset()


def test_platform_permission_needs_a_role_marked_platform(settings, app):
    sec = make_person("sec", platform_role="security_admin")
    assert access.has_platform_permission(settings, sec, access.APPROVE_ORGS)
    access.require_platform_permission(settings, sec, access.MANAGE_USERS)
    # An office role written into platform_role grants nothing on the platform.
    pretender = make_person("pretender", platform_role="office_admin")
    assert access.platform_role(settings, pretender) is None
    assert access.platform_permissions(settings, pretender) == frozenset()
    for nobody in (pretender, make_person("plain"), None):
        assert not access.has_platform_permission(settings, nobody, access.APPROVE_ORGS)
        with pytest.raises(Forbidden):
            access.require_platform_permission(settings, nobody, access.APPROVE_ORGS)


def test_org_permissions_follow_the_role_there_while_the_office_counts(settings, app):
    org, other = make_org("Mine"), make_org("Theirs")
    admin = make_person("org.admin")
    membership = add_member(admin, org, "office_admin")
    add_member(admin, other, "billing")
    assert access.MANAGE_INVITATIONS in access.org_permissions(settings, admin, org.id)
    assert access.require_org_permission(settings, admin, org.id, access.MANAGE_MEMBERS) == (
        membership
    )
    assert access.org_permissions(settings, admin, other.id) == {"org.view"}
    assert access.administered_org_ids(settings, admin, access.MANAGE_MEMBERS) == {org.id}
    with pytest.raises(Forbidden):
        access.require_org_permission(settings, admin, other.id, access.MANAGE_MEMBERS)
    with pytest.raises(Forbidden):
        access.require_org_permission(settings, None, org.id, access.MANAGE_MEMBERS)
    assert access.org_permissions(settings, None, org.id) == frozenset()
    org.status = "suspended"
    db.session.commit()
    assert access.org_permissions(settings, admin, org.id) == frozenset()
    assert access.administered_org_ids(settings, admin, access.MANAGE_MEMBERS) == set()
    with pytest.raises(Forbidden):
        access.require_org_permission(settings, admin, org.id, access.MANAGE_MEMBERS)


def test_an_offices_administrators_manage_members_while_their_membership_counts(settings, app):
    from datetime import UTC, date, datetime

    org = make_org("Administered office")
    admin = add_member(make_person("adm.lasting"), org, "office_admin")
    ending = add_member(make_person("adm.ending"), org, "office_admin")
    ending.access_ends_on = date(2027, 1, 31)
    add_member(make_person("adm.gone"), org, "office_admin").status = "deactivated"
    add_member(make_person("adm.desk"), org, "front_desk")
    db.session.commit()
    last_day = datetime(2027, 1, 31, 23, tzinfo=UTC)
    next_day = datetime(2027, 2, 1, 0, tzinfo=UTC)

    def ids(org_id, now, **kwargs):
        return sorted(m.id for m in access.administrators(settings, org_id, now, **kwargs))

    assert ids(org.id, last_day) == sorted([admin.id, ending.id])
    assert ids(org.id, next_day) == [admin.id]
    # While a security admin decides on the office, its own status does not count.
    org.status = "suspended"
    db.session.commit()
    assert ids(org.id, last_day) == []
    assert ids(org.id, last_day, any_office_status=True) == sorted([admin.id, ending.id])
    assert ids(org.id, next_day, any_office_status=True) == [admin.id]


def test_who_may_reset_someones_second_factor(settings, app):
    org, other = make_org("Reset Clinic"), make_org("Elsewhere")
    boss = make_person("boss")
    add_member(boss, org, "office_admin")
    desk = make_person("desk")
    add_member(desk, org, "front_desk")
    outsider = make_person("outsider")
    add_member(outsider, other, "front_desk")
    admin_elsewhere = make_person("admin.elsewhere")
    add_member(admin_elsewhere, org, "billing")
    add_member(admin_elsewhere, other, "office_admin")
    sec = make_person("sec", platform_role="security_admin")
    colleague = make_person("sec2", platform_role="security_admin")

    assert access.may_reset_mfa(settings, boss, desk)
    assert not access.may_reset_mfa(settings, boss, boss)  # never one's own
    assert not access.may_reset_mfa(settings, boss, outsider)  # not in the actor's office
    assert not access.may_reset_mfa(settings, boss, admin_elsewhere)  # administers elsewhere
    assert not access.may_reset_mfa(settings, boss, colleague)  # platform roles: security only
    assert not access.may_reset_mfa(settings, desk, boss)  # no reset permission
    for person in (desk, outsider, admin_elsewhere, colleague, boss):
        assert access.may_reset_mfa(settings, sec, person)
    org.status = "suspended"
    db.session.commit()
    assert not access.may_reset_mfa(settings, boss, desk)


# --- OAuth scopes ---------------------------------------------------------------------------


def test_role_scopes_come_from_the_configured_role(settings):
    assert access.role_scopes(settings, "billing") == {"eligibility", "claims", "remittance"}
    assert access.role_scopes(settings, "security_admin") == frozenset()
    assert access.role_scopes(settings, "wizard") == frozenset()
    assert access.role_scopes(settings, None) == frozenset()


def test_org_scopes_are_the_roles_while_the_membership_counts(settings, app):
    org = make_org("Scoped")
    desk = make_person("scoped.desk")
    add_member(desk, org, "front_desk")
    assert access.org_scopes(settings, desk.id, org.id) == {"eligibility", "prior_auth", "messages"}
    assert access.org_scopes(settings, desk.id, None) == frozenset()
    assert access.org_scopes(settings, make_person("other").id, org.id) == frozenset()
    org.status = "suspended"
    db.session.commit()
    assert access.org_scopes(settings, desk.id, org.id) == frozenset()


# --- second factor --------------------------------------------------------------------------


def test_mfa_is_required_by_a_role_or_by_an_approved_office(settings, app):
    org = make_org()
    desk = make_person("desk")
    add_member(desk, org, "front_desk")
    assert access.mfa_policy(settings, desk) == access.MfaPolicy(required=False)
    boss = make_person("boss")
    add_member(boss, make_org("Still under review", status="pending"), "office_admin")
    assert access.mfa_policy(settings, boss).required  # protected from the start
    sec = make_person("sec", platform_role="security_admin")
    assert access.mfa_policy(settings, sec).required
    assert access.mfa_policy(settings, sec).methods == {"otp", "hwk", "swk"}
    org.mfa_required = True
    db.session.commit()
    assert access.mfa_policy(settings, desk).required
    org.status = "suspended"
    db.session.commit()
    assert not access.mfa_policy(settings, desk).required


def test_mfa_policy_follows_the_configuration_not_role_names(app):
    person = make_person("configured")
    add_member(person, make_org(), "office_admin")
    sec = make_person("sec", platform_role="security_admin")
    relaxed = _roles(office_admin=False, security_admin=False)
    assert not access.mfa_policy(relaxed, person).required
    assert not access.mfa_policy(relaxed, sec).required
    strict = _roles(front_desk=True)
    desk = make_person("strict.desk")
    add_member(desk, make_org(), "front_desk")
    assert access.mfa_policy(strict, desk).required


def test_joining_with_a_role_requires_mfa_by_the_role_or_the_office(settings, app):
    relaxed = make_org("Relaxed")
    strict = make_org("Strict", mfa_required=True)
    assert access.mfa_required_for_role(settings, relaxed, "office_admin") is True
    assert access.mfa_required_for_role(settings, relaxed, "front_desk") is False
    assert access.mfa_required_for_role(settings, strict, "front_desk") is True
    assert access.mfa_required_for_role(settings, relaxed, "wizard") is False


# --- session limits -------------------------------------------------------------------------


def test_session_limits_are_the_offices_own_else_the_configured_ones(settings, app):
    configured = access.session_limits(settings, None)
    assert configured == access.SessionLimits(
        settings.session_idle_minutes * 60, settings.session_absolute_minutes * 60
    )
    assert access.session_limits(settings, make_org("Plain")) == configured
    own = make_org("Own", session_idle_minutes=5, session_absolute_minutes=120)
    assert access.session_limits(settings, own) == access.SessionLimits(300, 7200)
    only_idle = make_org("Only idle", session_idle_minutes=5)
    assert access.session_limits(settings, only_idle) == access.SessionLimits(
        300, settings.session_absolute_minutes * 60
    )


def test_the_idle_timeout_never_outlasts_the_lifetime(settings, app):
    short = make_org("Short", session_idle_minutes=90, session_absolute_minutes=30)
    assert access.session_limits(settings, short) == access.SessionLimits(1800, 1800)


# --- status and access end date -------------------------------------------------------------


def test_a_deactivated_membership_does_not_count(app):
    person = make_person("deactivated")
    member = add_member(person, make_org("Deactivating office"))
    assert access.counts(member)
    member.status = "deactivated"
    db.session.commit()
    assert not access.counts(member)
    assert access.active_membership(person.id, member.org_id) is None
    assert access.counting_memberships(person) == []
    assert access.default_org_id(person) is None


def test_access_ends_at_the_end_of_its_last_day_in_utc(app):
    from datetime import UTC, date, datetime

    person = make_person("temp")
    member = add_member(person, make_org("Temp office"))
    member.access_ends_on = date(2026, 12, 31)
    db.session.commit()
    last_moment = datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)
    next_day = datetime(2027, 1, 1, 0, 0, 0, tzinfo=UTC)
    assert access.counts(member, last_moment)
    assert not access.access_ended(member, last_moment)
    assert not access.counts(member, next_day)
    assert access.access_ended(member, next_day)
    assert access.active_membership(person.id, member.org_id, next_day) is None
    assert access.counting_memberships(person, last_moment) == [member]
    # Without a clock, now: a date long past has ended, one far ahead has not.
    member.access_ends_on = date(2000, 1, 1)
    assert not access.counts(member)
    member.access_ends_on = date(2999, 1, 1)
    assert access.counts(member)


def test_an_ended_membership_leaves_the_other_offices_counting(app):
    from datetime import date

    person = make_person("two.offices")
    ended = add_member(person, make_org("Ended office"))
    kept = add_member(person, make_org("Kept office"))
    ended.access_ends_on = date(2001, 1, 1)
    db.session.commit()
    assert access.counting_memberships(person) == [kept]
    assert access.default_org_id(person) == kept.org_id


def test_the_oauth_layer_asks_counts(app):
    """Codes, refresh and token exchange find a principal's office through access."""
    from datetime import date

    from idp.oauth import principals

    person = make_person("oauth.member")
    member = add_member(person, make_org("OAuth office"))

    def office():
        return principals.for_session(person, member.org_id, "sid", 0.0, ["pwd"]).org_id

    assert office() == member.org_id
    member.status = "deactivated"
    db.session.commit()
    assert office() is None
    member.status = "active"
    member.access_ends_on = date(2001, 1, 1)
    db.session.commit()
    assert office() is None


def test_userinfo_lists_only_the_offices_that_count(app):
    from idp.oauth.claims import memberships_claim

    person = make_person("userinfo.member")
    kept = add_member(person, make_org("Listed office"))
    gone = add_member(person, make_org("Deactivated office"))
    gone.status = "deactivated"
    db.session.commit()
    assert [o["id"] for o in memberships_claim(person)] == [kept.org_id]


def test_the_office_itself_needs_the_permission_before_it_is_looked_up(settings, office):
    org, admin = office
    assert access.office(settings, admin, org.id, access.MANAGE_MEMBERS).id == org.id
    clerk = make_person("clerk-office")
    add_member(clerk, org, "billing")
    with pytest.raises(Forbidden):
        access.office(settings, clerk, org.id, access.MANAGE_MEMBERS)
    # An office nobody may administer answers 403 too: whether it exists is not told.
    with pytest.raises(Forbidden):
        access.office(settings, admin, "no-such-office", access.MANAGE_MEMBERS)

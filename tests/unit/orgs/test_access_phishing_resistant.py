"""mfa_policy: a role or an office may require phishing-resistant MFA (a passkey)."""

import pytest

from idp.config import ConfigError, load_settings
from idp.extensions import db
from idp.login.assurance import PHISHING_RESISTANT_AMR
from idp.orgs.access import mfa_policy
from tests.factories import add_member, make_org, make_user
from tests.support.roles import roles_with


@pytest.fixture
def settings_overrides():
    return {"roles": roles_with(billing={"phishing_resistant": True})}


def test_a_role_may_require_phishing_resistant_mfa(app):
    settings = app.config["IDP_SETTINGS"]
    office = make_org()
    biller, desk = make_user("bill"), make_user("dee")
    add_member(biller, office, "billing")
    add_member(desk, office, "front_desk")
    policy = mfa_policy(settings, biller)
    assert policy.required and policy.phishing_resistant
    assert policy.methods == PHISHING_RESISTANT_AMR
    plain = mfa_policy(settings, desk)
    assert not plain.required and not plain.phishing_resistant
    assert {"otp", "hwk", "swk"} <= plain.methods


def test_an_approved_office_may_require_it_of_every_member(app):
    settings = app.config["IDP_SETTINGS"]
    office = make_org(phishing_resistant_required=True)
    pending = make_org(status="pending", phishing_resistant_required=True)
    member, applicant = make_user("mo"), make_user("al")
    add_member(member, office, "front_desk")
    add_member(applicant, pending, "front_desk")
    db.session.commit()
    assert mfa_policy(settings, member).phishing_resistant
    assert not mfa_policy(settings, applicant).phishing_resistant


def test_the_role_setting_is_validated():
    with pytest.raises(ConfigError, match=r"\[roles.billing\].phishing_resistant"):
        load_settings({"roles": {"billing": {"phishing_resistant": "yes"}}}, environ={})

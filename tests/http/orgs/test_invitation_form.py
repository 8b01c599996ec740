"""The invitation form: the least-privileged role by default, each role described, and
destructive buttons that ask first."""

from __future__ import annotations

import re

import pytest

from idp.config import ConfigError, load_settings
from idp.orgs.roles import get_role
from tests.factories import add_member, make_org
from tests.http.orgs.helpers import make_person
from tests.support.auth import login_as


def test_the_form_defaults_to_the_least_privileged_role_and_describes_each(app, client):
    org = make_org("Cedar Clinic")
    admin = make_person("cedar.admin")
    add_member(admin, org, "office_admin")
    login_as(client, admin)
    page = client.get(f"/orgs/{org.id}/members").get_data(as_text=True)
    select = page[page.index('id="invite-role"') : page.index("</select>")]
    assert re.findall(r'<option value="(\w+)" selected>', select) == ["billing"]
    assert 'aria-describedby="invite-role-help"' in page
    settings = app.config["IDP_SETTINGS"]
    for name in ("office_admin", "billing", "front_desk", "clinician"):
        role = get_role(settings, name)
        assert role.description and f"<dd>{role.description}</dd>" in page.replace("&#39;", "'")


def test_a_role_description_is_validated():
    with pytest.raises(ConfigError, match=r"roles.extra\]\.description"):
        load_settings({"roles": {"extra": {"label": "Extra", "description": ["a list"]}}}, {})


def test_destructive_buttons_on_the_account_pages_ask_first(app, client):
    from idp.common.clock import FixedClock
    from tests.support.signin import enroll_totp

    clock = FixedClock()
    app.extensions["idp_clock"] = clock
    user = make_person("dora")
    enroll_totp(user, clock)
    login_as(client, user, amr=("pwd", "otp"))
    page = client.get("/mfa").get_data(as_text=True)
    start = page.index("<summary>New recovery codes…</summary>")
    assert page.index('action="/mfa/recovery-codes"') > start
    assert "Every earlier recovery code stops working" in page

"""The rules emergency access relies on, at their homes: who may use it (``orgs.access``),
what level its sign-in reaches (``login.assurance``), what a code looks like."""

from __future__ import annotations

from idp.config import load_settings
from idp.emergency.codes import CODE_LENGTH, clean, new_code
from idp.login.assurance import ACR_MFA, acr_for, has_second_factor, is_phishing_resistant
from idp.orgs import access
from tests.factories import make_user


def test_only_active_people_with_the_emergency_permission_may_use_it(app):
    settings = app.config["IDP_SETTINGS"]
    assert access.may_use_emergency_access(
        settings, make_user("sam", platform_role="security_admin")
    )
    assert not access.may_use_emergency_access(settings, make_user("nina"))
    locked = make_user("lou", platform_role="security_admin", status="locked")
    assert not access.may_use_emergency_access(settings, locked)
    assert not access.may_use_emergency_access(settings, None)
    assert access.emergency_alert_roles(settings) == {"security_admin"}


def test_holders_of_a_platform_role_without_the_permission_are_not_alerted():
    defaults = load_settings(environ={}).table("roles")
    roles = {name: dict(body) for name, body in defaults.items()}
    roles["security_admin"]["permissions"] = [
        p for p in roles["security_admin"]["permissions"] if p != access.EMERGENCY_ACCESS
    ]
    settings = load_settings({"roles": roles}, environ={})
    assert access.emergency_alert_roles(settings) == frozenset()


def test_an_emergency_sign_in_is_a_second_factor_but_never_phishing_resistant():
    amr = ["pwd", "emergency"]
    assert has_second_factor(amr) and acr_for(amr) == ACR_MFA
    assert not is_phishing_resistant(amr)
    assert acr_for(["emergency"]) == ACR_MFA


def test_codes_are_long_random_and_typed_any_way():
    code = new_code()
    assert len(clean(code)) == CODE_LENGTH and code.count("-") == CODE_LENGTH // 4 - 1
    assert clean(code.upper().replace("-", " ")) == clean(code)
    assert len({new_code() for _ in range(50)}) == 50

"""The gateway decision when a route, or the person's role, needs a passkey sign-in."""

from dataclasses import replace

import pytest

from idp.config import load_settings
from idp.forward_auth.policy import GatewayPolicy
from idp.forward_auth.service import decide, original_request
from tests.unit.forward_auth.test_decide import BASE, person


@pytest.fixture(scope="module")
def policy():
    routes = {
        "routes": {
            "tools": {"hosts": ["tools.plan.test"]},
            "phi": {
                "hosts": ["tools.plan.test"],
                "path_prefix": "/phi",
                "phishing_resistant": True,
            },
        }
    }
    return GatewayPolicy.from_settings(load_settings({"gateway": routes}, environ={}))


def ask(policy, path, identity, prefers_json=False):
    original = original_request({"X-Original-URL": f"https://tools.plan.test{path}"})
    return decide(policy, original, identity, prefers_json=prefers_json, public_base_url=BASE)


def test_a_totp_session_is_sent_to_step_up_and_a_passkey_session_admitted(policy):
    totp = replace(person(mfa=True), has_passkey=True)
    refused = ask(policy, "/phi/chart", totp)
    assert (refused.status, refused.reason, refused.route) == (
        403,
        "phishing_resistant_required",
        "phi",
    )
    assert refused.sign_in_url.startswith(BASE + "/login?reauth=1&next=%2Fforward-auth%2Fstart")
    assert ask(policy, "/phi/chart", totp, prefers_json=True).sign_in_url is None
    assert ask(policy, "/claims", totp).status == 200
    passkey = replace(totp, phishing_resistant=True)
    assert ask(policy, "/phi/chart", passkey).status == 200


def test_a_role_requirement_applies_on_every_route(policy):
    required = replace(person(mfa=True), phishing_resistant_required=True)
    refused = ask(policy, "/claims", required)
    assert refused.status == 403 and refused.sign_in_url is None  # no passkey to step up with
    assert BASE + "/mfa" in refused.message
    assert ask(policy, "/claims", replace(required, phishing_resistant=True)).status == 200

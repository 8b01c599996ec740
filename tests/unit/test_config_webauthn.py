"""The [webauthn] settings are checked at start-up."""

import pytest

from idp.config import ConfigError, load_settings
from idp.mfa.webauthn import RelyingParty


def test_defaults_and_the_relying_party_from_the_public_url():
    settings = load_settings({"public_base_url": "https://Login.Plan.test:8443/"}, environ={})
    assert settings.webauthn_user_verification == "preferred"
    assert settings.webauthn_sign_count_regression == "refuse"
    rp = RelyingParty.from_settings(settings)
    assert (rp.rp_id, rp.origin) == ("login.plan.test", "https://login.plan.test:8443")


@pytest.mark.parametrize(
    ("env", "value"),
    [
        ("IDP_WEBAUTHN_USER_VERIFICATION", "sometimes"),
        ("IDP_WEBAUTHN_SIGN_COUNT_REGRESSION", "ignore"),
        ("IDP_WEBAUTHN_CHALLENGE_SECONDS", "5"),
        ("IDP_WEBAUTHN_RP_NAME", ""),
    ],
)
def test_bad_values_are_refused(env, value):
    with pytest.raises(ConfigError, match=env):
        load_settings(environ={env: value})


def test_a_gateway_route_flag_must_be_boolean():
    routes = {"routes": {"phi": {"hosts": ["tools.plan.test"], "phishing_resistant": "yes"}}}
    with pytest.raises(ConfigError, match=r"\[gateway.routes.phi\].phishing_resistant"):
        load_settings({"gateway": routes}, environ={})

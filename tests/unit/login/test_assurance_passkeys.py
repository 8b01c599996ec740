"""amr (RFC 8176) to acr for passkeys: which sign-ins are phishing-resistant."""

import pytest

from idp.login.assurance import acr_for, has_second_factor, is_phishing_resistant
from idp.login.sessions import SsoSession


@pytest.mark.parametrize(
    ("amr", "acr"),
    [
        (["pwd"], "urn:idp:acr:pwd"),
        (["pwd", "otp"], "urn:idp:acr:mfa"),
        (["pwd", "hwk", "user", "mfa"], "urn:idp:acr:phr"),
        (["swk", "user", "mfa"], "urn:idp:acr:phr"),
        ([], "urn:idp:acr:pwd"),
    ],
)
def test_acr_for(amr, acr):
    assert acr_for(amr) == acr


def test_second_factor_and_phishing_resistance():
    assert has_second_factor(["pwd", "otp"]) and not is_phishing_resistant(["pwd", "otp"])
    assert has_second_factor(["hwk", "user"]) and is_phishing_resistant(["hwk", "user"])
    assert not has_second_factor(["pwd"])


def test_a_session_reports_the_acr_of_its_amr():
    session = SsoSession("s", "u", 0.0, ["pwd", "swk", "user", "mfa"], 0.0, 0.0, 1.0, 60)
    assert session.acr == "urn:idp:acr:phr"

"""The acr/amr mapping every token and the SSO session use."""

from __future__ import annotations

from idp.login.assurance import ACR_MFA, ACR_PASSWORD, ACR_VALUES, acr_for, has_second_factor


def test_password_alone_is_the_password_level():
    assert acr_for(["pwd"]) == ACR_PASSWORD == "urn:idp:acr:pwd"
    assert acr_for([]) == ACR_PASSWORD
    assert not has_second_factor(["pwd"])


def test_a_one_time_code_raises_the_level():
    assert acr_for(["pwd", "otp"]) == ACR_MFA == "urn:idp:acr:mfa"
    assert acr_for(("otp",)) == ACR_MFA
    assert has_second_factor(["pwd", "otp"])


def test_an_unknown_method_is_not_a_second_factor():
    assert acr_for(["pwd", "sms-ish"]) == ACR_PASSWORD


def test_discovery_lists_every_level_the_mapping_can_give():
    assert set(ACR_VALUES) == {acr_for(["pwd"]), acr_for(["pwd", "otp"]), acr_for(["pwd", "hwk"])}

"""The authorization endpoint's interaction decision, without HTTP."""

from __future__ import annotations

import pytest

from idp.oauth.interaction import (
    Client,
    Consent,
    Denied,
    Error,
    Issue,
    Login,
    Params,
    SelectAccount,
    Session,
    decide,
    parse_max_age,
)

NOW = 1_800_000_000.0
SCOPES = ["openid", "email"]
THIRD_PARTY = Client(first_party=False)
FIRST_PARTY = Client(first_party=True)
SIGNED_IN = Session(auth_time=NOW - 600)
ALLOWED = frozenset(SCOPES)


def run(
    prompt="",
    *,
    session=SIGNED_IN,
    client=FIRST_PARTY,
    consent=None,
    decision=None,
    **values,
):
    params = Params.from_values({"prompt": prompt, **values}, decision=decision)
    return decide(params, session, client, consent, SCOPES, NOW)


# --- signed in or not -----------------------------------------------------------------------


def test_nobody_signed_in_is_sent_to_sign_in_with_the_hint():
    assert run(session=None) == Login()
    assert run(session=None, login_hint="carol") == Login("carol")


def test_signed_in_first_party_gets_a_code_without_consent():
    assert run() == Issue()


# --- prompt ---------------------------------------------------------------------------------


def test_prompt_none_never_shows_a_page():
    assert run("none", session=None) == Error("login_required", "Sign-in is needed.")
    assert run("none", client=THIRD_PARTY) == Error("consent_required", "Consent is needed.")
    assert run("none", client=THIRD_PARTY, consent=ALLOWED) == Issue()
    assert run("none") == Issue()


def test_prompt_none_stands_alone():
    outcome = run("none login")
    assert isinstance(outcome, Error) and outcome.error == "invalid_request"


def test_prompt_login_asks_again_until_the_person_has_signed_in_again():
    assert run("login", login_hint="carol") == Login("carol")
    # Back from that sign-in: the session began after the marker set when we sent them.
    again = Session(auth_time=NOW - 5, reauth_after=NOW - 30)
    assert run("login", session=again) == Issue()
    # A marker from before an older sign-in does not count as signing in again.
    stale = Session(auth_time=NOW - 600, reauth_after=NOW - 30)
    assert run("login", session=stale) == Login()


def test_prompt_select_account_goes_to_the_sign_in_page():
    outcome = run("select_account", login_hint="dave")
    assert outcome == SelectAccount("dave") and isinstance(outcome, Login)
    assert run("select_account", session=Session(NOW - 5, reauth_after=NOW - 30)) == Issue()


def test_prompt_consent_asks_even_when_remembered():
    assert run("consent", client=THIRD_PARTY, consent=ALLOWED) == Consent()
    assert run("consent none", client=THIRD_PARTY, consent=ALLOWED).error == "invalid_request"


# --- max_age --------------------------------------------------------------------------------


def test_max_age_older_than_the_sign_in_asks_again():
    assert run(max_age="60") == Login()
    assert run(max_age="600") == Issue()
    assert run(max_age="7200") == Issue()
    assert run(max_age="0", session=Session(NOW - 1, reauth_after=NOW - 2)) == Issue()


def test_max_age_with_prompt_none_is_login_required():
    assert run("none", max_age="60").error == "login_required"


@pytest.mark.parametrize("raw", ["①", "²", "٣", "-1", "1.5", "", " 5", "0x10"])
def test_max_age_must_be_ascii_digits(raw):
    assert run(max_age=raw) == Error("invalid_request", "max_age: seconds.")
    assert run(max_age=raw, session=None).error == "invalid_request"


def test_parse_max_age():
    assert parse_max_age(None) is None
    assert parse_max_age("0") == 0
    assert parse_max_age("3600") == 3600
    assert parse_max_age("9" * 5000) >= 10**12  # no int() of thousands of digits
    with pytest.raises(ValueError):
        parse_max_age("²")


# --- consent --------------------------------------------------------------------------------


def test_third_party_consent_page_then_allow_or_deny():
    assert run(client=THIRD_PARTY) == Consent()
    assert run(client=THIRD_PARTY, decision="allow") == Issue(save_consent=True)
    assert run(client=THIRD_PARTY, decision="deny") == Denied()
    assert run(client=THIRD_PARTY, decision="") == Denied()


def test_remembered_consent_covers_only_the_scopes_allowed():
    assert run(client=THIRD_PARTY, consent=ALLOWED | {"profile"}) == Issue()
    assert run(client=THIRD_PARTY, consent=frozenset({"openid"})) == Consent()
    assert run(client=THIRD_PARTY, consent=frozenset()) == Consent()


def test_sign_in_comes_before_consent():
    assert run(session=None, client=THIRD_PARTY) == Login()


# --- request objects ------------------------------------------------------------------------


def test_request_objects_are_refused_before_anything_else():
    assert run(session=None, request="eyJ.x.y").error == "request_not_supported"
    assert run("none", request_uri="https://rp.example/r").error == "request_uri_not_supported"


PASSKEY_NEEDED = Session(auth_time=NOW - 600, phishing_resistant_required=True)


def test_a_role_that_needs_a_passkey_sends_an_app_code_session_to_sign_in_again():
    assert run(session=PASSKEY_NEEDED) == Login()
    assert run("none", session=PASSKEY_NEEDED) == Error(
        "login_required", "A sign-in with a passkey or security key is needed."
    )


def test_a_passkey_session_of_such_a_role_gets_its_code():
    passkey = Session(
        auth_time=NOW - 600, phishing_resistant_required=True, phishing_resistant=True
    )
    assert run(session=passkey) == Issue()


def test_signing_in_again_without_a_passkey_ends_with_access_denied_not_a_loop():
    again = Session(auth_time=NOW - 5, reauth_after=NOW - 10, phishing_resistant_required=True)
    outcome = run(session=again)
    assert isinstance(outcome, Error) and outcome.error == "access_denied"

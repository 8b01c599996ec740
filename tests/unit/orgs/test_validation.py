"""NPI and TIN rules, and the account field checks, without HTTP."""

from __future__ import annotations

import sys
import types

import pytest

from idp.accounts import fields
from idp.demo.seed import DEMO_ORGS
from idp.orgs.validation import luhn_check_digit, npi_problem, tin_problem
from tests.factories import npi_with_check_digit


@pytest.mark.parametrize("npi", ["1234567893", "1245319599", " 1234-567-893 "])
def test_valid_npis(npi):
    assert npi_problem(npi) is None


def test_the_check_digit_is_luhn_over_80840_and_the_first_nine_digits():
    # Worked example of the NPI standard: 123456789 -> check digit 3.
    assert luhn_check_digit("80840123456789") == 3
    for first_nine in ("000000001", "987654321", "555555555", "100000017"):
        assert npi_problem(npi_with_check_digit(first_nine)) is None
    for org in DEMO_ORGS:
        assert npi_problem(org["npi"]) is None and tin_problem(org["tax_id"]) is None


@pytest.mark.parametrize(
    ("npi", "fragment"),
    [
        ("1234567890", "check digit"),
        ("1234567894", "check digit"),
        ("123456789", "exactly 10 digits"),
        ("12345678931", "exactly 10 digits"),
        ("12345A7893", "only digits"),
        ("１２３４５６７８９３", "only digits"),  # full-width digits are not ASCII digits
        ("", "Enter"),
    ],
)
def test_invalid_npis(npi, fragment):
    assert fragment in npi_problem(npi)


@pytest.mark.parametrize("tin", ["123456789", "12-3456789", "123 45 6789"])
def test_valid_tins(tin):
    assert tin_problem(tin) is None


@pytest.mark.parametrize(
    ("tin", "fragment"),
    [
        ("12345678", "exactly 9 digits"),
        ("1234567890", "exactly 9 digits"),
        ("12345678O", "only digits"),
        ("000000000", "not a valid"),
        ("", "Enter"),
    ],
)
def test_invalid_tins(tin, fragment):
    assert fragment in tin_problem(tin)


def test_usernames_are_normalized():
    errors: dict[str, str] = {}
    assert fields.check_username("  Dr.Chen ", errors) == "dr.chen" and errors == {}
    assert fields.check_username("ｄｒ.ｃｈｅｎ", errors) == "dr.chen"  # NFKC
    fields.check_username("x", errors)
    assert "username" in errors


def test_password_rule_falls_back_to_a_minimum_length(monkeypatch):
    monkeypatch.setitem(sys.modules, "idp.accounts.password_policy", None)  # not installed
    assert fields.password_problems("elevenchars") == ["Use at least 12 characters."]
    assert fields.password_problems("twelve chars") == []
    errors: dict[str, str] = {}
    fields.check_new_password("long enough passphrase", "different passphrase", errors)
    assert "password_confirm" in errors


def test_password_rule_uses_the_authentication_areas_policy_when_present(monkeypatch):
    calls = []

    def check_password(password, username="", email=""):
        calls.append((password, username, email))
        return ["Too common."] if password == "password1234" else []

    policy = types.ModuleType("idp.accounts.password_policy")
    policy.check_password = check_password
    monkeypatch.setitem(sys.modules, "idp.accounts.password_policy", policy)
    errors: dict[str, str] = {}
    fields.check_new_password("password1234", "password1234", errors, username="u", email="e@x.io")
    assert errors == {"password": "Too common."}
    assert calls == [("password1234", "u", "e@x.io")]

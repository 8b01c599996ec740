"""Unicode digits (``①``, ``²``, Arabic-Indic ``٣``) where a number is read: ``str.isdigit``
accepts them and ``int`` does not, so each place reads numbers through
``idp.common.digits`` and answers them like any other bad number, never with a 500."""

from __future__ import annotations

import pytest

from idp.common.digits import ascii_digits, page_number
from tests.factories import add_member, make_org, make_user
from tests.support.auth import login_as

ODD = ["①", "²", "٣", "１"]


@pytest.mark.parametrize("text", ODD)
def test_only_ascii_digits_are_digits(text):
    assert text.isdigit() and not ascii_digits(text)
    assert page_number(text) is None


def test_page_numbers():
    assert page_number("1") == 1 and page_number("999999") == 999_999
    assert page_number("0") is None and page_number("1000000") is None
    assert page_number("") is None and page_number(None) is None and page_number("-1") is None
    assert page_number("1440", limit=1440) == 1440 and page_number("1441", limit=1440) is None


@pytest.mark.parametrize("text", ODD)
def test_pages_read_odd_digits_as_no_number(app, text):
    org = make_org()
    admin = make_user("digits.admin")
    add_member(admin, org, role="office_admin")
    security = make_user("digits.sec", platform_role="security_admin")
    anonymous = app.test_client()
    assert anonymous.get(f"/login/signed-out?after={text}").status_code == 200
    office = app.test_client()
    login_as(office, admin, amr=("pwd", "otp"), org_id=org.id)
    for path in (f"/orgs/{org.id}/members?page={text}", f"/orgs/{org.id}/audit?page={text}"):
        assert office.get(path).status_code < 500, path
    console = app.test_client()
    login_as(console, security, amr=("pwd", "otp"))
    for path in (f"/admin/users?page={text}", f"/admin/audit?page={text}"):
        assert console.get(path).status_code < 500, path

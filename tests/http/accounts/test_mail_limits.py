"""Reset, username, verification and email-change mails are limited per recipient and per
account, whatever the IP (real SMTP via the mail fixture): past the limit nothing is sent,
the page is the same, and the first refusal is audited."""

from __future__ import annotations

import time

import pytest

from idp.audit.service import events
from idp.extensions import db
from tests.factories import PASSWORD, make_user
from tests.http.orgs.helpers import post_form
from tests.support.auth import login_as
from tests.support.signin import strip_csrf

IPS = [f"198.51.100.{n}" for n in range(1, 9)]


@pytest.fixture
def settings_overrides():
    return {"auth_mail_limit_per_recipient": 3, "auth_mail_limit_per_account": 3}


def _post(client, path, data, ip):
    return client.post(path, data=data, environ_base={"REMOTE_ADDR": ip})


def _settle(mail, address, count):
    """Mail goes out in the background: wait for what should arrive, then a little more so
    that a mail which should not have been sent would have arrived too."""
    if count:
        mail.wait_for(address, count=count)
    time.sleep(0.3)
    return mail.to(address)


def test_password_reset_mails_per_recipient_whatever_the_ip(client, clock, mail):
    user = make_user("flooded")
    pages = [_post(client, "/login/forgot-password", {"identifier": "flooded"}, ip) for ip in IPS]
    unknown = _post(client, "/login/forgot-password", {"identifier": "nobody"}, IPS[0])
    assert {p.status_code for p in pages} == {200}
    assert {strip_csrf(p.data) for p in pages} == {strip_csrf(unknown.data)}
    assert len(_settle(mail, user.email, 3)) == 3
    limited = events("mail.limited", subject_id=user.id)
    assert len(limited) == 1 and limited[0].ip == IPS[3]


def test_the_limit_counts_every_kind_and_both_identifiers(client, clock, mail):
    user = make_user("counted", email="counted@clinic.test")
    _post(client, "/login/forgot-password", {"identifier": "counted"}, IPS[0])
    _post(client, "/login/forgot-password", {"identifier": "COUNTED@clinic.test"}, IPS[1])
    _post(client, "/login/forgot-username", {"email": "counted@clinic.test"}, IPS[2])
    refused = _post(client, "/login/forgot-username", {"email": "counted@clinic.test"}, IPS[3])
    unknown = _post(client, "/login/forgot-username", {"email": "nobody@clinic.test"}, IPS[4])
    assert strip_csrf(refused.data) == strip_csrf(unknown.data)
    assert len(_settle(mail, user.email, 3)) == 3
    # Another recipient is not affected.
    other = make_user("bystander")
    _post(client, "/login/forgot-password", {"identifier": "bystander"}, IPS[0])
    assert len(_settle(mail, other.email, 1)) == 1


def test_the_window_ends(app, client, clock, mail):
    user = make_user("patient")
    for ip in IPS[:4]:
        _post(client, "/login/forgot-password", {"identifier": "patient"}, ip)
    assert len(_settle(mail, user.email, 3)) == 3
    from idp.common.tokens import token_hash
    from idp.state import shared_state

    key = f"maillimit:to:{token_hash(user.email)}"
    assert int(shared_state().get(key) or 0) == 4
    assert 0 < shared_state().ttl(key) <= 60 * 60
    shared_state().delete(key)  # what the window's end does
    shared_state().delete(f"maillimit:account:{user.id}")
    _post(client, "/login/forgot-password", {"identifier": "patient"}, IPS[5])
    assert len(_settle(mail, user.email, 4)) == 4


def test_email_change_is_limited_per_account_and_answers_the_same(app, client, mail):
    user = make_user("mover", email="mover@clinic.test")
    login_as(client, user)
    pages = []
    for n in range(5):
        response = post_form(
            client, "/account/email", {"email": f"new{n}@elsewhere.test", "password": PASSWORD}
        )
        assert response.status_code == 200, response.data
        pages.append(strip_csrf(response.data).replace(f"new{n}".encode(), b"NEW"))
    assert len(set(pages)) == 1
    sent = [n for n in range(5) if _settle(mail, f"new{n}@elsewhere.test", int(n < 3))]
    assert sent == [0, 1, 2]
    db.session.expire_all()
    assert user.email == "mover@clinic.test"
    assert len(events("mail.limited", subject_id=user.id)) == 1


@pytest.mark.parametrize(
    "name",
    [
        "auth_mail_limit_per_recipient",
        "auth_mail_limit_per_account",
        "auth_mail_limit_window_minutes",
    ],
)
def test_the_limits_are_settings_checked_at_start_up(name):
    from idp.config import ConfigError, load_settings

    assert load_settings({name: 7}, environ={}).as_dict()[name] == 7
    with pytest.raises(ConfigError, match=f"IDP_{name.upper()}: must be a whole number from 1"):
        load_settings({name: 0}, environ={})


def test_an_unknown_kind_of_mail_is_a_programming_error(app):
    from idp.accounts.mail_limits import MailLimits
    from idp.state import shared_state

    with pytest.raises(ValueError, match="unknown mail kind"):
        MailLimits(shared_state(), app.config["IDP_SETTINGS"]).allow("newsletter", recipient="a@b")

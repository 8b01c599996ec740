"""Changing one's email address: a link to the new address, a notice to the old one."""

from __future__ import annotations

from idp.audit.service import events
from idp.extensions import db
from tests.factories import PASSWORD
from tests.http.orgs.helpers import make_person, path_of, post_form
from tests.support.auth import login_as


def test_change_email_with_verification(app, client, mail):
    user = make_person("mover", email="old@clinic.test")
    login_as(client, user)
    response = post_form(
        client, "/account/email", {"email": "New@Clinic.test", "password": PASSWORD}
    )
    assert response.status_code == 200 and b"Check your new inbox" in response.data
    db.session.expire_all()
    assert user.email == "old@clinic.test"  # nothing changes before the link is used

    notice = mail.wait_for("old@clinic.test")[-1]
    assert "new@clinic.test" in mail.text(notice) and "/verify-email/" not in mail.text(notice)
    link = path_of(mail.last_link("new@clinic.test", "/verify-email/"))
    response = post_form(client, link, {})
    assert response.status_code == 200
    db.session.expire_all()
    assert user.email == "new@clinic.test" and user.email_verified
    assert post_form(client, link, {}, page="/").status_code == 410
    changed = events("account.email_changed")
    assert len(changed) == 1 and changed[0].subject_id == user.id


def test_change_email_refusals(app, client, mail):
    user = make_person("stayer", email="stay@clinic.test")
    make_person("other", email="other@clinic.test")
    login_as(client, user)
    cases = [
        ({"email": "fresh@clinic.test", "password": "wrong password!!"}, b'id="password-error"'),
        ({"email": "other@clinic.test", "password": PASSWORD}, b"Another account uses"),
        ({"email": "stay@clinic.test", "password": PASSWORD}, b"already your email"),
        ({"email": "nope", "password": PASSWORD}, b'id="email-error"'),
    ]
    for data, expected in cases:
        response = post_form(client, "/account/email", data)
        assert response.status_code == 400 and expected in response.data
        assert PASSWORD.encode() not in response.data
    assert mail.messages == []


def test_a_link_for_an_address_taken_meanwhile_is_refused(app, client, mail):
    user = make_person("racer", email="racer@clinic.test")
    login_as(client, user)
    post_form(client, "/account/email", {"email": "wanted@clinic.test", "password": PASSWORD})
    link = path_of(mail.last_link("wanted@clinic.test", "/verify-email/"))
    make_person("quick", email="wanted@clinic.test")
    assert post_form(client, link, {}).status_code == 409
    db.session.expire_all()
    assert user.email == "racer@clinic.test"

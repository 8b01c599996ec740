"""Step-up on the real sensitive pages: admin actions, email change, MFA changes.

Uses the shared ``clock`` fixture of this folder (test clock, CSRF off: not under test).
"""

from urllib.parse import quote

from idp.extensions import db
from idp.login.current import cookie_name, store
from tests.factories import PASSWORD, add_member, make_org, make_user
from tests.support.auth import login_as
from tests.support.signin import enroll_totp


def office_admin(clock):
    org = make_org("Step Up Practice LLC")
    user = make_user("boss")
    add_member(user, org, "office_admin")
    totp, _ = enroll_totp(user, clock)
    return user, org, totp


def test_admin_action_needs_a_recent_password_and_code(app, client, clock, mail):
    user, org, totp = office_admin(clock)
    session = login_as(client, user, amr=("pwd", "otp"))
    members = f"/orgs/{org.id}/members"
    invite = {"email": "new.hire@clinic.test", "role": "front_desk"}

    clock.advance(11 * 60)
    refused = client.post(
        f"/orgs/{org.id}/invitations", data=invite, headers={"Referer": f"http://idp.test{members}"}
    )
    assert refused.status_code == 302
    assert refused.headers["Location"] == f"/login?reauth=1&next={quote(members, safe='/')}"
    assert mail.to("new.hire@clinic.test") == []

    # Re-authenticate: the form is shown although signed in; password, then the code.
    page = client.get(refused.headers["Location"])
    assert page.status_code == 200 and b'name="password"' in page.data
    step = client.post("/login", data={"username": "boss", "password": PASSWORD, "next": members})
    assert step.headers["Location"].endswith("/login/verify")
    clock.advance(30)
    done = client.post("/login/verify", data={"code": totp.at(clock.time())})
    assert done.status_code == 302 and done.headers["Location"] == members

    renewed = store().get(client.get_cookie(cookie_name()).value)
    assert renewed.sid != session.sid and renewed.public_id == session.public_id
    assert client.post(f"/orgs/{org.id}/invitations", data=invite).status_code == 200
    assert mail.wait_for("new.hire@clinic.test")


def test_password_alone_is_not_enough_for_someone_with_an_authenticator(app, client, clock):
    user, org, _ = office_admin(clock)
    login_as(client, user, amr=("pwd",))  # e.g. a session from before enrollment
    response = client.post(f"/orgs/{org.id}/invitations", data={"email": "a@b.test"})
    assert response.status_code == 302 and "reauth=1" in response.headers["Location"]


def test_changing_email_needs_a_recent_sign_in(app, client, clock):
    user = make_user("pat", password=None)
    login_as(client, user)
    assert client.get("/account/email").status_code == 200
    clock.advance(11 * 60)
    response = client.get("/account/email")
    assert response.headers["Location"] == "/login?reauth=1&next=/account/email"


def test_changing_mfa_needs_a_recent_sign_in(app, client, clock):
    user, _, _ = office_admin(clock)
    login_as(client, user, amr=("pwd", "otp"))
    clock.advance(11 * 60)
    enroll = client.get("/mfa/enroll")
    assert enroll.status_code == 302 and "reauth=1" in enroll.headers["Location"]
    codes = client.post("/mfa/recovery-codes")
    assert codes.status_code == 302 and "reauth=1" in codes.headers["Location"]


def test_security_admin_unlock_needs_a_recent_sign_in(app, client, clock):
    admin = make_user("sec", platform_role="security_admin", password=None)
    locked = make_user("locked", status="locked", password=None)
    login_as(client, admin, amr=("pwd", "otp"))
    clock.advance(11 * 60)
    response = client.post(f"/security/users/{locked.id}/unlock")
    assert response.status_code == 302 and "reauth=1" in response.headers["Location"]
    db.session.refresh(locked)
    assert locked.status == "locked"

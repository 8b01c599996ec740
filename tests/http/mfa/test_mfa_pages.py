"""Managing one's authenticator, recovery codes, and resets by administrators over HTTP."""

from idp import audit
from idp.mfa.store import has_mfa
from tests.factories import add_member, make_org, make_user
from tests.support.auth import login_as
from tests.support.signin import enroll_totp


def test_signed_in_user_enrolls_from_the_manage_page(client, clock):
    import pyotp

    user = make_user("fay")
    login_as(client, user)
    assert b"No authenticator app is set up" in client.get("/mfa").data
    page = client.get("/mfa/enroll?next=/mfa").data.decode()
    secret = page.split('<code class="secret">')[1].split("<")[0]
    response = client.post("/mfa/enroll", data={"code": pyotp.TOTP(secret).at(clock.time())})
    assert response.status_code == 200 and response.data.count(b"<li><code>") == 10
    assert has_mfa(user)
    assert b"Unused recovery codes: 10" in client.get("/mfa").data


def test_regenerate_recovery_codes_shows_new_ones_once(client, clock):
    user = make_user("gus")
    enroll_totp(user, clock)
    login_as(client, user, amr=("pwd", "otp"))
    response = client.post("/mfa/recovery-codes")
    assert response.status_code == 200 and response.data.count(b"<li><code>") == 10
    assert len(audit.service.events("mfa.recovery_codes_regenerated")) == 1


def test_office_admin_resets_a_staff_members_mfa(client, clock, mail):
    org = make_org()
    staff = make_user("hal")
    add_member(staff, org, "front_desk")
    enroll_totp(staff, clock)
    at_the_desk = client.application.test_client()
    login_as(at_the_desk, staff, amr=("pwd", "otp"))
    outsider = make_user("ida")
    add_member(outsider, make_org(), "office_admin")
    login_as(client, outsider)
    assert client.post(f"/mfa/reset/{staff.id}").status_code == 403
    assert has_mfa(staff)
    boss = make_user("jon")
    add_member(boss, org, "office_admin")
    login_as(client, boss)
    assert client.post(f"/mfa/reset/{staff.id}").status_code == 302
    assert not has_mfa(staff)
    assert at_the_desk.get("/account").status_code == 302  # every session of theirs ended
    assert client.get("/mfa").status_code == 200  # not the admin's own
    assert audit.service.events("mfa.reset")[0].actor_id == boss.id
    assert "reset the two-step verification" in mail.text(mail.wait_for(staff.email)[0])
    assert client.post("/mfa/reset/no-such-user").status_code == 404


def test_replacing_an_authenticator_needs_a_recent_second_factor(client, clock):
    user = make_user("kay")
    enroll_totp(user, clock)
    login_as(client, user, amr=("pwd",))
    response = client.get("/mfa/enroll")
    assert response.status_code == 302 and "reauth=1" in response.headers["Location"]
    response = client.post("/mfa/recovery-codes")
    assert response.status_code == 302 and "reauth=1" in response.headers["Location"]
    login_as(client, user, amr=("pwd", "otp"))
    assert client.get("/mfa/enroll").status_code == 200


def test_recovery_codes_can_be_downloaded_under_the_same_fresh_sign_in(client, clock):
    import re

    user = make_user("liv")
    enroll_totp(user, clock)
    login_as(client, user, amr=("pwd", "otp"))
    page = client.post("/mfa/recovery-codes").get_data(as_text=True)
    codes = re.findall(r"<li><code>([^<]+)</code></li>", page)
    assert len(codes) == 10
    assert 'action="/mfa/recovery-codes.txt"' in page
    assert 'id="copy-codes" hidden' in page and "recovery-codes.js" in page
    sent = {"code": codes + ["<script>alert(1)</script>", "x" * 500]}
    response = client.post("/mfa/recovery-codes.txt", data=sent)
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert response.headers["Content-Disposition"] == 'attachment; filename="recovery-codes.txt"'
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    assert all(code in body for code in codes) and "script" not in body and "xxxxx" not in body
    login_as(client, user, amr=("pwd",))  # not a fresh second factor
    stale = client.post("/mfa/recovery-codes.txt", data={"code": codes})
    assert stale.status_code == 302 and "reauth=1" in stale.headers["Location"]


def test_the_two_step_pages_have_a_way_back(client, clock):
    user = make_user("max")
    login_as(client, user)
    assert 'href="/account">← Back to your account' in client.get("/mfa").get_data(as_text=True)

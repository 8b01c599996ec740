"""/emergency: a security admin signs in with password + sealed code instead of the second
factor; the other security admins are mailed (real SMTP), the session is short, marked and
audited; every kind of wrong input gets the one generic answer."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from idp import audit, services
from idp.emergency.service import GENERIC_FAILURE, NOT_ALERTED
from idp.extensions import db
from idp.login.assurance import ACR_MFA
from idp.login.current import store
from tests.factories import PASSWORD, make_user
from tests.support.mailcatcher import free_port

IP = "198.51.100.9"


def use(client, username="sam", password=PASSWORD, code="", ip=IP):
    return client.post(
        "/emergency",
        data={"username": username, "password": password, "code": code},
        headers={"User-Agent": "Breakglass/1.0"},
        environ_base={"REMOTE_ADDR": ip},
    )


def session_of(client):
    cookie = client.get_cookie("idp_sid")
    return store().get(cookie.value) if cookie else None


def failures(reason=None):
    data = [json.loads(e.data) for e in audit.service.events("emergency.access_failed")]
    return (
        [d["reason"] for d in data]
        if reason is None
        else [d for d in data if d["reason"] == reason]
    )


def test_code_gives_a_short_marked_session_and_alerts_every_other_admin(
    app, client, clock, mail, admins, code
):
    sam, others = admins
    response = use(client, code=code.upper().replace("-", " "))  # as typed from the paper
    assert response.status_code == 302
    session = session_of(client)
    assert session.user_id == sam.id
    assert session.amr == ["pwd", "emergency"]
    assert session.acr == ACR_MFA  # a second factor, never the phishing-resistant level
    assert session.expires_at - session.created_at == 60 * 60
    assert client.get_cookie("idp_device") is None  # the browser is not made a trusted one
    # the banner on every page of that session, with its end
    page = client.get("/account").data.decode()
    assert "Emergency session." in page
    ends = datetime.fromtimestamp(session.expires_at, UTC)
    assert f"ends at {ends:%H:%M} UTC" in page
    # each other active security admin got the alert, over SMTP; nobody else did
    for other in others:
        (alert,) = mail.to(other.email)
        assert "Emergency access used by Sam Security (sam)" in alert["Subject"]
        text = mail.text(alert)
        assert IP in text and "Breakglass/1.0" in text and f"/admin/users/{sam.id}" in text
        assert code not in text
    assert mail.to(sam.email) == [] and mail.to("old@clinic.test") == []
    (granted,) = audit.service.events("emergency.access_granted")
    data = json.loads(granted.data)
    assert granted.actor_id == granted.subject_id == sam.id and granted.ip == IP
    assert data["amr"] == ["pwd", "emergency"] and data["alerted"] == 2 and data["minutes"] == 60
    assert code not in granted.data
    # the short limit holds: after the hour the session is gone, whatever the settings say
    clock.advance(60 * 60)
    assert client.get("/account").status_code == 302
    assert session_of(client) is None


def test_banner_is_not_on_an_ordinary_session(client, clock, admins):
    from tests.support.auth import login_as

    login_as(client, admins[1][0], amr=("pwd", "otp"))
    assert "Emergency session." not in client.get("/account").data.decode()


@contextmanager
def _two_admins_on(make_app, **settings):
    """An app with its own ``settings``, two security admins, and a code for the first:
    the test client and the code, inside the app's context."""
    from idp.common.clock import FixedClock
    from tests.conftest import _empty_all_tables

    app = make_app(**settings)
    app.config["WTF_CSRF_ENABLED"] = False
    app.extensions["idp_clock"] = FixedClock()
    with app.app_context():
        _empty_all_tables()
        sam = make_user("sam", platform_role="security_admin")
        make_user("sue", platform_role="security_admin")
        yield app.test_client(), services.emergency_codes().issue(sam)


def test_the_session_limit_is_the_setting(make_app, mail):
    with _two_admins_on(make_app, emergency_session_minutes=15) as (client, code):
        assert use(client, code=code).status_code == 302
        session = session_of(client)
        assert session.expires_at - session.created_at == 15 * 60
        db.session.remove()


@pytest.mark.parametrize(
    ("username", "password", "which", "reason"),
    [
        ("sam", PASSWORD, "wrong", "bad_code"),
        ("sam", "not the password at all", "right", "bad_password"),
        ("nobody", PASSWORD, "right", "unknown_user"),
        ("nina", PASSWORD, "right", "not_eligible"),  # right password, not a security admin
        ("sue", PASSWORD, "right", "no_code"),  # a security admin without a code (Sam's)
    ],
)
def test_every_wrong_input_gets_the_same_answer(
    client, clock, mail, admins, code, username, password, which, reason
):
    make_user("nina")
    wrong = "abcd-" * 7 + "abcd"
    response = use(client, username, password, code if which == "right" else wrong)
    assert response.status_code == 401
    assert GENERIC_FAILURE in response.data.decode()
    assert session_of(client) is None
    assert failures() == [reason]
    assert mail.messages == []
    # nothing was spent: the real holder still gets in
    assert use(client, code=code).status_code == 302


def test_code_works_once(client, clock, mail, admins, code):
    assert use(client, code=code).status_code == 302
    other = client.application.test_client()
    response = use(other, code=code)
    assert response.status_code == 401 and GENERIC_FAILURE in response.data.decode()
    assert session_of(other) is None
    assert failures() == ["no_code"]  # spent: the account has no usable code left
    assert len(audit.service.events("emergency.access_granted")) == 1


def test_concurrent_uses_give_one_session(app, make_app, clock, mail, admins, code):
    instances = [make_app(), make_app()]
    for instance in instances:
        instance.config["WTF_CSRF_ENABLED"] = False
        instance.extensions["idp_clock"] = clock
    results: list[tuple[int, bool]] = []
    barrier = threading.Barrier(8)

    def attempt(instance):
        with instance.app_context():
            client = instance.test_client()
            barrier.wait()
            response = use(client, code=code)
            results.append((response.status_code, client.get_cookie("idp_sid") is not None))
            db.session.remove()

    threads = [threading.Thread(target=attempt, args=(instances[i % 2],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == [(302, True)] + [(401, False)] * 7
    db.session.expire_all()
    assert len(audit.service.events("emergency.access_granted")) == 1
    assert len(failures()) == 7
    # the other admins were alerted once, for the one session
    assert len(mail.to("sue@clinic.test")) == 1


def test_revoked_code_is_refused(client, clock, mail, admins, code):
    assert services.emergency_codes().revoke(admins[0]) is True
    response = use(client, code=code)
    assert response.status_code == 401 and GENERIC_FAILURE in response.data.decode()
    assert failures() == ["no_code"]


def test_a_new_code_replaces_the_old_one(client, clock, mail, admins, code):
    newer = services.emergency_codes().issue(admins[0])
    assert use(client, code=code).status_code == 401
    assert use(client, code=newer).status_code == 302


def test_wrong_codes_count_toward_the_normal_lockout(app, client, clock, mail, admins, code):
    limit = app.config["IDP_SETTINGS"].auth_lockout_failures
    for i in range(limit):
        assert use(client, code=f"wrong-code-{i:04d}").status_code == 401
    assert len(audit.service.events("lockout.locked", subject_id=admins[0].id)) == 1
    # now even the right code is refused from this address, with the lock message
    response = use(client, code=code)
    assert response.status_code == 401 and "Too many attempts" in response.data.decode()
    assert failures("locked")
    # and the account is locked for this source on the sign-in pages too (same keys)
    login = client.post(
        "/login",
        data={"username": "sam", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": IP},
    )
    assert login.status_code == 401 and b"Too many attempts" in login.data
    # another address is not affected, and the code was never spent
    assert use(app.test_client(), code=code, ip="203.0.113.50").status_code == 302


def test_wrong_passwords_count_with_the_sign_in_pages(app, client, clock, mail, admins, code):
    limit = app.config["IDP_SETTINGS"].auth_lockout_failures
    for i in range(limit - 1):
        client.post(
            "/login",
            data={"username": "sam", "password": f"wrong password {i}"},
            environ_base={"REMOTE_ADDR": IP},
        )
    use(client, password="one more wrong password", code=code)  # the last allowed failure
    response = use(client, code=code)
    assert response.status_code == 401 and "Too many attempts" in response.data.decode()


def test_refused_when_no_other_admin_can_be_alerted(app, client, clock, mail):
    sam = make_user("sam", platform_role="security_admin")
    code = services.emergency_codes().issue(sam)
    response = use(client, code=code)
    assert response.status_code == 503 and NOT_ALERTED in response.data.decode()
    assert session_of(client) is None
    assert failures() == ["not_alerted"]
    # the code stays usable: once another admin exists, it works
    make_user("sue", platform_role="security_admin")
    assert use(client, code=code).status_code == 302
    assert len(mail.to("sue@clinic.test")) == 1


def test_refused_when_the_mail_server_is_down(make_app, mail):
    down = {"mail_smtp_port": free_port(), "mail_smtp_timeout_seconds": 2}
    with _two_admins_on(make_app, **down) as (client, code):
        response = use(client, code=code)
        assert response.status_code == 503 and NOT_ALERTED in response.data.decode()
        assert session_of(client) is None
        assert failures() == ["not_alerted"]
        assert services.emergency_codes().listing()[0].state == "usable"
        db.session.remove()


def test_the_page_is_linked_from_the_second_factor_step(client, clock, admins):
    client.post("/login", data={"username": "sam", "password": PASSWORD})
    assert b'href="/emergency"' in client.get("/login/verify").data
    page = client.get("/emergency")
    assert page.status_code == 200 and b'name="code"' in page.data


def test_the_session_is_fresh_for_the_step_up_window_only(app, client, clock, mail, admins, code):
    """Within ``session.step_up_minutes`` the emergency sign-in counts as a recent password
    and second factor: a new authenticator can be set up, admin actions work. After it,
    those ask for a sign-in again, like any session (the code is spent)."""
    locked = make_user("luke", status="locked")
    assert use(client, code=code).status_code == 302
    assert client.get("/mfa/enroll").status_code == 200
    assert client.post(f"/security/users/{locked.id}/unlock").status_code == 302
    db.session.expire_all()
    assert locked.status == "active"
    clock.advance(app.config["IDP_SETTINGS"].session_step_up_minutes * 60 + 1)
    again = client.get("/mfa/enroll")
    assert again.status_code == 302 and "reauth=1" in again.headers["Location"]

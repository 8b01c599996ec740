"""Lockout across instances, device cookies, the per-account ceiling, per-IP limits."""

import threading
from datetime import UTC, datetime

import pytest

from idp import audit
from idp.accounts.models import User
from idp.extensions import db
from tests.factories import PASSWORD, make_user
from tests.support.signin import post_login, strip_csrf

LOCK_SETTINGS = {"auth_lockout_failures": 5}


def reasons(user_id):
    return [e.data for e in audit.service.events("login.failed", subject_id=user_id)]


def test_two_instances_in_parallel_never_allow_more_than_the_configured_failures(
    app, make_app, clock
):
    user = make_user("victim")
    instances = [make_app(**LOCK_SETTINGS), make_app(**LOCK_SETTINGS)]
    for instance in instances:
        instance.config["WTF_CSRF_ENABLED"] = False
    statuses = []
    barrier = threading.Barrier(16)

    def attack(instance, n):
        with instance.app_context():
            client = instance.test_client()
            barrier.wait()
            response = post_login(client, "victim", f"guess number {n:04d}", ip="203.0.113.7")
            statuses.append(response.status_code)
            db.session.remove()

    threads = [threading.Thread(target=attack, args=(instances[i % 2], i)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert statuses == [401] * 16
    db.session.expire_all()
    data = reasons(user.id)
    # Racing may cost the attacker a guess (an attempt that took its slot before the lock
    # was set still looks again and is refused), never give one more.
    checked = sum('"bad_password"' in d for d in data)
    assert 1 <= checked <= 5
    assert sum('"locked"' in d for d in data) == 16 - checked
    assert len(audit.service.events("lockout.locked", subject_id=user.id)) == 1
    # the attacker's address stays locked even with the right password, on both instances
    for instance in instances:
        with instance.app_context():
            client = instance.test_client()
            assert post_login(client, "victim", PASSWORD, ip="203.0.113.7").status_code == 401
            db.session.remove()
    # the real user elsewhere is not affected
    assert post_login(app.test_client(), "victim", PASSWORD, ip="198.51.100.2").status_code == 302


def test_lock_expires_and_the_next_lock_is_twice_as_long(app, client, clock):
    make_user("wanda")
    for _ in range(5):
        post_login(client, "wanda", "wrong password!!")
    assert post_login(client, "wanda", PASSWORD).status_code == 401
    clock.advance(15 * 60 + 1)
    assert post_login(client, "wanda", PASSWORD).status_code == 302
    client.delete_cookie("idp_device")
    for _ in range(5):
        post_login(client, "wanda", "wrong password!!")
    clock.advance(16 * 60)
    assert post_login(client, "wanda", PASSWORD).status_code == 401
    clock.advance(15 * 60)
    assert post_login(client, "wanda", PASSWORD).status_code == 302
    minutes = [e.data for e in audit.service.events("lockout.locked")]
    assert '"minutes": 15' in minutes[0] and '"minutes": 30' in minutes[1]


def test_unknown_usernames_lock_the_same_way(client, clock):
    make_user("real")
    pages = {}
    for name in ("ghost", "real"):
        bodies = []
        for _ in range(6):
            response = post_login(client, name, "wrong password!!")
            assert response.status_code == 401
            bodies.append(strip_csrf(response.data).replace(name.encode(), b"NAME"))
        pages[name] = bodies
    # Known and unknown names get the same pages, in the same order, locks included.
    assert pages["ghost"] == pages["real"]
    assert len(set(pages["ghost"])) == 2
    assert b"Too many attempts from this browser" in pages["ghost"][-1]
    assert len(audit.service.events("lockout.locked")) == 2


def test_the_page_says_this_browser_is_locked_out_and_until_when(client, clock):
    make_user("una")
    for _ in range(2):  # this module locks after 3 failures (settings_overrides)
        page = post_login(client, "UNA ", "wrong password!!")
        assert b"Too many attempts" not in page.data
    fifth = post_login(client, "una", "wrong password!!")
    until = datetime.fromtimestamp(clock.time() + 15 * 60 + 59, UTC).strftime("%H:%M")
    expected = f"Too many attempts from this browser. Try again after {until} UTC".encode()
    assert expected in fifth.data and b"reset your password" in fifth.data
    # the right password does not help while locked, and the page says the same
    assert expected in post_login(client, "una", PASSWORD).data
    # another address is not locked out (the count is per identifier and source)
    other = post_login(client, "una", PASSWORD, ip="198.51.100.40")
    assert other.status_code == 302


def test_a_completed_password_reset_lifts_the_locks_of_every_source(app, clock, mail):
    user = make_user("vera")
    attackers = [app.test_client() for _ in range(2)]
    for n, attacker in enumerate(attackers):
        for name in ("vera", user.email):
            for _ in range(5):
                post_login(attacker, name, "wrong password!!", ip=f"203.0.113.{n}")
    for n, attacker in enumerate(attackers):
        assert post_login(attacker, "vera", PASSWORD, ip=f"203.0.113.{n}").status_code == 401
    owner = app.test_client()
    owner.post("/login/forgot-password", data={"identifier": "vera"})
    path = mail.last_link(user.email, "/reset-password/").removeprefix("http://idp.test")
    new = "purple elephant marmalade 77"
    owner.post(path, data={"password": new, "confirm": new})
    for n, attacker in enumerate(attackers):
        for name in ("vera", user.email):
            response = post_login(attacker, name, new, ip=f"203.0.113.{n}")
            assert response.status_code == 302, (n, name)
            attacker.delete_cookie("idp_sid")
    # a new run of failures locks again
    for _ in range(3):
        post_login(attackers[0], "vera", "wrong password!!", ip="203.0.113.0")
    assert post_login(attackers[0], "vera", new, ip="203.0.113.0").status_code == 401


def test_device_cookie_user_signs_in_while_the_attacker_is_locked_out(app, clock):
    make_user("xena")
    same_ip = "192.0.2.50"
    owner = app.test_client()
    assert post_login(owner, "xena", PASSWORD, ip=same_ip).status_code == 302
    assert owner.get_cookie("idp_device") is not None
    owner.delete_cookie("idp_sid")
    attacker = app.test_client()
    for _ in range(6):
        assert post_login(attacker, "xena", "wrong password!!", ip=same_ip).status_code == 401
    assert post_login(attacker, "xena", PASSWORD, ip=same_ip).status_code == 401
    assert post_login(owner, "xena", PASSWORD, ip=same_ip).status_code == 302
    # a forged or foreign device cookie does not help the attacker
    attacker.set_cookie("idp_device", "forged.value.here")
    assert post_login(attacker, "xena", PASSWORD, ip=same_ip).status_code == 401


@pytest.fixture
def settings_overrides():
    return {"auth_account_ceiling_failures": 8, "auth_lockout_failures": 3}


def test_account_ceiling_locks_the_account_until_the_emailed_link(app, client, clock, mail):
    user = make_user("yara")
    trusted = app.test_client()
    assert post_login(trusted, "yara", PASSWORD, ip="198.51.100.9").status_code == 302
    for i in range(8):
        post_login(client, "yara", f"wrong password {i}", ip=f"203.0.113.{i // 2}")
    db.session.expire_all()
    assert db.session.get(User, user.id).status == "locked"
    assert len(audit.service.events("account.locked", subject_id=user.id)) == 1
    link = mail.last_link(user.email, "/login/unlock/")
    assert link.startswith("http://idp.test/login/unlock/")
    fresh = app.test_client()
    wrong = post_login(fresh, "yara", "wrong password!!", ip="198.51.100.77")
    right = post_login(fresh, "yara", PASSWORD, ip="198.51.100.78")
    assert right.status_code == wrong.status_code == 401
    assert strip_csrf(right.data) == strip_csrf(wrong.data)
    text = mail.text(mail.wait_for(user.email)[-1])
    assert "can still sign in meanwhile" not in text
    assert "not even from a browser that signed in before" in text
    # ... which holds: the browser that signed in before is refused too
    trusted.delete_cookie("idp_sid")
    assert post_login(trusted, "yara", PASSWORD, ip="198.51.100.9").status_code == 401
    path = link.removeprefix("http://idp.test")
    assert b"Unlock my account" in client.get(path).data
    assert client.post(path).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).status == "active"
    assert client.post(path).status_code == 400  # single use
    unlocked = audit.service.events("account.unlocked", subject_id=user.id)
    assert len(unlocked) == 1 and "email_link" in unlocked[0].data
    assert post_login(fresh, "yara", PASSWORD, ip="198.51.100.79").status_code == 302


def test_the_failure_that_locks_the_account_answers_like_any_other_when_mail_is_down(
    make_app, settings_overrides
):
    from tests.support.mailcatcher import free_port

    app = make_app(mail_smtp_port=free_port(), **settings_overrides)  # nothing listens there
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        user = make_user("yuri")
        client = app.test_client()
        answers = [
            post_login(client, "yuri", f"wrong password {i}", ip=f"203.0.113.{i // 2}")
            for i in range(8)
        ]
        # The eighth failure locks the account and mails the owner: it looks like the others.
        assert {a.status_code for a in answers} == {401}
        assert len({strip_csrf(a.data) for a in answers}) == 1
        db.session.expire_all()
        assert db.session.get(User, user.id).status == "locked"
        db.session.remove()


def test_the_ceiling_lock_holds_for_trusted_devices_until_the_emailed_link(
    app, client, clock, mail
):
    user = make_user("zoe")
    trusted = app.test_client()
    assert post_login(trusted, "zoe", PASSWORD, ip="198.51.100.9").status_code == 302
    trusted.delete_cookie("idp_sid")
    for i in range(8):
        post_login(client, "zoe", f"wrong password {i}", ip=f"203.0.113.{i // 2}")
    db.session.expire_all()
    assert db.session.get(User, user.id).status == "locked"
    refused = post_login(trusted, "zoe", PASSWORD, ip="198.51.100.9")
    assert refused.status_code == 401
    db.session.expire_all()
    assert db.session.get(User, user.id).status == "locked"
    assert audit.service.events("account.unlocked", subject_id=user.id) == []
    path = mail.last_link(user.email, "/login/unlock/").removeprefix("http://idp.test")
    assert trusted.post(path).status_code == 302
    assert post_login(trusted, "zoe", PASSWORD, ip="198.51.100.9").status_code == 302


def test_security_admin_unlocks_an_account(app, client, clock):
    from tests.support.auth import login_as

    user = make_user("luke", status="locked")
    other = make_user("mallory")
    login_as(client, other)
    assert client.post(f"/security/users/{user.id}/unlock").status_code == 403
    admin = make_user("sec", platform_role="security_admin")
    login_as(client, admin)
    assert client.post(f"/security/users/{user.id}/unlock").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).status == "active"
    (event,) = audit.service.events("account.unlocked")
    assert event.actor_id == admin.id and "security_admin" in event.data

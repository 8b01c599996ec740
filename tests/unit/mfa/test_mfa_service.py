"""TOTP: window, replay guard, encryption at rest; recovery codes; resets by administrators."""

import pyotp
import pytest

from idp import audit
from idp.common.clock import FixedClock
from idp.errors import DomainError, Forbidden
from idp.extensions import db
from idp.mfa.models import RecoveryCode, TotpCredential
from idp.mfa.service import MfaService, has_mfa
from idp.state import shared_state
from tests.factories import add_member, make_org, make_user


@pytest.fixture
def clock():
    return FixedClock(1_800_000_000)


@pytest.fixture
def service(app, clock):
    return MfaService(app.config["IDP_SETTINGS"], shared_state(), "app-secret", clock)


def enroll(service, user, clock):
    enrollment = service.begin_enrollment(user)
    codes = service.confirm_enrollment(user, pyotp.TOTP(enrollment.secret).at(clock.time()))
    return enrollment.secret, codes


def test_enrollment_shows_qr_and_secret_and_needs_a_valid_code(service, clock):
    user = make_user("tina")
    enrollment = service.begin_enrollment(user)
    assert enrollment.qr.startswith("data:image/png;base64,")
    assert enrollment.uri.startswith("otpauth://totp/")
    assert service.begin_enrollment(user).secret == enrollment.secret  # stable on reload
    with pytest.raises(DomainError):
        service.confirm_enrollment(user, "000000")
    assert not has_mfa(user)
    codes = service.confirm_enrollment(user, pyotp.TOTP(enrollment.secret).at(clock.time()))
    assert has_mfa(user) and len(codes) == 10 and len(set(codes)) == 10
    assert [e.event for e in audit.service.events(subject_id=user.id)] == ["mfa.enrolled"]


def test_secret_is_encrypted_at_rest(service, clock):
    user = make_user("ivan")
    secret, _ = enroll(service, user, clock)
    stored = db.session.scalar(db.select(TotpCredential.secret_encrypted))
    assert secret not in stored
    other = MfaService(service.settings, shared_state(), "another-secret", clock)
    clock.advance(60)
    assert not other.verify_totp(user, pyotp.TOTP(secret).at(clock.time()))
    assert service.verify_totp(user, pyotp.TOTP(secret).at(clock.time()))


def test_configured_encryption_key_is_used(app, make_app, clock):
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    app = make_app(auth_mfa_encryption_key=key)
    with app.app_context():
        user = make_user("kim")
        service = MfaService(app.config["IDP_SETTINGS"], shared_state(), "app-secret", clock)
        enroll(service, user, clock)
        stored = db.session.scalar(
            db.select(TotpCredential.secret_encrypted).where(TotpCredential.user_id == user.id)
        )
        assert Fernet(key.encode()).decrypt(stored.encode())
        db.session.remove()


def test_window_is_one_step_either_side(service, clock):
    user = make_user("wendy")
    secret, _ = enroll(service, user, clock)
    totp = pyotp.TOTP(secret)
    clock.advance(300)
    assert service.verify_totp(user, totp.at(clock.time() - 30))
    assert service.verify_totp(user, totp.at(clock.time() + 30))
    assert not service.verify_totp(user, totp.at(clock.time() - 90))
    assert not service.verify_totp(user, totp.at(clock.time() + 90))


def test_a_code_is_accepted_only_once(service, clock):
    user = make_user("rita")
    secret, _ = enroll(service, user, clock)
    clock.advance(120)
    code = pyotp.TOTP(secret).at(clock.time())
    assert service.verify_totp(user, code)
    assert not service.verify_totp(user, code)
    # the enrollment code cannot be replayed either
    clock.advance(-120)
    assert not service.verify_totp(user, pyotp.TOTP(secret).at(clock.time()))


def test_recovery_code_works_once_and_codes_are_stored_hashed(service, clock):
    user = make_user("otto")
    _, codes = enroll(service, user, clock)
    stored = [c.code_hash for c in db.session.scalars(db.select(RecoveryCode))]
    assert not any(code.replace("-", "") in h for code in codes for h in stored)
    assert service.use_recovery_code(user, codes[0].upper())
    assert not service.use_recovery_code(user, codes[0])
    assert service.remaining_recovery_codes(user) == 9
    assert not service.use_recovery_code(user, "aaaaa-bbbbb")


def test_regenerating_recovery_codes_replaces_the_old_ones(service, clock):
    user = make_user("paula")
    _, old = enroll(service, user, clock)
    new = service.regenerate_recovery_codes(user)
    assert not service.use_recovery_code(user, old[1])
    assert service.use_recovery_code(user, new[1])


def test_reset_by_office_admin_of_the_users_office_is_recorded_and_mailed(service, clock, mail):
    org, other_org = make_org(), make_org()
    user = make_user("nina")
    add_member(user, org, "billing")
    boss = make_user("boss2")
    add_member(boss, org, "office_admin")
    stranger = make_user("boss3")
    add_member(stranger, other_org, "office_admin")
    colleague = make_user("peer")
    add_member(colleague, org, "front_desk")
    enroll(service, user, clock)
    from idp.mail import mailer

    for actor in (stranger, colleague, user):
        with pytest.raises(Forbidden):
            service.reset(actor, user, mailer=mailer())
    service.reset(boss, user, mailer=mailer())
    assert not has_mfa(user)
    assert db.session.scalar(db.select(RecoveryCode)) is None
    (event,) = audit.service.events("mfa.reset")
    assert (event.actor_id, event.subject_id, event.org_id) == (boss.id, user.id, org.id)
    assert "reset the two-step verification" in mail.text(mail.wait_for(user.email)[0])


def test_office_admin_cannot_reset_someone_with_more_power_elsewhere(service, clock, mail):
    org, other_org = make_org(), make_org()
    boss = make_user("boss4")
    add_member(boss, org, "office_admin")
    platform = make_user("sec2", platform_role="security_admin")
    add_member(platform, org, "billing")
    other_admin = make_user("boss5")
    add_member(other_admin, org, "billing")
    add_member(other_admin, other_org, "office_admin")
    peer = make_user("boss6")
    add_member(peer, org, "office_admin")
    for user in (platform, other_admin, peer):
        enroll(service, user, clock)
    from idp.mail import mailer

    for user in (platform, other_admin):
        with pytest.raises(Forbidden):
            service.reset(boss, user, mailer=mailer())
        assert has_mfa(user)
    service.reset(boss, peer, mailer=mailer())  # a fellow administrator of the same office
    assert not has_mfa(peer)
    security = make_user("sec3", platform_role="security_admin")
    service.reset(security, platform, mailer=mailer())
    assert not has_mfa(platform)


def test_reset_is_not_undone_by_a_mail_server_that_is_down(service, clock):
    from idp.mail.smtp import SmtpMailer
    from tests.support.mailcatcher import free_port

    user = make_user("pia")
    enroll(service, user, clock)
    admin = make_user("sec4", platform_role="security_admin")
    down = SmtpMailer("idp <no-reply@idp.test>", "127.0.0.1", free_port(), starttls=False)
    service.reset(admin, user, mailer=down)
    assert not has_mfa(user)


def test_reset_by_security_admin(service, clock, mail):
    user = make_user("omar")
    enroll(service, user, clock)
    admin = make_user("secadmin", platform_role="security_admin")
    from idp.mail import mailer

    service.reset(admin, user, mailer=mailer())
    assert not has_mfa(user)
    mail.wait_for(user.email)

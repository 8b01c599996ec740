"""Passkeys without a browser: real attestations and assertions from a software authenticator.

Every refusal here is a genuine response the library (or the single-use challenge store)
turns down: a replay, another RP ID, another origin, an expired challenge, a counter that
went backwards, another person's key.
"""

from __future__ import annotations

import json
import time

import pytest

from idp import audit
from idp.common.clock import FixedClock
from idp.errors import DomainError
from idp.extensions import db
from idp.login.assurance import acr_for
from idp.mfa.models import RecoveryCode, WebAuthnCredential
from idp.mfa.passkeys import PasskeyService
from idp.mfa.service import MfaService, has_mfa
from idp.mfa.webauthn import CeremonyFailed
from idp.state import shared_state
from tests.factories import add_member, make_org, make_user
from tests.support.soft_authenticator import SoftAuthenticator

BASE = "https://login.plan.test"
ORIGIN = BASE
RP_ID = "login.plan.test"


@pytest.fixture
def settings_overrides():
    return {"public_base_url": BASE}


@pytest.fixture
def settings(app):
    return app.config["IDP_SETTINGS"]


@pytest.fixture
def service(settings):
    return PasskeyService(settings, shared_state(), FixedClock(1_800_000_000))


def register(service, user, key=None, name="Laptop"):
    key = key or SoftAuthenticator()
    options = json.loads(service.registration_options(user))
    service.register(user, name, key.create(options, origin=ORIGIN))
    return key


def second_step(service, user):
    return json.loads(service.second_factor_options(user))


def test_registration_asks_for_a_discoverable_credential_of_this_rp(service):
    user = make_user("pia")
    options = json.loads(service.registration_options(user))
    assert options["rp"] == {"id": RP_ID, "name": "Provider Portal"}
    assert options["authenticatorSelection"]["residentKey"] == "preferred"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert options["attestation"] == "none"


def test_register_then_second_factor_marks_the_sign_in_phishing_resistant(service):
    user = make_user("pia")
    key = register(service, user)
    (stored,) = service.credentials(user)
    assert stored.name == "Laptop" and stored.device_type == "single_device"
    assert has_mfa(user)
    options = second_step(service, user)
    assert [c["id"] for c in options["allowCredentials"]] == [stored.credential_id]
    use = service.verify(key.get(options, origin=ORIGIN), user=user)
    assert use.user.id == user.id
    assert use.amr == ["pwd", "hwk", "user", "mfa"]
    assert acr_for(use.amr) == "urn:idp:acr:phr"
    assert stored.sign_count == 1 and stored.last_used_at is not None
    events = [e.event for e in audit.service.events(subject_id=user.id)]
    assert "mfa.passkey_registered" in events


def test_passwordless_finds_the_person_by_user_handle_and_needs_user_verification(service):
    user = make_user("pia")
    key = register(service, user, SoftAuthenticator(synced=True))
    options = json.loads(service.passwordless_options())
    assert options["allowCredentials"] == [] and options["userVerification"] == "required"
    use = service.verify(key.get(options, origin=ORIGIN), user=None)
    assert use.user.id == user.id
    assert use.amr == ["swk", "user", "mfa"]
    options = json.loads(service.passwordless_options())
    with pytest.raises(CeremonyFailed) as refused:
        service.verify(key.get(options, origin=ORIGIN, uv=False), user=None)
    assert refused.value.reason.startswith("invalid") and refused.value.user_id == user.id
    options = json.loads(service.passwordless_options())
    with pytest.raises(CeremonyFailed) as refused:
        service.verify(key.get(options, origin=ORIGIN, user_handle=False), user=None)
    assert refused.value.reason == "user_handle"


def test_a_replayed_assertion_is_refused(service):
    user = make_user("pia")
    key = register(service, user)
    response = key.get(second_step(service, user), origin=ORIGIN)
    service.verify(response, user=user)
    with pytest.raises(CeremonyFailed) as refused:
        service.verify(response, user=user)
    assert refused.value.reason == "challenge"


@pytest.mark.parametrize(
    ("origin", "rp_id"),
    [
        ("https://login.plan.test.phish.example", None),
        ("http://login.plan.test", None),
        (ORIGIN, "phish.example"),
        (ORIGIN, "plan.test"),
    ],
)
def test_an_assertion_for_another_origin_or_rp_id_is_refused(service, origin, rp_id):
    user = make_user("pia")
    key = register(service, user)
    response = key.get(second_step(service, user), origin=origin, rp_id=rp_id)
    with pytest.raises(CeremonyFailed) as refused:
        service.verify(response, user=user)
    assert refused.value.reason.startswith("invalid")
    assert service.credentials(user)[0].sign_count == 0


def test_a_registration_for_another_origin_is_refused(service):
    user = make_user("pia")
    options = json.loads(service.registration_options(user))
    response = SoftAuthenticator().create(options, origin="https://evil.example")
    with pytest.raises(DomainError):
        service.register(user, "Fake", response)
    assert service.credentials(user) == []


def test_an_expired_challenge_is_refused(service):
    user = make_user("pia")
    key = register(service, user)
    service.challenges.ttl = 1
    response = key.get(second_step(service, user), origin=ORIGIN)
    time.sleep(2.1)
    with pytest.raises(CeremonyFailed) as refused:
        service.verify(response, user=user)
    assert refused.value.reason == "challenge"


def test_a_made_up_challenge_is_refused(service):
    user = make_user("pia")
    key = register(service, user)
    response = key.get({"challenge": "AAAAAAAAAAAAAAAAAAAAAA", "rpId": RP_ID}, origin=ORIGIN)
    with pytest.raises(CeremonyFailed, match="expired"):
        service.verify(response, user=user)


def test_another_persons_key_is_not_a_second_factor(service):
    owner, other = make_user("pia"), make_user("ola")
    key = register(service, owner)
    register(service, other)
    with pytest.raises(CeremonyFailed) as refused:
        service.verify(key.get(second_step(service, other), origin=ORIGIN), user=other)
    assert refused.value.reason == "other_user"


def test_a_second_step_challenge_does_not_serve_a_passwordless_sign_in(service):
    user = make_user("pia")
    key = register(service, user)
    with pytest.raises(CeremonyFailed) as refused:
        service.verify(key.get(second_step(service, user), origin=ORIGIN), user=None)
    assert refused.value.reason == "challenge"


def test_sign_count_regression_is_refused_and_audited(service):
    user = make_user("pia")
    key = register(service, user)
    service.verify(key.get(second_step(service, user), origin=ORIGIN, counter=7), user=user)
    with pytest.raises(CeremonyFailed) as refused:
        service.verify(key.get(second_step(service, user), origin=ORIGIN, counter=7), user=user)
    assert refused.value.reason == "sign_count"
    (event,) = audit.service.events("mfa.passkey_sign_count_regression")
    assert json.loads(event.data)["action"] == "refused" and json.loads(event.data)["received"] == 7


@pytest.mark.parametrize(
    "settings_overrides",
    [{"public_base_url": BASE, "webauthn_sign_count_regression": "flag"}],
)
def test_sign_count_regression_can_be_flagged_instead(service):
    user = make_user("pia")
    key = register(service, user)
    service.verify(key.get(second_step(service, user), origin=ORIGIN, counter=5), user=user)
    use = service.verify(key.get(second_step(service, user), origin=ORIGIN, counter=2), user=user)
    assert use.credential.flagged_at is not None and use.credential.sign_count == 5
    (event,) = audit.service.events("mfa.passkey_sign_count_regression")
    assert json.loads(event.data)["action"] == "flagged"


def test_synced_passkeys_with_a_zero_counter_are_fine(service):
    user = make_user("pia")
    key = register(service, user, SoftAuthenticator(synced=True))
    for _ in range(2):
        service.verify(key.get(second_step(service, user), origin=ORIGIN, counter=0), user=user)


def test_several_named_passkeys_and_removal(service):
    user = make_user("pia")
    register(service, user, name="Laptop")
    register(service, user, name="  YubiKey\n5  ")
    first, second = service.credentials(user)
    assert (first.name, second.name) == ("Laptop", "YubiKey 5")
    options = json.loads(service.registration_options(user))
    assert len(options["excludeCredentials"]) == 2
    with pytest.raises(DomainError):
        service.remove(make_user("ola"), first.id)
    service.remove(user, first.id)
    assert [c.name for c in service.credentials(user)] == ["YubiKey 5"]


def test_the_same_authenticator_cannot_register_twice(service):
    user = make_user("pia")
    key = register(service, user)
    options = json.loads(service.registration_options(user))
    with pytest.raises(DomainError):
        service.register(user, "Again", key.create(options, origin=ORIGIN))


def test_an_admin_mfa_reset_removes_passkeys(app, service, settings):
    office = make_org("Riverside Family Practice LLC")
    admin, staff = make_user("olive"), make_user("sam")
    add_member(admin, office, "office_admin")
    add_member(staff, office, "front_desk")
    register(service, staff)
    mfa = MfaService(settings, shared_state(), "app-secret")
    assert mfa.first_recovery_codes(staff) is not None
    assert mfa.first_recovery_codes(staff) is None  # unused codes remain: none replaced
    mfa.reset(admin, staff)
    assert not has_mfa(staff)
    remaining = db.select(WebAuthnCredential).where(WebAuthnCredential.user_id == staff.id)
    assert db.session.scalars(remaining).all() == []
    codes = db.select(RecoveryCode).where(RecoveryCode.user_id == staff.id)
    assert db.session.scalars(codes).all() == []
    (event,) = audit.service.events("mfa.reset")
    assert json.loads(event.data)["passkeys"] == 1


def test_garbage_is_refused_cleanly(service):
    user = make_user("pia")
    register(service, user)
    for junk in ("", "{", "[]", '{"id": 1}', json.dumps({"id": "a", "rawId": "a"}), "x" * 20000):
        with pytest.raises(CeremonyFailed):
            service.verify(junk, user=user)

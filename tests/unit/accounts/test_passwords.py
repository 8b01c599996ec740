"""Argon2id with configured parameters; a stored hash is upgraded when they change."""

from argon2 import extract_parameters

from idp.accounts.models import User
from idp.accounts.passwords import hash_password, needs_rehash, verify_dummy, verify_password
from idp.config import load_settings
from idp.extensions import db
from tests.factories import PASSWORD, make_user


def test_defaults_are_no_weaker_than_owasp():
    settings = load_settings({})
    params = extract_parameters(hash_password("a long test password", settings))
    assert params.type.name == "ID"
    assert params.memory_cost >= 19456 and params.time_cost >= 2 and params.parallelism >= 1


def test_verify_and_needs_rehash():
    low = load_settings({"auth_argon2_time_cost": 1, "auth_argon2_memory_kib": 1024})
    high = load_settings({"auth_argon2_time_cost": 2, "auth_argon2_memory_kib": 2048})
    stored = hash_password("a long test password", low)
    assert verify_password(stored, "a long test password", high)
    assert not verify_password(stored, "another password", high)
    assert not verify_password(None, "a long test password", high)
    assert not needs_rehash(stored, low)
    assert needs_rehash(stored, high)


def test_hash_upgraded_on_next_sign_in_after_parameter_change(app, make_app):
    user = make_user("ulla")
    old = user.password_hash
    assert extract_parameters(old).memory_cost == 1024
    stronger = make_app(auth_argon2_memory_kib=4096, auth_argon2_time_cost=2)
    stronger.config["WTF_CSRF_ENABLED"] = False
    with stronger.app_context():
        client = stronger.test_client()
        response = client.post("/login", data={"username": "ulla", "password": PASSWORD})
        assert response.status_code == 302
        stored = db.session.get(User, user.id).password_hash
        db.session.remove()
    assert stored != old
    params = extract_parameters(stored)
    assert (params.memory_cost, params.time_cost) == (4096, 2)
    assert verify_password(stored, PASSWORD)


def _concurrency_of(monkeypatch, slots: int, calls) -> int:
    """The most Argon2 verifications that ran at once while ``calls`` ran in 6 threads."""
    import threading

    import argon2

    from idp.accounts import passwords

    monkeypatch.setattr(passwords, "ARGON2_SLOTS", threading.BoundedSemaphore(slots))
    original = argon2.PasswordHasher.verify
    lock = threading.Lock()
    running = [0]
    most = [0]
    gate = threading.Barrier(6)

    def counting(self, stored, password):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            return original(self, stored, password)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(argon2.PasswordHasher, "verify", counting)

    def one(n: int) -> None:
        gate.wait()
        for _ in range(3):
            calls(n)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return most[0]


def test_argon2_work_waits_for_one_of_the_processes_slots(monkeypatch):
    settings = load_settings({"auth_argon2_time_cost": 1, "auth_argon2_memory_kib": 4096})
    stored = hash_password("a long test password", settings)

    def known_or_unknown(n: int) -> None:
        if n % 2:
            assert verify_password(stored, "a long test password", settings)
        else:
            verify_dummy("a long test password", settings)

    assert _concurrency_of(monkeypatch, 1, known_or_unknown) == 1
    assert _concurrency_of(monkeypatch, 2, known_or_unknown) == 2


def test_one_slot_per_cpu_the_process_may_use(monkeypatch):
    from idp.accounts import passwords

    monkeypatch.setattr(passwords.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert passwords.usable_cpus() == 1
    monkeypatch.setattr(passwords.os, "sched_getaffinity", lambda pid: {0, 2, 3}, raising=False)
    assert passwords.usable_cpus() == 3

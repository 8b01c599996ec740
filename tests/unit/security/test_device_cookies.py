"""Signed device cookies: per account, bounded in age and size, unforgeable."""

from itsdangerous import URLSafeTimedSerializer

from idp.security.device import MAX_ACCOUNTS, SALT, DeviceCookies


def test_issue_and_trust_only_for_accounts_that_signed_in():
    devices = DeviceCookies("secret", 30)
    token = devices.issue(None, "user-a")
    device = devices.trusted_for(token, "user-a")
    assert device is not None
    assert devices.trusted_for(token, "user-b") is None
    both = devices.issue(token, "user-b")
    assert devices.trusted_for(both, "user-a").id == device.id  # same browser, same id
    assert devices.trusted_for(both, "user-b") is not None


def test_forged_expired_or_foreign_tokens_are_not_trusted():
    devices = DeviceCookies("secret", 30)
    assert devices.trusted_for("garbage", "user-a") is None
    assert devices.trusted_for(None, "user-a") is None
    foreign = DeviceCookies("other secret", 30).issue(None, "user-a")
    assert devices.trusted_for(foreign, "user-a") is None
    old = URLSafeTimedSerializer("secret", salt=SALT)
    token = old.dumps({"d": "dev", "a": ["user-a"]})
    assert devices.trusted_for(token, "user-a") is not None
    expired = DeviceCookies("secret", 1)
    expired.max_age = -1
    assert expired.trusted_for(token, "user-a") is None


def test_at_most_ten_accounts_are_remembered():
    devices = DeviceCookies("secret", 30)
    token = None
    for n in range(MAX_ACCOUNTS + 2):
        token = devices.issue(token, f"user-{n}")
    assert devices.trusted_for(token, "user-0") is None
    assert devices.trusted_for(token, f"user-{MAX_ACCOUNTS + 1}") is not None

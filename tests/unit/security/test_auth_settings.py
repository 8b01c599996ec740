"""The [auth] settings are validated at start-up with one clear line."""

import pytest

from idp.config import ConfigError, load_settings


@pytest.mark.parametrize(
    "name,value,message",
    [
        ("auth_mfa_encryption_key", "not-a-fernet-key", "IDP_AUTH_MFA_ENCRYPTION_KEY"),
        ("auth_lockout_failures", 0, "IDP_AUTH_LOCKOUT_FAILURES"),
        ("auth_argon2_memory_kib", 4, "IDP_AUTH_ARGON2_MEMORY_KIB"),
        ("auth_password_max_length", 32, "IDP_AUTH_PASSWORD_MAX_LENGTH"),
    ],
)
def test_bad_values_are_refused(name, value, message):
    with pytest.raises(ConfigError, match=message):
        load_settings({name: value}, environ={})


def test_environment_names_and_a_valid_key():
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    settings = load_settings(
        environ={"IDP_AUTH_MFA_ENCRYPTION_KEY": key, "IDP_AUTH_LOCKOUT_FAILURES": "7"}
    )
    assert settings.auth_mfa_encryption_key == key and settings.auth_lockout_failures == 7

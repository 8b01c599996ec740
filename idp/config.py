"""Settings: config/default.toml < the file named by IDP_CONFIG < IDP_* environment < overrides.

Defaults live only in ``config/default.toml``; a setting's type is the type of its default
there. ``[core]`` keys keep their name, other sections prefix theirs (``[mail] smtp_host``
becomes ``mail_smtp_host`` and ``IDP_MAIL_SMTP_HOST``). Nested tables (such as ``[roles.*]``)
are structured settings, read with :meth:`Settings.table`. Everything is validated once, at
start-up, and a bad value raises :class:`ConfigError` with one line naming the setting.
"""

from __future__ import annotations

import importlib
import os
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from idp.common.digits import ascii_digits

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = PROJECT_ROOT / "config" / "default.toml"

#: Environment variables with the IDP_ prefix that are not settings.
RESERVED_ENV = {"IDP_CONFIG"}
RESERVED_ENV_PREFIXES = ("IDP_TEST_", "IDP_BENCH_")


#: Validators for structured sections: ``fn(values, tables)`` raising ConfigError. Each
#: module listed in TABLE_VALIDATOR_MODULES appends its own on import.
TABLE_VALIDATORS: list[Callable[[dict[str, Any], dict[str, Any]], None]] = []
TABLE_VALIDATOR_MODULES = [
    "idp.orgs.roles",
    "idp.forward_auth.policy",
    "idp.orgs.review_policy",
    "idp.accounts.inactivity_policy",
]


class ConfigError(ValueError):
    """A setting is missing, unknown or has a value outside what is allowed."""


def env_name(name: str) -> str:
    return "IDP_" + name.upper()


def _flatten(data: Mapping[str, Any], source: str) -> tuple[dict[str, Any], dict[str, Any]]:
    flat: dict[str, Any] = {}
    tables: dict[str, Any] = {}
    for section, body in data.items():
        if not isinstance(body, dict):
            raise ConfigError(f"{source}: '{section}' must be a [section]")
        for key, value in body.items():
            if isinstance(value, dict):
                tables.setdefault(section, {})[key] = value
                continue
            flat[key if section == "core" else f"{section}_{key}"] = value
    return flat, tables


def _coerce(name: str, default: Any, value: Any, origin: str) -> Any:
    kind = type(default)
    label = env_name(name)
    if isinstance(value, str) and kind is not str:
        text = value.strip()
        try:
            if kind is bool:
                lowered = text.lower()
                if lowered in {"1", "true", "yes", "on"}:
                    return True
                if lowered in {"0", "false", "no", "off"}:
                    return False
                raise ValueError
            if kind is int:
                return int(text)
            if kind is float:
                return float(text)
            if kind is list:
                return [item.strip() for item in text.split(",") if item.strip()]
        except ValueError:
            allowed = {bool: "true or false", int: "a whole number", float: "a number"}[kind]
            raise ConfigError(f"{label} ({origin}): must be {allowed}, got {value!r}") from None
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(f"{label} ({origin}): must be of type {kind.__name__}, got {value!r}")
    return value


# --- checks: each returns None when the value is allowed, else what is allowed -------------


def one_of(*choices: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if value in choices else "one of " + ", ".join(choices)

    return check


def int_range(low: int, high: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if low <= value <= high else f"a whole number from {low} to {high}"

    return check


def http_url(value: Any) -> str | None:
    parts = urlsplit(value)
    if parts.scheme in {"http", "https"} and parts.netloc and not parts.query:
        return None
    return "an http(s) URL without query, such as https://login.example.org"


def database_url(value: Any) -> str | None:
    if value == "" or value.startswith(("sqlite://", "postgresql+psycopg://", "postgresql://")):
        return None
    return "empty (SQLite in the instance folder), sqlite:///PATH or postgresql+psycopg://..."


def redis_url(value: Any) -> str | None:
    if value == "" or value.startswith(("redis://", "rediss://", "unix://")):
        return None
    if value.startswith("redis+sentinel://"):
        from idp.state.connect import parse_sentinel_url

        try:
            parse_sentinel_url(value)
        except ValueError as exc:
            return f"a Sentinel URL redis+sentinel://host:port[,host:port]/service[/db] ({exc})"
        return None
    return (
        "empty (embedded state in the database), redis://host:port/db or "
        "redis+sentinel://host:port[,host:port]/service[/db]"
    )


def host_port(value: Any) -> str | None:
    host, _, port = value.rpartition(":")
    if value == "" or (host and ascii_digits(port) and 0 < int(port) < 65536):
        return None
    return "empty or host:port, such as 127.0.0.1:9100"


def secret(value: Any) -> str | None:
    if value == "" or len(value) >= 32:
        return None
    return "empty (generated into the instance folder) or at least 32 random characters"


def not_empty(value: Any) -> str | None:
    return None if str(value).strip() else "a non-empty value"


def short_text(limit: int, *, empty_ok: bool = False) -> Callable[[Any], str | None]:
    """One line of text for a page: not empty (unless allowed), at most ``limit`` characters."""

    def check(value: Any) -> str | None:
        if not isinstance(value, str) or "\n" in value or len(value) > limit:
            return f"one line of at most {limit} characters"
        if not value.strip() and not empty_ok:
            return "not empty"
        return None

    return check


def fernet_key(value: Any) -> str | None:
    import base64
    import binascii

    if value == "":
        return None
    try:
        if len(base64.urlsafe_b64decode(value.encode())) == 32:
            return None
    except (binascii.Error, ValueError):
        pass
    return "empty (derived from secret_key) or 32 url-safe base64 bytes (a Fernet key)"


def cookie_token(value: Any) -> str | None:
    ok = value and all(c.isalnum() or c in "-_." for c in value)
    return None if ok else "letters, digits, '-', '_' or '.'"


def cookie_domain(value: Any) -> str | None:
    host = value.lstrip(".")
    ok = value == "" or (
        "." in host
        and all(part and all(c.isalnum() or c == "-" for c in part) for part in host.split("."))
    )
    return None if ok else "empty or a parent domain such as .plan.example.org"


#: Never echoed in an error message (logs outlive secrets).
SECRET_SETTINGS = {
    "secret_key",
    "mail_smtp_password",
    "auth_mfa_encryption_key",
    "audit_seal_key",
    "metrics_token",
}

CHECKS: dict[str, Callable[[Any], str | None]] = {
    "public_base_url": http_url,
    "secret_key": secret,
    "log_level": one_of("DEBUG", "INFO", "WARNING", "ERROR"),
    "log_format": one_of("text", "json"),
    "metrics_bind": host_port,
    "metrics_token": secret,
    "instance_dir": not_empty,
    "keys_dir": not_empty,
    "database_url": database_url,
    "redis_url": redis_url,
    "mail_backend": one_of("outbox", "smtp"),
    "mail_from_address": not_empty,
    "mail_smtp_port": int_range(1, 65535),
    "mail_smtp_timeout_seconds": int_range(1, 300),
    "server_port": int_range(1, 65535),
    "server_kind": one_of("gunicorn", "granian"),
    "server_workers": int_range(1, 64),
    "server_threads": int_range(1, 64),
    "orgs_invitation_ttl_days": int_range(1, 90),
    "orgs_access_end_notice_days": int_range(0, 90),
    "orgs_bulk_invitation_max_rows": int_range(1, 1000),
    "email_verification_ttl_hours": int_range(1, 720),
    "auth_argon2_time_cost": int_range(1, 20),
    "auth_argon2_memory_kib": int_range(8, 4 * 1024 * 1024),
    "auth_argon2_parallelism": int_range(1, 16),
    "auth_password_min_length": int_range(8, 64),
    "auth_password_max_length": int_range(64, 1024),
    "auth_lockout_failures": int_range(1, 1000),
    "auth_lockout_window_minutes": int_range(1, 24 * 60),
    "auth_lockout_minutes": int_range(1, 24 * 60),
    "auth_lockout_max_minutes": int_range(1, 7 * 24 * 60),
    "auth_account_ceiling_failures": int_range(1, 100000),
    "auth_account_ceiling_hours": int_range(1, 24 * 30),
    "auth_device_cookie_days": int_range(1, 3650),
    "auth_ip_window_seconds": int_range(1, 24 * 3600),
    "auth_ip_limit_login": int_range(1, 1000000),
    "auth_ip_limit_totp": int_range(1, 1000000),
    "auth_ip_limit_password_reset": int_range(1, 1000000),
    "auth_ip_limit_username_recovery": int_range(1, 1000000),
    "auth_ip_limit_register": int_range(1, 1000000),
    "auth_ip_limit_verification_resend": int_range(1, 1000000),
    "auth_mail_limit_per_recipient": int_range(1, 1000),
    "auth_mail_limit_per_account": int_range(1, 1000),
    "auth_mail_limit_window_minutes": int_range(1, 7 * 24 * 60),
    "auth_flow_minutes": int_range(1, 60),
    "auth_reset_token_minutes": int_range(5, 24 * 60),
    "auth_unlock_token_hours": int_range(1, 24 * 30),
    "auth_mfa_encryption_key": fernet_key,
    "auth_mfa_issuer": not_empty,
    "oauth_access_token_minutes": int_range(1, 60),
    "oauth_id_token_minutes": int_range(1, 60),
    "oauth_code_seconds": int_range(10, 600),
    "oauth_refresh_token_days": int_range(1, 365),
    "oauth_signing_alg": one_of("ES256", "RS256"),
    "oauth_key_retire_grace_minutes": int_range(0, 1440),
    "oauth_backchannel_timeout_seconds": int_range(1, 60),
    "server_trusted_proxies": int_range(0, 5),
    "server_timeout_seconds": int_range(5, 3600),
    "server_graceful_timeout_seconds": int_range(1, 3600),
    "server_retry_after_seconds": int_range(1, 3600),
    "database_connect_timeout_seconds": int_range(2, 300),
    "redis_connect_timeout_ms": int_range(10, 30000),
    "redis_timeout_ms": int_range(10, 30000),
    "session_idle_minutes": int_range(1, 1440),
    "session_absolute_minutes": int_range(5, 43200),
    "session_step_up_minutes": int_range(1, 1440),
    "emergency_session_minutes": int_range(5, 240),
    "session_cookie_name": cookie_token,
    "session_cookie_domain": cookie_domain,
    "webauthn_rp_name": not_empty,
    "branding_organization_name": short_text(100),
    "branding_never_ask": short_text(300, empty_ok=True),
    "branding_registration_contact": short_text(500),
    "webauthn_user_verification": one_of("required", "preferred", "discouraged"),
    "webauthn_challenge_seconds": int_range(30, 600),
    "webauthn_sign_count_regression": one_of("refuse", "flag"),
    "audit_seal_interval_seconds": int_range(0, 86400),
    "audit_seal_key": secret,
    "audit_retention_days": int_range(1, 36500),
}


class Settings:
    """Validated, read-only settings. Attribute access by flat name."""

    def __init__(self, values: dict[str, Any], tables: dict[str, Any]):
        object.__setattr__(self, "_values", values)
        object.__setattr__(self, "_tables", tables)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"no setting named {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("settings are read-only")

    def table(self, section: str) -> dict[str, Any]:
        """A structured section (nested tables such as ``[roles.office_admin]``)."""
        return self._tables.get(section, {})

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)

    @property
    def instance_path(self) -> Path:
        return resolve_path(self.instance_dir)

    @property
    def keys_path(self) -> Path:
        return resolve_path(self.keys_dir)

    @property
    def is_https(self) -> bool:
        return self.public_base_url.startswith("https://")

    @property
    def issuer(self) -> str:
        return self.public_base_url.rstrip("/")


def resolve_path(value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else (Path.cwd() / path)


def _deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _deep_merge(base[key], value)
        else:
            base[key] = value


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Build and validate settings; raises ConfigError with one clear line."""
    environ = os.environ if environ is None else environ
    with DEFAULT_FILE.open("rb") as fh:
        defaults, tables = _flatten(tomllib.load(fh), str(DEFAULT_FILE.name))
    values = dict(defaults)

    config_file = environ.get("IDP_CONFIG")
    if config_file:
        path = Path(config_file)
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"IDP_CONFIG: file {config_file!r} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"IDP_CONFIG: {config_file!r} is not valid TOML: {exc}") from None
        flat, extra_tables = _flatten(data, path.name)
        for name, value in flat.items():
            if name not in defaults:
                raise ConfigError(f"{path.name}: unknown setting {name!r}")
            values[name] = _coerce(name, defaults[name], value, path.name)
        _deep_merge(tables, extra_tables)

    for key, raw in environ.items():
        if not key.startswith("IDP_") or key in RESERVED_ENV:
            continue
        if key.startswith(RESERVED_ENV_PREFIXES):
            continue
        name = key[4:].lower()
        if name not in defaults:
            raise ConfigError(f"{key}: unknown setting (see config/default.toml)")
        values[name] = _coerce(name, defaults[name], raw, "environment")

    for name, value in (overrides or {}).items():
        if name not in defaults:
            if name in tables or isinstance(value, dict):
                tables[name] = value
                continue
            raise ConfigError(f"unknown setting {name!r}")
        values[name] = _coerce(name, defaults[name], value, "override")

    for name, check in CHECKS.items():
        problem = check(values[name])
        if problem:
            shown = (
                f"a value of {len(values[name])} characters"
                if name in SECRET_SETTINGS
                else repr(values[name])
            )
            raise ConfigError(f"{env_name(name)}: must be {problem}; got {shown}")
    for module in TABLE_VALIDATOR_MODULES:
        importlib.import_module(module)
    for validate in TABLE_VALIDATORS:
        validate(values, tables)
    return Settings(values, tables)

import pytest

from idp.config import ConfigError, load_settings


def test_defaults_load_and_are_typed():
    settings = load_settings(environ={})
    assert settings.mail_backend == "outbox"
    assert settings.server_port == 5000
    assert settings.mail_smtp_starttls is True
    assert settings.redis_url == ""


def test_environment_overrides_with_types():
    settings = load_settings(
        environ={"IDP_SERVER_PORT": "8080", "IDP_MAIL_SMTP_STARTTLS": "off", "IDP_DEMO": "1"}
    )
    assert settings.server_port == 8080
    assert settings.mail_smtp_starttls is False
    assert settings.demo is True


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"IDP_SERVER_PORT": "eighty"}, "IDP_SERVER_PORT (environment): must be a whole number"),
        ({"IDP_SERVER_PORT": "70000"}, "IDP_SERVER_PORT: must be a whole number from 1 to 65535"),
        ({"IDP_MAIL_BACKEND": "pigeon"}, "IDP_MAIL_BACKEND: must be one of outbox, smtp"),
        ({"IDP_DATABASE_URL": "mysql://x"}, "IDP_DATABASE_URL: must be empty"),
        ({"IDP_REDIS_URL": "localhost:6379"}, "IDP_REDIS_URL: must be empty"),
        ({"IDP_PUBLIC_BASE_URL": "idp.example"}, "IDP_PUBLIC_BASE_URL: must be an http(s) URL"),
        ({"IDP_DEMO": "maybe"}, "IDP_DEMO (environment): must be true or false"),
        ({"IDP_SECRET_KEY": "change-me"}, "IDP_SECRET_KEY: must be empty (generated"),
        ({"IDP_DATABSE_URL": "sqlite://"}, "IDP_DATABSE_URL: unknown setting"),
        (
            {"IDP_ACCESS_REVIEW_CADENCE_DAYS": "-1"},
            "IDP_ACCESS_REVIEW_CADENCE_DAYS: must be a whole number from 0 to 3650",
        ),
        (
            {"IDP_ACCESS_REVIEW_CADENCE_DAYS": "10"},
            "IDP_ACCESS_REVIEW_REMINDER_DAYS_BEFORE: must be less than "
            "IDP_ACCESS_REVIEW_CADENCE_DAYS (10); got 14",
        ),
        (
            {"IDP_INACTIVITY_NOTICE_DAYS_BEFORE": "90"},
            "IDP_INACTIVITY_NOTICE_DAYS_BEFORE: must be less than IDP_INACTIVITY_DISABLE_AFTER",
        ),
        ({"IDP_INACTIVITY_DISABLE_AFTER_DAYS": "4000"}, "IDP_INACTIVITY_DISABLE_AFTER_DAYS: must"),
        (
            {"IDP_OAUTH_CODE_SECONDS": "601"},
            "IDP_OAUTH_CODE_SECONDS: must be a whole number from 10 to 600",
        ),
    ],
)
def test_bad_values_stop_with_one_clear_line(env, expected):
    with pytest.raises(ConfigError) as info:
        load_settings(environ=env)
    message = str(info.value)
    assert message.startswith(expected), message
    assert "\n" not in message


def test_config_file_overrides_defaults_and_env_overrides_file(tmp_path):
    path = tmp_path / "idp.toml"
    path.write_text('[server]\nport = 7000\nworkers = 4\n[mail]\nbackend = "smtp"\n')
    settings = load_settings(environ={"IDP_CONFIG": str(path), "IDP_SERVER_PORT": "7001"})
    assert settings.server_workers == 4
    assert settings.mail_backend == "smtp"
    assert settings.server_port == 7001


def test_config_file_errors_are_clear(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(environ={"IDP_CONFIG": str(tmp_path / "missing.toml")})
    bad = tmp_path / "bad.toml"
    bad.write_text("[server]\nport = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(environ={"IDP_CONFIG": str(bad)})
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("[server]\nbacklog = 3\n")
    with pytest.raises(ConfigError, match="unknown setting 'server_backlog'"):
        load_settings(environ={"IDP_CONFIG": str(unknown)})


def test_a_bad_secret_is_named_but_never_echoed():
    with pytest.raises(ConfigError) as info:
        load_settings(environ={"IDP_SECRET_KEY": "hunter2-short"})
    assert "hunter2" not in str(info.value)
    assert str(info.value).endswith("got a value of 13 characters")


def test_the_review_and_inactivity_may_be_switched_off():
    settings = load_settings(
        environ={"IDP_ACCESS_REVIEW_CADENCE_DAYS": "0", "IDP_INACTIVITY_DISABLE_AFTER_DAYS": "0"}
    )
    assert settings.access_review_cadence_days == 0 and settings.access_review_grace_days == 14
    assert settings.inactivity_disable_after_days == 0


def test_settings_are_read_only():
    settings = load_settings(environ={})
    with pytest.raises(AttributeError):
        settings.demo = True


def test_create_app_refuses_bad_override():
    from idp import create_app

    with pytest.raises(ConfigError, match="IDP_SERVER_WORKERS"):
        create_app({"server_workers": 0})


def test_serve_runs_threaded_gunicorn_workers():
    """gthread workers keep HTTP connections alive between requests (token endpoint load)."""
    from idp.cli import _gunicorn_argv

    settings = load_settings(environ={"IDP_SERVER_WORKERS": "3", "IDP_SERVER_THREADS": "6"})
    argv = _gunicorn_argv(settings)
    assert argv[argv.index("--workers") + 1] == "3"
    assert argv[argv.index("--worker-class") + 1] == "gthread"
    assert argv[argv.index("--threads") + 1] == "6"
    with pytest.raises(ConfigError, match="IDP_SERVER_THREADS"):
        load_settings(environ={"IDP_SERVER_THREADS": "0"})

"""The options ``idp serve`` gives gunicorn for a server that survives stuck requests."""

from idp.cli import _gunicorn_argv
from idp.config import load_settings


def _option(argv: list[str], flag: str) -> str:
    return argv[argv.index(flag) + 1]


def test_worker_timeouts_come_from_the_settings():
    settings = load_settings(
        {"server_timeout_seconds": 42, "server_graceful_timeout_seconds": 7}, environ={}
    )
    argv = _gunicorn_argv(settings)
    assert _option(argv, "--timeout") == "42"
    assert _option(argv, "--graceful-timeout") == "7"
    assert argv[-1] == "idp.wsgi:app"


def test_no_control_socket_when_gunicorn_has_one():
    from gunicorn.config import KNOWN_SETTINGS

    has_it = any("--no-control-socket" in (s.cli or []) for s in KNOWN_SETTINGS)
    argv = _gunicorn_argv(load_settings(environ={}))
    assert ("--no-control-socket" in argv) == has_it

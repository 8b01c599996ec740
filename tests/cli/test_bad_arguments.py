"""``idp clients`` and ``idp keys`` with bad arguments: a clear message and a non-zero exit,
never a traceback, and nothing stored."""

from __future__ import annotations

import pytest

from idp.extensions import db
from idp.jwk.cli import cli as keys_cli
from idp.oauth.cli import cli as clients_cli
from idp.oauth.models import OAuthClient

LONG = "n" * 1000
GOOD_URI = ["--redirect-uri", "https://rp.example/cb"]

BAD_CLIENT_COMMANDS = [
    (["add", "App", "--redirect-uri", "not-a-uri"], "redirect uri"),
    (["add", "App", "--redirect-uri", "https://rp.example/c\x01b"], "control characters"),
    (["add", "App", "--redirect-uri", "https://rp.example/c\x00b"], "control characters"),
    (["add", "App", "--redirect-uri", "https://[::1/cb"], "not a valid uri"),
    (["add", "App", "--redirect-uri", "https://rp.example/" + LONG * 3], "at most 2000"),
    (["add", LONG, *GOOD_URI], "at most 200"),
    (["add", "Ap\x00p", *GOOD_URI], "control characters"),
    (["add", "App", *GOOD_URI, "--audience", LONG], "at most 300"),
    (["add", "App", *GOOD_URI, "--audience", "a\x00"], "control characters"),
    (["add", "App", *GOOD_URI, "--launch-url", "https://rp.example/" + LONG], "at most 500"),
    (["add", "App", *GOOD_URI, "--backchannel-logout-uri", "https://[x"], "not a valid uri"),
    (["add", "App", *GOOD_URI, "--client-id", "a\x00b"], "client id"),
    (["add", "App", *GOOD_URI, "--client-id", "app\n"], "client id"),
    (["add", "App", *GOOD_URI, "--scope", "nosuch"], "unknown scope"),
    (["add", "App", *GOOD_URI, "--grant-type", "implicit"], "grant types"),
    (["add", "App", *GOOD_URI, "--auth", "nosuch"], "invalid value"),
    (["add", "App", *GOOD_URI, "--jwks", "/nonexistent/jwks.json"], "cannot read jwks"),
    (["add", ""], "needs a name"),
    (["show", "nosuch"], "no client"),
    (["show", "a\x00"], "no client"),
    (["show", LONG], "no client"),
    (["update", "a\x00", "--name", "x"], "no client"),
    (["rotate-secret", "\x00"], "no client"),
    (["disable", LONG], "no client"),
]


@pytest.mark.parametrize(("args", "message"), BAD_CLIENT_COMMANDS, ids=repr)
def test_clients_command_with_bad_arguments_fails_clearly(app, args, message):
    runner = app.test_cli_runner()
    result = runner.invoke(clients_cli, args)
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert message in result.output.lower(), result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(OAuthClient)) == 0


def test_clients_update_with_bad_values_changes_nothing(app):
    runner = app.test_cli_runner()
    added = runner.invoke(clients_cli, ["add", "Ok", "--client-id", "ok-app", *GOOD_URI])
    assert added.exit_code == 0, added.output
    before = db.session.get(OAuthClient, "ok-app").to_dict()
    for args, message in [
        (["--name", LONG], "at most 200"),
        (["--name", "x\x00"], "control characters"),
        (["--audience", LONG], "at most 300"),
        (["--redirect-uri", "https://[::1/cb"], "not a valid uri"),
        (["--launch-url", "https://x.example/\x7f"], "control characters"),
    ]:
        result = runner.invoke(clients_cli, ["update", "ok-app", *args])
        assert result.exit_code != 0 and isinstance(result.exception, SystemExit), result.output
        assert message in result.output.lower(), result.output
    db.session.expire_all()
    assert db.session.get(OAuthClient, "ok-app").to_dict() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["retire", "--kid", "nosuch"], "no key 'nosuch'"),
        (["retire", "--kid", ""], "no key ''"),
        (["retire", "--kid", "../../etc/passwd"], "no key"),
        (["rotate", "--alg", "HS256"], "invalid value"),
    ],
    ids=repr,
)
def test_keys_command_with_bad_arguments_fails_clearly(app, args, message):
    result = app.test_cli_runner().invoke(keys_cli, args)
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert message in result.output.lower(), result.output


def test_commands_say_so_in_one_line_when_the_database_is_unreachable(tmp_path):
    from tests.cli.test_cli import run_idp
    from tests.support.mailcatcher import free_port

    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/idp"
    result = run_idp(["clients", "list"], tmp_path, {"IDP_DATABASE_URL": url})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("database error: connection failed"), result.stderr

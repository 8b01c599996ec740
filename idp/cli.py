"""The ``idp`` command: init, demo, serve, check, and the command groups of each area."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from idp.config import ConfigError, load_settings

#: Modules that define a click group ``cli`` to add under ``idp`` (e.g. ``idp clients``).
COMMAND_GROUPS: list[str] = [
    "idp.oauth.cli",
    "idp.jwk.cli",
    "idp.orgs.cli",
    "idp.orgs.review_cli",
    "idp.admin.inactivity_cli",
    "idp.audit.cli",
    "idp.maintenance.purge",
    "idp.emergency.cli",
    # The admin commands (idp.api.cli_*): users, sessions; orgs review and office commands
    # are added to the ``orgs`` group above.
    "idp.api.cli_users",
    "idp.api.cli_sessions",
    "idp.api.cli_orgs",
    "idp.api.cli_office",
]


def _create_app():
    from idp import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False)
def cli() -> None:
    """Identity provider and SSO gateway for provider offices."""


def _settings():
    return current_app.config["IDP_SETTINGS"]


def _init(quiet: bool = False) -> None:
    from idp.extensions import db
    from idp.jwk.keyring import KeyRing
    from idp.jwk.registry import KeyRegistry, check_keys
    from idp.storage import upgrade_database

    settings = _settings()
    upgrade_database()
    ring = current_app.extensions.get("idp.keyring") or KeyRing(settings.keys_path)
    key = check_keys(ring, KeyRegistry(db.engine), settings.oauth_signing_alg)
    if not quiet and key is not None:
        click.echo(
            f"database ready: {current_app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}"
        )
        click.echo(f"active signing key: {key.kid} ({key.alg}) in {settings.keys_path}")


@cli.command("init")
@with_appcontext
def init_command() -> None:
    """Create or upgrade the database and the first signing key."""
    _init()


def _gunicorn_options(*flags: str) -> list[str]:
    """Those of ``flags`` the installed gunicorn knows (newer ones are missing in older)."""
    from gunicorn.config import KNOWN_SETTINGS

    known = {flag for setting in KNOWN_SETTINGS for flag in (setting.cli or [])}
    return [flag for flag in flags if flag in known]


def _gunicorn_argv(settings, workers: int | None = None) -> list[str]:
    gunicorn = shutil.which("gunicorn") or os.path.join(os.path.dirname(sys.executable), "gunicorn")
    # No runtime control socket: it is one fixed path per user (two servers on a host would
    # share it) and a way to manage the server that nothing here needs.
    return [
        gunicorn,
        *_gunicorn_options("--no-control-socket"),
        "--workers",
        str(workers or settings.server_workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(settings.server_threads),
        "--timeout",
        str(settings.server_timeout_seconds),
        "--graceful-timeout",
        str(settings.server_graceful_timeout_seconds),
        "--bind",
        f"{settings.server_host}:{settings.server_port}",
        "--access-logfile",
        "-",
        "--logger-class",
        "idp.web.accesslog.RedactingLogger",
        "idp.wsgi:app",
    ]


def _granian_argv(settings, workers: int | None = None) -> list[str]:
    """granian's WSGI server: Rust HTTP parsing and I/O, the app on ``threads`` blocking
    threads per worker. Its access log cannot redact URLs, so it stays off and the app
    writes one instead (idp.metrics.hooks, redacted)."""
    granian = shutil.which("granian") or os.path.join(os.path.dirname(sys.executable), "granian")
    return [
        granian,
        "--interface",
        "wsgi",
        "--workers",
        str(workers or settings.server_workers),
        "--blocking-threads",
        str(settings.server_threads),
        "--host",
        settings.server_host,
        "--port",
        str(settings.server_port),
        "--no-access-log",
        "--log-level",
        "warning",
        "--workers-kill-timeout",
        str(settings.server_graceful_timeout_seconds),
        # A worker that dies (killed, out of memory) is replaced, as gunicorn's arbiter does;
        # without this granian stops altogether.
        "--respawn-failed-workers",
        "--respawn-interval",
        "0.5",
        "idp.wsgi:app",
    ]


SERVERS = {"gunicorn": _gunicorn_argv, "granian": _granian_argv}


@cli.command("serve")
@click.option("--workers", type=click.IntRange(1, 64), help="Override server.workers.")
@click.option(
    "--server",
    "kind",
    type=click.Choice(sorted(SERVERS)),
    help="Override server.kind (the HTTP server: gunicorn gthread or granian WSGI).",
)
def serve_command(workers: int | None, kind: str | None) -> None:
    """Run the production server with the configured workers."""
    from idp import create_app

    settings = load_settings()
    create_app(settings)  # start-up checks (signing keys) fail here with one line
    kind = kind or settings.server_kind
    os.environ["IDP_SERVER_KIND"] = kind  # the workers' settings say which server runs them
    argv = SERVERS[kind](settings, workers)
    if settings.metrics_enabled:
        from idp.metrics.exposition import multiproc_dir

        os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", multiproc_dir(settings.instance_path))
        if kind == "gunicorn":
            argv[1:1] = ["-c", "python:idp.metrics.gunicorn_conf"]
    click.echo(
        f"serving on http://{settings.server_host}:{settings.server_port} "
        f"({kind}, {workers or settings.server_workers} workers)"
    )
    os.execv(argv[0], argv)  # noqa: S606 - replace this process with the server


@cli.command("demo")
@click.option("--no-serve", is_flag=True, help="Seed and write the credentials file, then exit.")
@with_appcontext
def demo_command(no_serve: bool) -> None:
    """Init, seed a demo practice, users and relying clients, then serve."""
    from idp.demo.seed import seed_demo

    settings = _settings()
    _init()
    result = seed_demo(settings)
    path = settings.instance_path / "demo-credentials.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # also when an earlier file was left readable by others
    with os.fdopen(fd, "w") as fh:
        json.dump(result, fh, indent=2)
    click.echo(f"demo accounts and client credentials written to {path}")
    click.echo(
        f"sign in at {settings.public_base_url}/ ; mail outbox at "
        f"{settings.public_base_url}/dev/outbox"
    )
    if no_serve:
        return
    os.environ["IDP_DEMO"] = "true"
    argv = _gunicorn_argv(settings)
    os.execv(argv[0], argv)  # noqa: S606 - replace this process with gunicorn


@cli.command("check")
@with_appcontext
def check_command() -> None:
    """Validate configuration and reach the database, Redis and SMTP."""
    from idp.health.checks import run_checks

    settings = _settings()
    names = ["database", "redis", "mail"]
    results = run_checks(names, settings)
    for name in names:
        reason = results[name]
        if name == "redis" and not settings.redis_url:
            click.echo("redis: not configured (embedded shared state in the database)")
        elif reason:
            click.echo(f"{name}: FAILED: {reason}", err=True)
        else:
            click.echo(f"{name}: ok")
    if any(results.values()):
        raise SystemExit(1)
    click.echo("configuration: ok")


def _add_groups() -> None:
    for name in COMMAND_GROUPS:
        module = importlib.import_module(name)
        cli.add_command(module.cli)


_add_groups()


def main() -> None:
    try:
        load_settings()
    except ConfigError as exc:
        click.echo(f"configuration error: {exc}", err=True)
        raise SystemExit(2) from None
    from sqlalchemy.exc import OperationalError

    from idp.jwk.registry import KeysUnavailable

    try:
        cli.main(prog_name="idp")
    except KeysUnavailable as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from None
    except OperationalError as exc:
        # An unreachable or refusing database: one line saying so, not a traceback.
        reason = str(exc.orig or exc).strip().splitlines()[0]
        click.echo(f"database error: {reason}", err=True)
        raise SystemExit(1) from None

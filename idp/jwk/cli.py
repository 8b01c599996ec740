"""``idp keys``: list, rotate and retire the token signing keys."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext

from idp.common.cli import echo_rows, json_option
from idp.jwk.keyring import ALGORITHMS, KeyRing
from idp.jwk.registry import KeyRegistry, readable_kids


def _ring() -> KeyRing:
    """The app's ring: after the start-up check it refuses to replace lost keys."""
    return current_app.extensions.get("idp.keyring") or KeyRing(
        current_app.config["IDP_SETTINGS"].keys_path
    )


def _registry() -> KeyRegistry:
    from idp.extensions import db

    return KeyRegistry(db.engine)


def retire_after_seconds(settings) -> int:
    """A retired key stays published until the last token it signed has expired."""
    longest = max(settings.oauth_access_token_minutes, settings.oauth_id_token_minutes)
    return (longest + settings.oauth_key_retire_grace_minutes) * 60


def _fmt(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts)) if ts else "-"


@click.group("keys")
def cli() -> None:
    """Token signing keys (published at the JWKS endpoint)."""


@cli.command("list")
@json_option
@with_appcontext
def list_command(as_json):
    """The keys with their state, and when each may be dropped."""
    echo_rows(
        _ring().states(),
        as_json,
        lambda s: s.__dict__,
        lambda s: (
            f"{s.kid:28} {s.alg:6} {s.state:8} created {_fmt(s.created_at)} "
            f"drop after {_fmt(s.drop_after)}"
        ),
    )


@cli.command("rotate")
@click.option("--alg", type=click.Choice(ALGORITHMS), default=None)
@with_appcontext
def rotate_command(alg):
    """Promote the published next key, retire the active one, publish a new next key."""
    settings = current_app.config["IDP_SETTINGS"]
    alg = alg or settings.oauth_signing_alg
    ring = _ring()
    state = ring.rotate(alg, retire_after_seconds(settings))
    _registry().record(ring.states())
    click.echo(f"active {alg} key is now {state.kid}")


@cli.command("retire")
@click.option("--kid", help="Drop this retired key now (its tokens stop verifying).")
@with_appcontext
def retire_command(kid):
    """Drop retired keys whose tokens have all expired (or one key at once with --kid)."""
    ring = _ring()
    if kid is not None:
        state = next((s for s in ring.states() if s.kid == kid), None)
        if state is None:
            raise click.ClickException(f"no key {kid!r}")
        if state.state != "retired":
            raise click.ClickException(f"{kid} is {state.state}; rotate before dropping it")
        ring.drop(kid)
        _registry().mark_dropped([kid])
        click.echo(f"dropped {kid}")
        return
    dropped = ring.prune()
    _registry().mark_dropped(dropped)
    click.echo("dropped " + (", ".join(dropped) if dropped else "nothing"))


@cli.command("replace-lost")
@click.option("--alg", type=click.Choice(ALGORITHMS), default=None)
@click.option("--yes", is_flag=True, help="Confirm: tokens signed by the lost keys stop verifying.")
def replace_lost_command(alg, yes):
    """Declare recorded keys missing from the keys folder lost, and start a new key.

    Only when the keys folder cannot be restored from its backup: every token signed by a
    lost key stops verifying, so relying parties sign their users in again.
    """
    from sqlalchemy import create_engine

    from idp import _database_uri
    from idp.config import load_settings

    # No app: its start-up check is what refuses to run while keys are lost.
    settings = load_settings()
    engine = create_engine(_database_uri(settings))
    try:
        registry = KeyRegistry(engine)
        ring = KeyRing(settings.keys_path)
        _, present = readable_kids(ring)
        lost = sorted(registry.live() - present) if registry.ready() else []
        if not lost:
            click.echo("no recorded key is missing; nothing to do")
            return
        if not yes:
            raise click.ClickException(
                f"{len(lost)} recorded key(s) are not readable in {ring.folder} "
                f"({', '.join(lost[:3])}); run again with --yes to declare them lost"
            )
        registry.mark_dropped(lost)
        key = ring.ensure_active(alg or settings.oauth_signing_alg)
        registry.record(ring.states())
    finally:
        engine.dispose()
    click.echo(f"declared {len(lost)} key(s) lost; active {key.alg} key is now {key.kid}")

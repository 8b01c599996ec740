"""``idp clients``: register and manage relying parties and services."""

from __future__ import annotations

import functools
import json

import click
from flask import current_app
from flask.cli import with_appcontext

from idp.common.cli import echo_json, echo_rows, json_option
from idp.errors import DomainError


def _service():
    from idp.oauth.clients import client_service

    return client_service(current_app.config["IDP_SETTINGS"], current_app.config["SECRET_KEY"])


def _split(values: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for value in values:
        out.extend(v for v in value.replace(",", " ").split() if v)
    return out


def _jwks(path: str | None) -> dict | None:
    if not path:
        return None
    try:
        with open(path) as fh:
            return json.load(fh)
    except (OSError, ValueError) as exc:
        raise click.BadParameter(f"cannot read JWKS from {path}: {exc}") from None


def _show(client, secret: str | None, as_json: bool) -> None:
    data = client.to_dict()
    if secret:
        data["client_secret"] = secret
    if as_json:
        echo_json(data)
        return
    for key, value in data.items():
        if isinstance(value, list):
            value = " ".join(value) or "-"
        click.echo(f"{key:28} {value}")
    if secret:
        click.echo("\nThe secret is shown only now; store it in the client's secret store.")


def _fail(exc: DomainError):
    raise click.ClickException(exc.message)


def client_command(name: str, *options):
    """A command on one registered client (CLIENT_ID), with ``--json`` and ``options``; a
    domain error ends it with its one-line message."""

    def register(fn):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except DomainError as exc:
                _fail(exc)

        for decorate in (with_appcontext, json_option, *reversed(options)):
            run = decorate(run)
        return cli.command(name)(click.argument("client_id")(run))

    return register


@click.group("clients")
def cli() -> None:
    """Register OAuth/OpenID Connect clients (relying apps and services)."""


_common = [
    click.option("--redirect-uri", "redirect_uris", multiple=True, help="Exact redirect URI."),
    click.option("--post-logout-redirect-uri", "post_logout_uris", multiple=True),
    click.option(
        "--grant-type",
        "grant_types",
        multiple=True,
        help="authorization_code, refresh_token, client_credentials.",
    ),
    click.option("--scope", "scopes", multiple=True, help="Allowed scopes."),
    click.option("--audience", "default_audience", help="Default access-token audience."),
    click.option(
        "--first-party/--third-party",
        "first_party",
        default=None,
        help="First-party clients skip the consent page.",
    ),
    click.option("--alg", "id_token_alg", type=click.Choice(["ES256", "RS256"]), default=None),
    click.option("--jwks", "jwks_file", help="JWKS file (public keys) for private_key_jwt."),
    click.option("--backchannel-logout-uri", default=None),
    click.option("--launch-url", default=None, help="Dashboard link (first-party apps)."),
]


def common(fn):
    for option in reversed(_common):
        fn = option(fn)
    return fn


@cli.command("add")
@click.argument("name")
@click.option("--client-id", help="Chosen id (default: generated).")
@click.option(
    "--auth",
    "auth_method",
    type=click.Choice(["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]),
    default="client_secret_basic",
    show_default=True,
    help="Token endpoint authentication; 'none' for public (browser/native) clients.",
)
@common
@json_option
@with_appcontext
def add_command(name, client_id, auth_method, as_json, **options):
    """Register a client; a generated secret is printed once."""
    given = _protocol(options)
    try:
        result = _service().add(
            name=name,
            client_id=client_id,
            auth_method=auth_method,
            grant_types=given["grant_types"] or None,
            redirect_uris=given["redirect_uris"] or [],
            post_logout_redirect_uris=given["post_logout_redirect_uris"] or [],
            scopes=given["scopes"],
            default_audience=given["default_audience"] or "",
            first_party=bool(given["first_party"]),
            id_token_alg=given["id_token_alg"]
            or current_app.config["IDP_SETTINGS"].oauth_signing_alg,
            jwks=given["jwks"],
            backchannel_logout_uri=given["backchannel_logout_uri"] or "",
            launch_url=given["launch_url"] or "",
        )
    except DomainError as exc:
        _fail(exc)
    _ensure_key(result.client.id_token_alg)
    _show(result.client, result.secret, as_json)


def _protocol(options: dict) -> dict:
    """The shared options as the registry's keyword arguments; None where not given (an
    update keeps the value, an add takes the default)."""
    return {
        "redirect_uris": _split(options["redirect_uris"]) or None,
        "post_logout_redirect_uris": _split(options["post_logout_uris"]) or None,
        "grant_types": _split(options["grant_types"]) or None,
        "scopes": _split(options["scopes"]) or None,
        "default_audience": options["default_audience"],
        "first_party": options["first_party"],
        "id_token_alg": options["id_token_alg"],
        "jwks": _jwks(options["jwks_file"]),
        "backchannel_logout_uri": options["backchannel_logout_uri"],
        "launch_url": options["launch_url"],
    }


def _ensure_key(alg: str) -> None:
    from idp.jwk.keyring import KeyRing

    KeyRing(current_app.config["IDP_SETTINGS"].keys_path).ensure_active(alg)


def _client_line(c) -> str:
    flags = [f for f, on in (("public", c.is_public), ("first-party", c.first_party)) if on]
    if c.disabled:
        flags.append("disabled")
    return f"{c.client_id:24} {c.token_endpoint_auth_method:20} {','.join(flags):24} {c.name}"


@cli.command("list")
@json_option
@with_appcontext
def list_command(as_json):
    """List registered clients."""
    echo_rows(_service().all_clients(), as_json, lambda c: c.to_dict(), _client_line)


@client_command("show")
def show_command(client_id, as_json):
    """Show one client (never its secret)."""
    _show(_service().get(client_id), None, as_json)


@client_command("update", click.option("--name"), common)
def update_command(client_id, name, as_json, **options):
    """Change a client; a list option replaces the whole list."""
    client = _service().update(client_id, name=name, **_protocol(options))
    _ensure_key(client.id_token_alg)
    _show(client, None, as_json)


@client_command("rotate-secret")
def rotate_secret_command(client_id, as_json):
    """Replace the client secret (the old one stops working at once); prints it once."""
    result = _service().rotate_secret(client_id)
    _show(result.client, result.secret, as_json)


@client_command("disable", click.option("--enable", is_flag=True, help="Enable the client again."))
def disable_command(client_id, enable, as_json):
    """Disable a client: no more tokens, its refresh tokens end."""
    _show(_service().set_disabled(client_id, not enable), None, as_json)

"""idp clients / idp keys on a real app (CLI runner with the app's context)."""

from __future__ import annotations

import json

from idp.jwk.cli import cli as keys_cli
from idp.oauth.cli import cli as clients_cli
from idp.oauth.models import OAuthClient


def test_clients_lifecycle_prints_the_secret_once_and_stores_a_keyed_hash(app):
    runner = app.test_cli_runner()
    added = runner.invoke(
        clients_cli,
        [
            "add",
            "Billing web",
            "--client-id",
            "billing",
            "--redirect-uri",
            "https://billing.example/cb",
            "--first-party",
            "--json",
        ],
    )
    assert added.exit_code == 0, added.output
    data = json.loads(added.output)
    secret = data["client_secret"]
    assert len(secret) > 40
    from idp.extensions import db

    row = db.session.get(OAuthClient, "billing")
    assert row.secret_hash and secret not in row.secret_hash and len(row.secret_hash) == 64
    shown = runner.invoke(clients_cli, ["show", "billing", "--json"])
    assert "client_secret" not in json.loads(shown.output)
    listed = runner.invoke(clients_cli, ["list"])
    assert "billing" in listed.output
    updated = runner.invoke(clients_cli, ["update", "billing", "--scope", "openid email", "--json"])
    assert json.loads(updated.output)["scopes"] == ["openid", "email"]
    rotated = runner.invoke(clients_cli, ["rotate-secret", "billing", "--json"])
    assert json.loads(rotated.output)["client_secret"] != secret
    disabled = runner.invoke(clients_cli, ["disable", "billing", "--json"])
    assert json.loads(disabled.output)["disabled"] is True


def test_clients_add_refuses_bad_input_clearly(app):
    runner = app.test_cli_runner()
    bad = runner.invoke(
        clients_cli, ["add", "SPA", "--auth", "none", "--grant-type", "client_credentials"]
    )
    assert bad.exit_code != 0 and "public client" in bad.output
    bad = runner.invoke(clients_cli, ["add", "X", "--redirect-uri", "ftp://x/cb"])
    assert bad.exit_code != 0 and "redirect" in bad.output.lower()
    bad = runner.invoke(clients_cli, ["add", "X", "--grant-type", "password"])
    assert bad.exit_code != 0 and "password" in bad.output
    bad = runner.invoke(clients_cli, ["show", "nope"])
    assert bad.exit_code != 0 and "no client" in bad.output


def test_keys_rotate_list_retire(app):
    runner = app.test_cli_runner()
    from idp.jwk.keyring import KeyRing

    ring = KeyRing(app.config["IDP_SETTINGS"].keys_path)
    ring.ensure_active("ES256")
    first = ring.active("ES256").kid
    upcoming = next(s.kid for s in ring.states() if s.state == "next" and s.alg == "ES256")
    assert upcoming in {k["kid"] for k in ring.jwks()["keys"]}  # published before it signs
    out = runner.invoke(keys_cli, ["rotate"])
    assert out.exit_code == 0, out.output
    assert ring.active("ES256").kid == upcoming  # the published key signs, not a new one
    published = {k["kid"] for k in ring.jwks()["keys"]}
    assert first in published and upcoming in published
    listed = json.loads(runner.invoke(keys_cli, ["list", "--json"]).output)
    states = {k["kid"]: k["state"] for k in listed}
    assert states[first] == "retired" and list(states.values()).count("next") >= 1
    assert runner.invoke(keys_cli, ["retire"]).output.strip() == "dropped nothing"
    refused = runner.invoke(keys_cli, ["retire", "--kid", ring.active("ES256").kid])
    assert refused.exit_code != 0
    assert runner.invoke(keys_cli, ["retire", "--kid", first]).exit_code == 0
    assert first not in [s.kid for s in ring.states()]

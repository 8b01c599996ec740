"""The database records every issued signing key; a lost, empty or unreadable keys folder
stops the idp with one line instead of being silently replaced by a new key."""

from __future__ import annotations

import shutil

import pytest

from idp.extensions import db
from idp.jwk import keyring as keyring_module
from idp.jwk.keyring import KeyRing
from idp.jwk.models import IssuedKey
from idp.jwk.registry import KeyRegistry, KeysUnavailable, check_keys
from tests.cli.test_cli import run_idp


def _recorded() -> dict[str, bool]:
    """kid -> still live (not dropped)."""
    return {k.kid: k.dropped_at is None for k in db.session.scalars(db.select(IssuedKey))}


def _forget_records() -> None:
    db.session.execute(db.delete(IssuedKey))
    db.session.commit()


@pytest.fixture
def fresh(app, tmp_path, make_app):
    """A migrated database that records no key yet, and an empty keys folder of its own.
    Afterwards the record is emptied again: the next test's app uses the session's folder."""
    _forget_records()
    keyring_module._CACHE.clear()
    folder = tmp_path / "keys"
    yield (lambda **overrides: make_app(**{"keys_dir": str(folder), **overrides})), folder
    db.session.rollback()
    _forget_records()
    keyring_module._CACHE.clear()


def test_a_first_start_creates_and_records_the_first_key(fresh):
    start, folder = fresh
    started = start()
    ring = KeyRing(folder)
    active = ring.active("ES256")
    assert active is not None
    assert _recorded() == {s.kid: True for s in ring.states()}
    assert started.extensions["idp.keyring"].registry is not None
    start()  # a second start changes nothing
    assert [s.kid for s in KeyRing(folder).states()] == [s.kid for s in ring.states()]


def test_an_emptied_keys_folder_refuses_to_start(fresh):
    start, folder = fresh
    start()
    kids = set(_recorded())
    shutil.rmtree(folder)
    with pytest.raises(KeysUnavailable) as refused:
        start()
    message = str(refused.value)
    assert "\n" not in message and "idp keys replace-lost" in message
    assert message.startswith(f"signing keys: the database records {len(kids)} issued key(s)")
    assert not folder.exists() or not list(folder.iterdir())  # nothing minted


def test_unreadable_key_files_refuse_to_start(fresh):
    start, folder = fresh
    start()
    for pem in folder.glob("*.pem"):
        pem.write_text("not a key")
    with pytest.raises(KeysUnavailable, match="none is readable"):
        start()
    (folder / "x.state.json").write_text("{broken")
    with pytest.raises(KeysUnavailable, match="cannot read"):
        start()


def test_a_foreign_keys_folder_is_not_taken_for_the_real_one(fresh, tmp_path):
    start, folder = fresh
    start()
    KeyRing(tmp_path / "other").ensure_active("ES256")
    with pytest.raises(KeysUnavailable):
        start(keys_dir=str(tmp_path / "other"))


def test_partial_loss_starts_with_a_warning(fresh, caplog):
    start, folder = fresh
    start()
    ring = KeyRing(folder)
    upcoming = next(s for s in ring.states() if s.state == "next")
    ring.drop(upcoming.kid)
    start()
    assert upcoming.kid in caplog.text and "not readable" in caplog.text


def test_keys_on_disk_before_the_record_existed_are_adopted(fresh):
    start, folder = fresh
    ring = KeyRing(folder)
    ring.ensure_active("ES256")
    start()
    assert set(_recorded()) == {s.kid for s in ring.states()}


def test_a_running_ring_refuses_to_mint_a_replacement(fresh):
    start, folder = fresh
    app = start()
    ring = app.extensions["idp.keyring"]
    ring.signing_key("ES256")
    shutil.rmtree(folder)
    keyring_module._CACHE.clear()
    with pytest.raises(KeysUnavailable):
        ring.signing_key("ES256")
    with pytest.raises(KeysUnavailable):
        ring.rotate("ES256")
    assert not folder.exists() or not list(folder.glob("*.pem"))


def test_another_algorithm_may_still_get_its_first_key(fresh):
    start, folder = fresh
    ring = start().extensions["idp.keyring"]
    kid, _ = ring.signing_key("RS256")
    assert kid.startswith("rs256-")


def test_retired_and_pruned_keys_are_marked_dropped(fresh):
    start, folder = fresh
    app = start()
    runner = app.test_cli_runner()
    from idp.jwk.cli import cli as keys_cli

    with app.app_context():
        first = KeyRing(folder).active("ES256").kid
        assert runner.invoke(keys_cli, ["rotate"]).exit_code == 0
        assert set(_recorded()) == {s.kid for s in KeyRing(folder).states()}
        assert runner.invoke(keys_cli, ["retire", "--kid", first]).exit_code == 0
        assert _recorded()[first] is False
    # The dropped key is not missed at the next start.
    start()


def test_check_does_nothing_before_the_database_is_migrated(tmp_path):
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    ring = KeyRing(tmp_path / "keys")
    assert check_keys(ring, KeyRegistry(engine), "ES256") is None
    assert ring.states() == []


def test_the_idp_command_says_so_in_one_line_and_replace_lost_starts_over(tmp_path):
    """On the embedded default, as an operator would see it."""
    assert run_idp(["init"], tmp_path).returncode == 0
    for path in (tmp_path / "keys").iterdir():
        path.unlink()
    for args in (["clients", "list"], ["init"], ["serve"], ["keys", "rotate"]):
        result = run_idp(args, tmp_path)
        assert result.returncode == 1, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("signing keys: the database records")
    assert not list((tmp_path / "keys").iterdir())
    unconfirmed = run_idp(["keys", "replace-lost"], tmp_path)
    assert unconfirmed.returncode == 1 and "--yes" in unconfirmed.stderr
    replaced = run_idp(["keys", "replace-lost", "--yes"], tmp_path)
    assert replaced.returncode == 0, replaced.stderr
    assert "declared" in replaced.stdout and "lost" in replaced.stdout
    assert run_idp(["clients", "list"], tmp_path).returncode == 0


def test_the_token_endpoint_answers_503_instead_of_minting(fresh):
    start, folder = fresh
    app = start()
    with app.app_context():
        from idp.oauth.clients import client_service

        reg = client_service(app.config["IDP_SETTINGS"], app.config["SECRET_KEY"]).add(
            name="Service",
            client_id="svc-lost-keys",
            grant_types=["client_credentials"],
            scopes=["claims"],
            default_audience="https://claims.example/api",
        )
        client = app.test_client()
        form = {"grant_type": "client_credentials"}
        auth = ("svc-lost-keys", reg.secret)
        assert client.post("/oauth/token", data=form, auth=auth).status_code == 200
        shutil.rmtree(folder)
        keyring_module._CACHE.clear()
        refused = client.post("/oauth/token", data=form, auth=auth)
        assert refused.status_code == 503, refused.data
        assert not folder.exists() or not list(folder.glob("*.pem"))

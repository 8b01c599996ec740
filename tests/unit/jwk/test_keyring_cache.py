"""The per-process key cache: parsed keys are reused, and a change to the shared keys
folder (rotation by any instance) is seen at the next signature."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from joserfc import jwt

from idp.jwk import keyring as keyring_module
from idp.jwk.keyring import KeyRing

SIGNER = """
import sys
from idp.jwk.keyring import KeyRing
ring = KeyRing(sys.argv[1])
for line in sys.stdin:
    print(ring.signing_key("ES256")[0], flush=True)
"""


def _age_folder(folder, seconds: float) -> int:
    """Pretend the folder last changed ``seconds`` ago; returns the new mtime (ns)."""
    stamp = time.time_ns() - int(seconds * 1_000_000_000)
    os.utime(folder, ns=(stamp, stamp))
    return stamp


def test_rotation_by_another_process_is_picked_up_by_a_warm_process(tmp_path):
    ring = KeyRing(tmp_path)
    first = ring.ensure_active("ES256")
    _age_folder(tmp_path, 10)
    signer = subprocess.Popen(
        [sys.executable, "-c", SIGNER, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        signer.stdin.write("sign\n")
        signer.stdin.flush()
        assert signer.stdout.readline().strip() == first.kid
        signer.stdin.write("sign\n")
        signer.stdin.flush()
        assert signer.stdout.readline().strip() == first.kid  # from its warm cache
        promoted = ring.rotate("ES256")
        signer.stdin.write("sign\n")
        signer.stdin.flush()
        assert signer.stdout.readline().strip() == promoted.kid
    finally:
        signer.stdin.close()
        signer.wait(10)


def test_change_within_the_same_clock_tick_is_not_missed(tmp_path):
    """A coarse file-system clock can give the folder the same mtime before and after a
    rotation; a cache read right after a change is therefore read again."""
    ring = KeyRing(tmp_path)
    first = ring.ensure_active("ES256")
    stamp = os.stat(tmp_path).st_mtime_ns
    assert ring.signing_key("ES256")[0] == first.kid
    promoted = ring.rotate("ES256")
    os.utime(tmp_path, ns=(stamp, stamp))  # the rotation left no visible trace
    assert ring.signing_key("ES256")[0] == promoted.kid


def test_settled_folder_is_not_read_again_and_parsed_keys_survive_reloads(tmp_path, monkeypatch):
    ring = KeyRing(tmp_path)
    first = ring.ensure_active("ES256")
    _age_folder(tmp_path, 10)
    kid, key = ring.signing_key("ES256")
    reads = []
    original = KeyRing.states
    monkeypatch.setattr(KeyRing, "states", lambda self: reads.append(1) or original(self))
    parses = []
    from joserfc import jwk

    original_import = jwk.import_key
    monkeypatch.setattr(
        jwk, "import_key", lambda *a, **kw: parses.append(1) or original_import(*a, **kw)
    )
    for _ in range(5):
        assert ring.signing_key("ES256") == (kid, key)
    assert reads == [] and parses == []

    promoted = ring.rotate("ES256")
    assert ring.signing_key("ES256")[0] == promoted.kid
    assert reads and len(parses) == 1  # the promoted key only; the old one is kept parsed
    assert ring.jose_key(first.kid) is key


def test_public_keyset_follows_rotation_and_drop(tmp_path):
    ring = KeyRing(tmp_path)
    first = ring.ensure_active("ES256")
    _age_folder(tmp_path, 10)
    kid, key = ring.signing_key("ES256")
    old_token = jwt.encode({"alg": "ES256", "kid": kid}, {"n": 1}, key)
    assert ring.public_keyset() is ring.public_keyset()  # built once
    promoted = ring.rotate("ES256")
    kid, key = ring.signing_key("ES256")
    assert kid == promoted.kid
    new_token = jwt.encode({"alg": "ES256", "kid": kid}, {"n": 2}, key)
    keyset = ring.public_keyset()
    assert jwt.decode(new_token, keyset).claims == {"n": 2}
    assert jwt.decode(old_token, keyset).claims == {"n": 1}  # retired, still published
    ring.drop(first.kid)
    published = {k["kid"] for k in ring.jwks()["keys"]}
    assert first.kid not in published
    assert first.kid not in {k.kid for k in ring.public_keyset().keys}


def test_cache_is_per_folder(tmp_path):
    a, b = KeyRing(tmp_path / "a"), KeyRing(tmp_path / "b")
    assert a.ensure_active().kid != b.ensure_active().kid
    assert a.signing_key()[0] != b.signing_key()[0]
    assert str(tmp_path / "a") in keyring_module._CACHE

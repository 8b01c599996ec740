"""Signing keys on disk: one PEM (mode 0600) and one state file per key in keys/.

States: ``next`` (published, not signing), ``active`` (signs), ``retired`` (published until
``drop_after``), then removed. Rotation promotes the pre-published ``next`` key, so relying
parties that cache the JWKS already know a key before it signs anything; a retired key stays
published until every token it signed has expired. Several instances share one keys folder;
each process caches the parsed keys and reloads when the folder changes.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

ALGORITHMS = ("ES256", "RS256")

#: Per-process cache of parsed keys, keyed by folder (see KeyRing._cache).
_CACHE: dict[str, dict] = {}
#: How long the keys folder must have been unchanged before its mtime alone vouches for it.
QUIET_SECONDS = 2


@dataclass
class KeyState:
    kid: str
    alg: str
    state: str
    created_at: float
    activated_at: float | None = None
    retired_at: float | None = None
    drop_after: float | None = None


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)


class KeyRing:
    def __init__(self, folder: Path, registry=None):
        self.folder = Path(folder)
        #: The database's record of issued keys (``idp.jwk.registry.KeyRegistry``), set by
        #: the start-up check: with it, a ring whose issued keys are all gone refuses to
        #: mint a replacement instead of doing so silently.
        self.registry = registry

    def _guard_replacement(self) -> None:
        if self.registry is not None:
            self.registry.check_replacement({s.kid for s in self.states()}, self.folder)

    def states(self) -> list[KeyState]:
        if not self.folder.is_dir():
            return []
        result = []
        for path in sorted(self.folder.glob("*.state.json")):
            result.append(KeyState(**json.loads(path.read_text())))
        return sorted(result, key=lambda s: s.created_at)

    def save_state(self, state: KeyState) -> None:
        path = self.folder / f"{state.kid}.state.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(state), indent=2))
        tmp.replace(path)

    def private_key_path(self, kid: str) -> Path:
        return self.folder / f"{kid}.pem"

    def load_private_key(self, kid: str):
        return serialization.load_pem_private_key(
            self.private_key_path(kid).read_bytes(), password=None
        )

    def generate(self, alg: str = "ES256", state: str = "next") -> KeyState:
        if alg not in ALGORITHMS:
            raise ValueError(f"alg must be one of {', '.join(ALGORITHMS)}")
        self.folder.mkdir(parents=True, exist_ok=True)
        key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
        if alg == "ES256":
            key = ec.generate_private_key(ec.SECP256R1())
        else:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        kid = f"{alg.lower()}-{time.strftime('%Y%m%d')}-{uuid.uuid4().hex[:8]}"
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write_private(self.private_key_path(kid), pem)
        now = time.time()
        key_state = KeyState(
            kid=kid,
            alg=alg,
            state=state,
            created_at=now,
            activated_at=now if state == "active" else None,
        )
        self.save_state(key_state)
        return key_state

    def _cache(self) -> dict:
        """Parsed states and joserfc keys, reloaded when the folder's contents change.

        The folder's mtime is the change signal (every write here creates or renames a file
        in it), checked on every call so a rotation done by any instance is seen at once.
        File-system clocks are coarse (a few ms), so a change in the same tick as the read
        would leave the stamp equal: states read less than ``QUIET_SECONDS`` after the
        stamp are read again next time. Parsed private keys survive a reload: a kid names
        one key file for good (random kid, written once with O_EXCL).
        """
        try:
            stamp = os.stat(self.folder).st_mtime_ns
        except FileNotFoundError:
            stamp = None
        cached = _CACHE.get(str(self.folder))
        if cached is None or cached["stamp"] != stamp or not cached["settled"]:
            read_at = time.time_ns()
            states = self.states()
            kids = {s.kid for s in states}
            keys = {k: v for k, v in cached["keys"].items() if k in kids} if cached else {}
            settled = stamp is not None and read_at - stamp > QUIET_SECONDS * 1_000_000_000
            keyset = cached.get("keyset") if cached else None  # keyed by its kids: still true
            cached = {
                "stamp": stamp,
                "settled": settled,
                "states": states,
                "keys": keys,
                "keyset": keyset,
            }
            _CACHE[str(self.folder)] = cached
        return cached

    def jose_key(self, kid: str):
        """The joserfc key (private) for ``kid``, with kid/alg/use set."""
        cache = self._cache()
        key = cache["keys"].get(kid)
        if key is None:
            from joserfc import jwk

            state = next((s for s in cache["states"] if s.kid == kid), None)
            if state is None:
                raise KeyError(kid)
            pem = self.private_key_path(kid).read_bytes()
            parameters: jwk.KeyParameters = {"kid": kid, "alg": state.alg, "use": "sig"}
            if state.alg == "ES256":
                key = jwk.import_key(pem, "EC", parameters)
            else:
                key = jwk.import_key(pem, "RSA", parameters)
            cache["keys"][kid] = key
        return key

    def signing_key(self, alg: str = "ES256"):
        """(kid, joserfc private key) of the active key for ``alg``, created on first use."""
        for state in reversed(self._cache()["states"]):
            if state.state == "active" and state.alg == alg:
                return state.kid, self.jose_key(state.kid)
        state = self.ensure_active(alg)
        return state.kid, self.jose_key(state.kid)

    def published(self, now: float | None = None) -> list[KeyState]:
        """Keys in the JWKS: next, active, and retired ones not yet past ``drop_after``."""
        now = time.time() if now is None else now
        return [
            s
            for s in self._cache()["states"]
            if s.state in ("next", "active") or (s.state == "retired" and (s.drop_after or 0) > now)
        ]

    def jwks(self, now: float | None = None) -> dict:
        return {"keys": [self.jose_key(s.kid).as_dict(private=False) for s in self.published(now)]}

    def public_keyset(self, now: float | None = None):
        """The published keys as a joserfc KeySet, built once per set of published kids."""
        from joserfc import jwk

        kids = tuple(s.kid for s in self.published(now))
        built = self._cache().get("keyset")
        if built is None or built[0] != kids:
            keyset = jwk.KeySet.import_key_set(
                {"keys": [self.jose_key(kid).as_dict(private=False) for kid in kids]}
            )
            built = (kids, keyset)
            # The cache as it is now: while the folder is unsettled every read makes a new
            # one (the reads above too), and the next read copies the keyset from this one.
            self._cache()["keyset"] = built
        return built[1]

    def rotate(self, alg: str = "ES256", retire_after_seconds: float = 3600) -> KeyState:
        """Promote the next key to active, retire the active one, publish a new next key.

        With no next key yet (first rotation), one is generated and promoted at once; run
        rotate on a schedule so a next key is always published well ahead.
        """
        now = time.time()
        states = self.states()
        if not any(s.state == "active" and s.alg == alg for s in states):
            self._guard_replacement()
        nxt = next((s for s in states if s.state == "next" and s.alg == alg), None)
        if nxt is None:
            nxt = self.generate(alg, state="next")
        for state in states:
            if state.state == "active" and state.alg == alg:
                state.state = "retired"
                state.retired_at = now
                state.drop_after = now + retire_after_seconds
                self.save_state(state)
        nxt.state = "active"
        nxt.activated_at = now
        self.save_state(nxt)
        self.generate(alg, state="next")
        return nxt

    def drop(self, kid: str) -> None:
        """Remove a key for good (its tokens no longer verify)."""
        for path in (self.private_key_path(kid), self.folder / f"{kid}.state.json"):
            path.unlink(missing_ok=True)

    def prune(self, now: float | None = None) -> list[str]:
        """Drop retired keys whose tokens have all expired; returns their kids."""
        now = time.time() if now is None else now
        dropped = []
        for state in self.states():
            if state.state == "retired" and (state.drop_after or 0) <= now:
                self.drop(state.kid)
                dropped.append(state.kid)
        return dropped

    def active(self, alg: str = "ES256") -> KeyState | None:
        for state in reversed(self.states()):
            if state.state == "active" and state.alg == alg:
                return state
        return None

    def ensure_active(self, alg: str = "ES256") -> KeyState:
        """The active key for ``alg`` (generated when there is none), with a next key behind it."""
        active = self.active(alg)
        if active is None:
            self._guard_replacement()
            active = self.generate(alg, state="active")
        if not any(s.state == "next" and s.alg == alg for s in self.states()):
            self.generate(alg, state="next")
        return active

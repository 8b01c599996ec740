"""Signing keys on disk: one PEM (mode 0600) and one state file per key in keys/.

States: ``next`` (published, not signing), ``active`` (signs), ``retired`` (published until
``drop_after``), then removed. The OAuth issue builds rotation on top of this.
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
    def __init__(self, folder: Path):
        self.folder = Path(folder)

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

    def active(self, alg: str = "ES256") -> KeyState | None:
        for state in reversed(self.states()):
            if state.state == "active" and state.alg == alg:
                return state
        return None

    def ensure_active(self, alg: str = "ES256") -> KeyState:
        """The active key for ``alg``, generating the first one when there is none."""
        return self.active(alg) or self.generate(alg, state="active")

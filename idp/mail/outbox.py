from __future__ import annotations

import os
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from idp.mail.base import Mailer


class OutboxMailer(Mailer):
    """Writes each message as an .eml file a person can open; newest name sorts last."""

    name = "outbox"

    def __init__(self, sender: str, folder: Path):
        super().__init__(sender)
        self.folder = Path(folder)

    def deliver(self, msg: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = f"{time.time_ns():020d}-{os.getpid()}"
        tmp = self.folder / f".{stamp}.tmp"
        tmp.write_bytes(bytes(msg))
        tmp.rename(self.folder / f"{stamp}.eml")

    def check(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if not os.access(self.folder, os.W_OK):
            raise OSError(f"outbox folder {self.folder} is not writable")

    def messages(self, limit: int = 100) -> list[EmailMessage]:
        """Newest first."""
        if not self.folder.is_dir():
            return []
        files = sorted(self.folder.glob("*.eml"), reverse=True)[:limit]
        parser = BytesParser(policy=policy.default)
        return [parser.parsebytes(f.read_bytes()) for f in files]

from __future__ import annotations

import os
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from idp.mail.base import Mailer


class OutboxMailer(Mailer):
    """Writes each message as an .eml file a person can open; newest name sorts last.

    Messages carry live reset, unlock and invitation links, so the folder is created 0700
    and each file 0600: only the account running idp can read them."""

    def __init__(self, sender: str, folder: Path):
        super().__init__(sender)
        self.folder = Path(folder)

    def deliver(self, msg: EmailMessage) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = f"{time.time_ns():020d}-{os.getpid()}"
        tmp = self.folder / f".{stamp}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(bytes(msg))
        tmp.rename(self.folder / f"{stamp}.eml")

    def check(self) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not os.access(self.folder, os.W_OK):
            raise OSError(f"outbox folder {self.folder} is not writable")

    def messages(self, limit: int = 100) -> list[EmailMessage]:
        """Newest first."""
        if not self.folder.is_dir():
            return []
        files = sorted(self.folder.glob("*.eml"), reverse=True)[:limit]
        parser = BytesParser(policy=policy.default)
        return [parser.parsebytes(f.read_bytes()) for f in files]

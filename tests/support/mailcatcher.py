"""A real SMTP server (aiosmtpd) that keeps what it receives, for tests."""

from __future__ import annotations

import re
import socket
import threading
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from aiosmtpd.controller import Controller

LINK = re.compile(r"https?://[^\s<>\"']+")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler:
    def __init__(self, catcher: MailCatcher):
        self.catcher = catcher

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        msg = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        with self.catcher.lock:
            self.catcher.messages.append(msg)
        return "250 Message accepted for delivery"


class MailCatcher:
    host = "127.0.0.1"

    def __init__(self):
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.controller = Controller(_Handler(self), hostname=self.host, port=self.port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def wait_for(self, address: str, count: int = 1, timeout: float = 5.0) -> list[EmailMessage]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"expected {count} message(s) to {address}, got {self.to(address)}")

    @staticmethod
    def text(msg: EmailMessage) -> str:
        body = msg.get_body(preferencelist=("plain",))
        return body.get_content() if body else ""

    def last_link(self, address: str, contains: str = "") -> str:
        """The first link containing ``contains`` in the newest message to ``address``."""
        msg = self.wait_for(address)[-1]
        links = [u for u in LINK.findall(self.text(msg)) if contains in u]
        if not links:
            raise AssertionError(f"no link with {contains!r} in: {self.text(msg)}")
        return links[0]

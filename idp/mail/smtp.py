from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from idp.mail.base import Mailer


class SmtpMailer(Mailer):
    def __init__(
        self,
        sender: str,
        host: str,
        port: int,
        starttls: bool = True,
        username: str = "",
        password: str = "",
        timeout: int = 10,
    ):
        super().__init__(sender)
        self.host, self.port = host, port
        self.starttls, self.username, self.password = starttls, username, password
        self.timeout = timeout

    def _connect(self) -> smtplib.SMTP:
        conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        conn.ehlo()
        if self.starttls:
            conn.starttls(context=ssl.create_default_context())
            conn.ehlo()
        if self.username:
            conn.login(self.username, self.password)
        return conn

    def deliver(self, msg: EmailMessage) -> None:
        with self._connect() as conn:
            conn.send_message(msg)

    def check(self) -> None:
        with self._connect() as conn:
            conn.noop()

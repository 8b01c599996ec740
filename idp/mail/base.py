from __future__ import annotations

from abc import ABC, abstractmethod
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Protocol

from idp.mail.templates import render


def build_message(
    sender: str, to: str, subject: str, text: str, html: str | None = None
) -> EmailMessage:
    if any(c in to for c in "\r\n,;") or "@" not in to:
        raise ValueError(f"not a single email address: {to!r}")
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain="idp.local")
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    return msg


class Addressee(Protocol):
    email: str

    @property
    def shown_name(self) -> str: ...


def send_to(mailer: Any, person: Addressee, template: str, /, **values: Any) -> None:
    """Mail ``person`` the message ``template``, addressed by the name they are shown by
    (``name`` in the template); ``mailer`` is anything with ``send_template``."""
    mailer.send_template(person.email, template, name=person.shown_name, **values)


class Mailer(ABC):
    """The mail port: SMTP (``smtp.py``) or an outbox folder (``outbox.py``); one contract
    suite (tests/contract/test_mailer.py) runs against both."""

    def __init__(self, sender: str):
        self.sender = sender

    def send(self, to: str, subject: str, text: str, html: str | None = None) -> EmailMessage:
        """Send one message to one address; raises on failure."""
        msg = build_message(self.sender, to, subject, text, html)
        self.deliver(msg)
        return msg

    def send_template(self, to: str, name: str, /, **values: Any) -> EmailMessage:
        """Render the message ``name`` (``templates/email/<name>/``) and send it."""
        message = render(name, **values)
        return self.send(to, message.subject, message.text, message.html)

    @abstractmethod
    def deliver(self, msg: EmailMessage) -> None: ...

    @abstractmethod
    def check(self) -> None:
        """Raise when mail cannot be delivered (server unreachable, folder not writable)."""

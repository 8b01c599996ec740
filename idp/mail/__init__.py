"""Outgoing mail behind one port: SMTP, or an outbox folder of .eml files."""

from idp.mail.base import Mailer, send_to
from idp.mail.factory import build_mailer, mailer

__all__ = ["Mailer", "build_mailer", "mailer", "send_to"]

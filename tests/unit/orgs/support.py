"""Helpers for the organizations' service tests."""

from __future__ import annotations

from idp.extensions import db
from tests.support.mailcatcher import LINK


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def token_from(mail, address: str, marker: str) -> str:
    """The token at the end of the link containing ``marker`` in the last mail to ``address``."""
    link = [u for u in LINK.findall(mail.text(mail.wait_for(address)[-1])) if marker in u][0]
    return link.rsplit("/", 1)[1]

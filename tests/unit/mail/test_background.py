"""send_detached: a named template sent from a background thread; failures are logged."""

import logging

from idp.mail.background import send_detached
from idp.mail.outbox import OutboxMailer
from idp.mail.smtp import SmtpMailer
from tests.support.mailcatcher import free_port

VALUES = {"name": "Gwen Harper", "actor_name": "Dr. Omar Haddad"}


def test_sends_the_named_template_in_the_background(tmp_path):
    box = OutboxMailer("idp <no-reply@idp.test>", tmp_path)
    thread = send_detached(box, "gwen@maple.test", "mfa_reset", **VALUES)
    thread.join(5)
    [msg] = box.messages()
    assert msg["Subject"] == "Your two-step verification was reset"
    assert "Dr. Omar Haddad reset the two-step verification" in msg.get_content()


def test_a_mail_server_that_is_down_is_logged_not_raised(caplog):
    down = SmtpMailer("idp@idp.test", "127.0.0.1", free_port(), starttls=False, timeout=2)
    with caplog.at_level(logging.ERROR, logger="idp.mail.background"):
        send_detached(down, "gwen@maple.test", "mfa_reset", **VALUES).join(5)
    assert "could not send 'mfa_reset' to gwen@maple.test" in caplog.text


def test_a_missing_value_is_logged_and_nothing_is_sent(tmp_path, caplog):
    box = OutboxMailer("idp <no-reply@idp.test>", tmp_path)
    with caplog.at_level(logging.ERROR, logger="idp.mail.background"):
        send_detached(box, "gwen@maple.test", "mfa_reset", name="Gwen").join(5)
    assert "could not send 'mfa_reset'" in caplog.text and "actor_name" in caplog.text
    assert box.messages() == []

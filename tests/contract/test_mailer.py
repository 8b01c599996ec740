"""One contract for both mailers: what is sent arrives whole at one address."""

from __future__ import annotations

import pytest

from idp.mail.outbox import OutboxMailer
from idp.mail.smtp import SmtpMailer


@pytest.fixture(params=["smtp", "outbox"])
def delivery(request, mail, tmp_path):
    """A mailer and a function returning what was delivered to an address."""
    if request.param == "smtp":
        sender = SmtpMailer("idp <no-reply@idp.test>", mail.host, mail.port, starttls=False)
        return sender, lambda to: mail.wait_for(to)
    box = OutboxMailer("idp <no-reply@idp.test>", tmp_path / "outbox")
    return box, lambda to: [m for m in box.messages() if m["To"] == to]


def test_message_arrives_with_subject_text_and_link(delivery):
    sender, received = delivery
    sender.send(
        "office@clinic.test",
        "Verify your email",
        "Open https://idp.test/verify?token=abc to verify.",
        html="<p><a href='https://idp.test/verify?token=abc'>Verify</a></p>",
    )
    [msg] = received("office@clinic.test")
    assert msg["Subject"] == "Verify your email"
    assert msg["From"] == "idp <no-reply@idp.test>"
    assert "https://idp.test/verify?token=abc" in msg.get_body(("plain",)).get_content()
    assert msg.get_body(("html",)) is not None


@pytest.mark.parametrize("bad", ["a@b.test, c@d.test", "a@b.test\r\nBcc: x@y.test", "nobody"])
def test_refuses_anything_but_one_address(delivery, bad):
    sender, _ = delivery
    with pytest.raises(ValueError, match="single email address"):
        sender.send(bad, "s", "t")


def test_check_passes_when_reachable(delivery):
    sender, _ = delivery
    sender.check()


def test_smtp_check_fails_when_server_is_down():
    from tests.support.mailcatcher import free_port

    with pytest.raises(OSError):
        SmtpMailer("x <x@idp.test>", "127.0.0.1", free_port(), starttls=False, timeout=2).check()


def test_outbox_files_are_readable_eml(tmp_path):
    box = OutboxMailer("idp <no-reply@idp.test>", tmp_path / "outbox")
    box.send("a@clinic.test", "Hello", "Plain text body")
    [path] = list((tmp_path / "outbox").glob("*.eml"))
    content = path.read_text()
    assert "Subject: Hello" in content and "Plain text body" in content


def test_outbox_is_readable_only_by_its_owner(tmp_path):
    """Outbox messages hold live reset and invitation links."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        box = OutboxMailer("idp <no-reply@idp.test>", tmp_path / "outbox")
        box.send("a@clinic.test", "Reset", "https://idp.test/login/reset-password/secret")
    finally:
        os.umask(old)
    [path] = list((tmp_path / "outbox").glob("*.eml"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "outbox").stat().st_mode) == 0o700

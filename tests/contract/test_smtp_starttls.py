"""SMTP with STARTTLS and credentials, against a real aiosmtpd server that demands both."""

from __future__ import annotations

import datetime
import ipaddress
import smtplib
import ssl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from idp.mail.smtp import SmtpMailer
from tests.support.mailcatcher import free_port


def _self_signed(folder):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class _Inbox:
    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        self.received.append((session.authenticated, envelope.rcpt_tos))
        return "250 OK"


@pytest.fixture
def tls_server(tmp_path, monkeypatch):
    cert, key = _self_signed(tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    # The mailer verifies the server with the system's trust store; trust our test CA there.
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login, auth_data.password) == (b"idp-mailer", b"s3cret-pass")
        return AuthResult(success=ok)

    inbox = _Inbox()
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_ctx,
        require_starttls=True,
        authenticator=authenticate,
        auth_require_tls=True,
        auth_required=True,
    )
    controller.start()
    yield port, inbox
    controller.stop()


def test_starttls_and_credentials_deliver(tls_server):
    port, inbox = tls_server
    mailer = SmtpMailer(
        "idp <no-reply@idp.test>",
        "127.0.0.1",
        port,
        starttls=True,
        username="idp-mailer",
        password="s3cret-pass",  # noqa: S106
        timeout=5,
    )
    mailer.check()
    mailer.send("office@clinic.test", "Hello", "Body")
    # The server accepts mail only after STARTTLS and a successful AUTH with these credentials.
    assert inbox.received == [(True, ["office@clinic.test"])]


def test_without_starttls_the_server_refuses(tls_server):
    port, inbox = tls_server
    plain = SmtpMailer(
        "idp <no-reply@idp.test>",
        "127.0.0.1",
        port,
        starttls=False,
        username="idp-mailer",
        password="s3cret-pass",  # noqa: S106
    )
    with pytest.raises(smtplib.SMTPException):
        plain.send("office@clinic.test", "Hello", "Body")
    assert inbox.received == []

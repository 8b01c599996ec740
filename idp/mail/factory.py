from __future__ import annotations

from flask import current_app

from idp.mail.base import Mailer


def build_mailer(settings) -> Mailer:
    if settings.mail_backend == "smtp":
        from idp.mail.smtp import SmtpMailer

        return SmtpMailer(
            settings.mail_from_address,
            settings.mail_smtp_host,
            settings.mail_smtp_port,
            starttls=settings.mail_smtp_starttls,
            username=settings.mail_smtp_username,
            password=settings.mail_smtp_password,
            timeout=settings.mail_smtp_timeout_seconds,
        )
    from idp.mail.outbox import OutboxMailer

    folder = settings.instance_path / settings.mail_outbox_dir
    return OutboxMailer(settings.mail_from_address, folder)


def mailer() -> Mailer:
    ext = current_app.extensions
    if "idp.mail" not in ext:
        ext["idp.mail"] = build_mailer(current_app.config["IDP_SETTINGS"])
    return ext["idp.mail"]

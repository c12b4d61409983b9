"""Outgoing mail, sent by a background job: SMTP when ``LMS_MAIL_SERVER`` is set, else the log.

Queuing a message is part of the caller's transaction: a rollback sends nothing,
and the request answers without waiting for the mail server. A server that is
down is tried again with backoff (``lms.jobs``).
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

from lms.jobs import TransientError, enqueue, task

log = logging.getLogger("lms.mail")


def send_mail(to: str, subject: str, body: str, *, key: str | None = None,
              headers: dict[str, str] | None = None) -> None:
    """Queue a plain-text message; ``key`` names a message that must go out only once;
    ``headers`` adds header lines (``List-Unsubscribe``, say)."""
    if headers:
        enqueue("mail.send", key=key, to=to, subject=subject, body=body, headers=headers)
    else:
        enqueue("mail.send", key=key, to=to, subject=subject, body=body)


@task("mail.send", max_attempts=20)
def deliver_mail(to: str, subject: str, body: str, headers: dict[str, str] | None = None
                 ) -> None:
    message = compose(to, subject, body, headers)
    dispatch(message)


def compose(to: str, subject: str, body: str, headers: dict[str, str] | None = None
            ) -> EmailMessage:
    """A plain-text message from the site's sender (a task may attach files to it)."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message


def dispatch(message: EmailMessage) -> None:
    """Send ``message`` from inside a job: SMTP when configured, else the log.

    Raises TransientError when the mail server cannot be reached (the job is retried).
    """
    config = current_app.config
    to, subject, body = message["To"], message["Subject"], _text_of(message)
    if not config.get("MAIL_SERVER"):
        if config.get("LOG_MAIL_BODIES"):
            log.info("mail to %s: %s\n%s", to, subject, body)
        else:
            log.warning("mail to %s: %s (not sent: LMS_MAIL_SERVER is not set)", to, subject)
        return
    try:
        deliver(message, config)
    except (OSError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError) as exc:
        raise TransientError(f"mail server unreachable: {exc}") from exc


def _text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    return part.get_content() if part is not None else ""


def deliver(message: EmailMessage, config) -> None:
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)

"""Outgoing mail: SMTP when ``LMS_MAIL_SERVER`` is set, otherwise the log."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from functools import partial

from flask import Response, after_this_request, current_app, has_request_context

log = logging.getLogger("lms.mail")

#: The settings sending needs, copied so a message can go out after the app context ends.
_SETTINGS = ("MAIL_SENDER", "MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USERNAME",
             "MAIL_PASSWORD")


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text message; failures are logged, never shown to the member."""
    _send(to, subject, body, _settings())


def send_after_response(to: str, subject: str, body: str) -> None:
    """Send a plain-text message once the current response has gone out.

    The request then costs the same whether or not it mails someone (a reset
    request must not tell by its timing that an account exists). Outside a
    request (commands) the message is sent at once. A job queue can take this over.
    """
    if not has_request_context():
        send_mail(to, subject, body)
        return
    deliver_later = partial(_send, to, subject, body, _settings())

    @after_this_request
    def _on_close(response: Response) -> Response:
        response.call_on_close(deliver_later)
        return response


def _settings() -> dict:
    return {name: current_app.config.get(name) for name in _SETTINGS}


def _send(to: str, subject: str, body: str, config: dict) -> None:
    """Compose and send (composing is slow enough to show in a request's timing)."""
    if not config.get("MAIL_SERVER"):
        log.info("mail to %s: %s\n%s", to, subject, body)
        return
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        deliver(message, config)
    except (OSError, smtplib.SMTPException):
        log.exception("could not send mail to %s", to)


def deliver(message: EmailMessage, config) -> None:
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)

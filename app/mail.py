"""Outgoing e-mail: plain-text German mails through SMTP, or into the log without a server.

    send_mail(to, subject, body, *, background=False) -> bool

With `MAIL_SERVER` set (and `MAIL_PORT`, `MAIL_USERNAME`, `MAIL_PASSWORD`, `MAIL_USE_TLS`
for STARTTLS, `MAIL_USE_SSL`, `MAIL_FROM`, `MAIL_TIMEOUT`; see the README) the mail goes to
that SMTP server. Without it the whole mail is written to the logger "app.mail" at level
INFO, so that a developer finds one-time links in the terminal.

A failed send never raises: the error is logged and False is returned, and the calling
service decides what to tell the person (commit the action that caused the mail first).
With background=True a thread sends the mail and the call returns True at once, so that an
answer takes the same time whether a mail was sent or not and a slow server delays nobody
("Passwort vergessen?"); the thread logs a failure. `wait_for_pending_mail()` joins those
threads (tests, shutdown). Must be called inside an app context (it reads the config).
"""

import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from flask import current_app

logger = logging.getLogger("app.mail")
logger.setLevel(logging.INFO)  # the log fallback must be visible without any logging set-up

_pending: set[threading.Thread] = set()
_pending_lock = threading.Lock()


@dataclass(frozen=True)
class MailSettings:
    """The SMTP settings, read from the config once so that a thread can use them."""

    server: str
    port: int
    username: str
    password: str
    use_tls: bool
    use_ssl: bool
    sender: str
    timeout: float

    @classmethod
    def from_config(cls, config) -> "MailSettings":
        use_ssl, use_tls = bool(config.get("MAIL_USE_SSL")), bool(config.get("MAIL_USE_TLS"))
        default_port = 465 if use_ssl else 587 if use_tls else 25
        return cls(server=config.get("MAIL_SERVER") or "",
                   port=int(config.get("MAIL_PORT") or default_port),
                   username=config.get("MAIL_USERNAME") or "",
                   password=config.get("MAIL_PASSWORD") or "",
                   use_tls=use_tls, use_ssl=use_ssl,
                   sender=config.get("MAIL_FROM") or "wissensbasis@localhost",
                   timeout=float(config.get("MAIL_TIMEOUT") or 10))


def send_mail(to: str | list[str], subject: str, body: str, *, background: bool = False) -> bool:
    """Send a plain-text mail; False (and the error logged) when the SMTP server failed."""
    settings = MailSettings.from_config(current_app.config)
    message = build_message(settings.sender, to, subject, body)
    if not settings.server:
        _log_mail(message, body)
        return True
    if background:
        _start_thread(settings, message)
        return True
    return _deliver(settings, message)


def build_message(sender: str, to: str | list[str], subject: str, body: str) -> EmailMessage:
    """A UTF-8 plain-text message; line breaks in the subject are folded to spaces."""
    recipients = [to] if isinstance(to, str) else list(to)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(address.strip() for address in recipients)
    message["Subject"] = " ".join(subject.split())
    message["Date"] = formatdate(usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(body)
    return message


def wait_for_pending_mail(timeout: float = 30) -> None:
    """Wait until every mail sent with background=True has been handed over (or failed)."""
    with _pending_lock:
        threads = list(_pending)
    for thread in threads:
        thread.join(timeout)


def _log_mail(message: EmailMessage, body: str) -> None:
    if not logger.hasHandlers():  # no logging configured: INFO would be dropped
        logger.addHandler(logging.StreamHandler())
    logger.info("Mail not sent (no MAIL_SERVER configured):\nTo: %s\nSubject: %s\n\n%s",
                message["To"], message["Subject"], body)


def _connect(settings: MailSettings) -> smtplib.SMTP:
    if settings.use_ssl:
        return smtplib.SMTP_SSL(settings.server, settings.port, timeout=settings.timeout,
                                context=ssl.create_default_context())
    return smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)


def _deliver(settings: MailSettings, message: EmailMessage) -> bool:
    """Hand the message to the SMTP server; log and return False on any failure."""
    try:
        with _connect(settings) as connection:
            if settings.use_tls and not settings.use_ssl:
                connection.starttls(context=ssl.create_default_context())
            if settings.username:
                connection.login(settings.username, settings.password)
            connection.send_message(message)
    except (OSError, smtplib.SMTPException) as error:  # refused, timed out, TLS, auth
        logger.error("Mail to %s not sent (%s): %s: %s", message["To"], message["Subject"],
                     type(error).__name__, error)
        return False
    logger.info("Mail to %s sent: %s", message["To"], message["Subject"])
    return True


def _start_thread(settings: MailSettings, message: EmailMessage) -> None:
    thread = threading.Thread(target=_deliver_and_forget, args=(settings, message),
                              name="send-mail", daemon=True)
    with _pending_lock:
        _pending.add(thread)
    thread.start()


def _deliver_and_forget(settings: MailSettings, message: EmailMessage) -> None:
    try:
        _deliver(settings, message)
    finally:
        with _pending_lock:
            _pending.discard(threading.current_thread())

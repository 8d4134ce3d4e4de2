"""Email through an SMTP server named by one setting, ``SMTP_URL`` (tracker.config).

The standard library does the work (``email.message.EmailMessage`` for multipart messages,
``smtplib`` for the connection); this module only reads the setting and refuses to send
credentials or messages in the clear except to a relay the operator named as such.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from tracker import clock

Security = Literal["starttls", "tls", "none"]

# scheme: (how the connection is secured, the port when the address names none)
SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp": ("starttls", 587),
    "smtps": ("tls", 465),
    # A relay on the same machine or network that takes mail without TLS (a local Postfix,
    # the test suite's server). Named explicitly so that nobody gets it by leaving "s" out.
    "smtp+plain": ("none", 25),
}


class MailNotConfigured(RuntimeError):
    """Raised when something must send email and ``SMTP_URL`` is not set."""


class BadMailSetting(ValueError):
    """``SMTP_URL`` or ``MAIL_FROM`` cannot be used; the message says which and why."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: Security
    username: str | None
    password: str | None
    timeout: float
    sender: str

    def __repr__(self) -> str:  # never print the password (logs, --dry-run)
        return f"SmtpSettings({self.security}://{self.host}:{self.port}, from {self.sender!r})"


def configured(config: Mapping[str, Any]) -> bool:
    """Whether email can be sent at all (the pages say so plainly when it cannot)."""
    return bool(config.get("SMTP_URL"))


def settings(config: Mapping[str, Any]) -> SmtpSettings:
    """The SMTP settings, checked; raises MailNotConfigured or BadMailSetting."""
    url = config.get("SMTP_URL")
    if not url:
        raise MailNotConfigured("email is not set up: set TRACKER_SMTP_URL (see the README)")
    parts = urlsplit(str(url))
    if parts.scheme not in SCHEMES:
        raise BadMailSetting(
            f"TRACKER_SMTP_URL must start with {', '.join(s + '://' for s in SCHEMES)}"
        )
    if not parts.hostname:
        raise BadMailSetting("TRACKER_SMTP_URL names no host")
    security, default_port = SCHEMES[parts.scheme]
    try:
        port = parts.port or default_port
    except ValueError as error:
        raise BadMailSetting(f"TRACKER_SMTP_URL: {error}") from None
    return SmtpSettings(
        host=parts.hostname,
        port=port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        timeout=float(config.get("SMTP_TIMEOUT_SECONDS") or 30),
        sender=sender(config, parts.hostname),
    )


def sender(config: Mapping[str, Any], smtp_host: str = "localhost") -> str:
    """The From address: ``MAIL_FROM``, else the site's name at the base address's host."""
    configured_from = config.get("MAIL_FROM")
    if configured_from:
        return str(configured_from)
    host = urlsplit(str(config.get("BASE_URL") or "")).hostname or smtp_host
    return str(
        Address(
            display_name=str(config.get("SITE_NAME") or "tracker"), username="alerts", domain=host
        )
    )


def message(
    config: Mapping[str, Any],
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """A message ready to send: plain text, and HTML as its alternative when given."""
    msg = EmailMessage()
    msg["From"] = sender(config)
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(clock.now().astimezone())
    msg["Message-ID"] = make_msgid(domain=urlsplit(str(config.get("BASE_URL") or "")).hostname)
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg


@contextmanager
def connection(config: Mapping[str, Any]) -> Iterator[smtplib.SMTP]:
    """One SMTP session, secured as the setting says; send with ``send_message``.

    A round sends every message through one session and marks each as it goes, so an error
    half-way leaves the messages already handed over marked sent.
    """
    smtp = settings(config)
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if smtp.security == "tls":
        client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    try:
        client.ehlo()
        if smtp.security == "starttls":
            # Required, not opportunistic: smtplib raises if the server does not offer it, so
            # credentials and messages never go out in the clear by accident.
            client.starttls(context=context)
            client.ehlo()
        if smtp.username:
            client.login(smtp.username, smtp.password or "")
        yield client
    finally:
        try:
            client.quit()
        except smtplib.SMTPException:
            client.close()

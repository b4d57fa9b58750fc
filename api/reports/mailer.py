"""Report e-mails: the message in the brand's language with the file attached, sent over SMTP."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

import aiosmtplib
from babel.dates import format_date

from domain.enums import ReportFormat, ReportKind
from domain.settings import get_settings

log = logging.getLogger(__name__)

SMTP_TIMEOUT = 30.0
TLS_MODES = ("none", "starttls", "tls")

# Subject and body per language; a brand in another language gets English words with its
# own date format. Kept here, not in the report's catalogues: it is a handful of lines.
_WORDS: dict[str, dict[str, str]] = {
    "en": {
        ReportKind.ROI: "performance and ROI report",
        ReportKind.STRATEGY: "strategy report",
        "subject": "{brand}: {kind}, {period}",
        "body": "Hello,\n\nplease find attached the {kind} of {brand} for {period}.\n\n"
                "Kind regards,\n{agency}\n",
    },
    "it": {
        ReportKind.ROI: "report di performance e ROI",
        ReportKind.STRATEGY: "report strategico",
        "subject": "{brand}: {kind}, {period}",
        "body": "Buongiorno,\n\nin allegato il {kind} di {brand} per {period}.\n\n"
                "Cordiali saluti,\n{agency}\n",
    },
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    tls: str = "none"  # none, starttls or tls
    username: str = ""
    password: str = ""
    sender: str = "reports@coso.example"
    timeout: float = SMTP_TIMEOUT

    @classmethod
    def from_settings(cls) -> SmtpConfig:
        s = get_settings()
        return cls(host=s.smtp_host, port=s.smtp_port, tls=s.smtp_tls.strip().lower(),
                   username=s.smtp_username, password=s.smtp_password, sender=s.mail_from)


@dataclass(frozen=True, slots=True)
class ReportMail:
    """What one e-mail says: whose report, of what period, from which agency."""

    brand: str
    agency: str
    footer: str
    kind: ReportKind
    format: ReportFormat
    period_start: date
    locale: str
    recipients: tuple[str, ...]
    filename: str
    content: bytes


def _one_line(text: str) -> str:
    # User text becomes a header: no line break may smuggle in another header.
    return _CONTROL.sub(" ", text).strip()


def build_message(mail: ReportMail, sender: str, *, message_key: str = "") -> EmailMessage:
    language = mail.locale.split("_")[0].lower()
    words = _WORDS.get(language, _WORDS["en"])
    try:
        period = format_date(mail.period_start, "LLLL yyyy", locale=mail.locale)
    except (ValueError, LookupError):
        period = mail.period_start.strftime("%Y-%m")
    values = {"brand": _one_line(mail.brand), "agency": _one_line(mail.agency),
              "kind": words[mail.kind], "period": period}
    message = EmailMessage()
    message["Subject"] = words["subject"].format(**values)
    message["From"] = formataddr((values["agency"], sender)) if values["agency"] else sender
    message["To"] = ", ".join(mail.recipients)
    domain = sender.rpartition("@")[2] or "coso.example"
    message["Message-ID"] = make_msgid(idstring=message_key or None, domain=domain)
    body = words["body"].format(**values)
    if mail.footer.strip():
        body += "\n--\n" + mail.footer.strip() + "\n"
    message.set_content(body)
    message["Content-Language"] = language  # moves to the text part with the attachment
    maintype, subtype = (("application", "pdf") if mail.format is ReportFormat.PDF
                         else ("text", "html"))
    if maintype == "text":
        message.add_attachment(mail.content.decode("utf-8"), subtype=subtype,
                               filename=mail.filename)
    else:
        message.add_attachment(mail.content, maintype=maintype, subtype=subtype,
                               filename=mail.filename)
    return message


class MailError(RuntimeError):
    """The server could not be reached or refused every recipient."""


async def send_message(message: EmailMessage, config: SmtpConfig) -> str:
    """Send; returns the recipients the server refused (empty when all were accepted)."""
    if config.tls not in TLS_MODES:
        raise MailError(f"COSO_SMTP_TLS is {config.tls!r}: use one of {', '.join(TLS_MODES)}")
    try:
        refused, _ = await aiosmtplib.send(
            message, sender=config.sender, hostname=config.host, port=config.port,
            username=config.username or None, password=config.password or None,
            use_tls=config.tls == "tls", start_tls=config.tls == "starttls",
            timeout=config.timeout,
        )
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
        reason = str(error) or type(error).__name__
        raise MailError(f"SMTP {config.host}:{config.port}: {reason}"[:1000]) from error
    return "; ".join(f"{address}: {response.message}" for address, response in refused.items())


def build_link_message(to: str, subject: str, body: str, sender: str) -> EmailMessage:
    """A plain-text message carrying a link (an invitation, a recipient confirmation)."""
    message = EmailMessage()
    message["Subject"] = _one_line(subject)
    message["From"] = sender
    message["To"] = to
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "coso.example")
    message.set_content(body)
    return message


async def send_link_mail(to: str, subject: str, body: str) -> bool:
    """Send one link mail with the configured server; False (logged) when it failed."""
    config = SmtpConfig.from_settings()
    try:
        refused = await send_message(build_link_message(to, subject, body, config.sender),
                                     config)
    except MailError:
        log.warning("link mail to %s not sent", to, exc_info=True)
        return False
    return not refused

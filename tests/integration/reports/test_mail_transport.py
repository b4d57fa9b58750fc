"""The SMTP settings against a local aiosmtpd: STARTTLS, implicit TLS, login, and their failures."""

from __future__ import annotations

import ipaddress
import ssl
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from api.reports.mailer import MailError, ReportMail, SmtpConfig, build_message, send_message
from domain.enums import ReportFormat, ReportKind
from tests.integration.reports.jobs_support import Inbox, free_port

USER, PASSWORD = "agency", "s3cret!"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture
def trusted(certificate, monkeypatch) -> ssl.SSLContext:
    """The server's TLS context; the client trusts the certificate like a CA's."""
    cert_file, key_file = certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))  # OpenSSL's default trust store
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode()
          and auth_data.password == PASSWORD.encode())
    return AuthResult(success=ok, handled=False)  # not handled: the server answers 535


def _serve(inbox: Inbox, **options) -> Controller:
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    return controller


def _message():
    mail = ReportMail(brand="Acme", agency="Studio Nord", footer="", kind=ReportKind.ROI,
                      format=ReportFormat.PDF, period_start=date(2026, 10, 1), locale="en_GB",
                      recipients=("ceo@acme.example",), filename="acme-roi-2026-10.pdf",
                      content=b"%PDF-1.7 test")
    return build_message(mail, "reports@agency.example")


def _config(controller: Controller, tls: str, **values) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=controller.port, tls=tls,
                      sender="reports@agency.example", timeout=10, **values)


async def test_starttls_with_login(trusted):
    inbox = Inbox()
    server = _serve(inbox, tls_context=trusted, require_starttls=True,
                    authenticator=_authenticate, auth_required=True)
    try:
        refused = await send_message(_message(), _config(server, "starttls", username=USER,
                                                         password=PASSWORD))
    finally:
        server.stop()
    assert refused == "" and len(inbox.messages) == 1
    assert inbox.parsed()[0].get_filename() is None  # the PDF is a part, not the message


async def test_implicit_tls(trusted):
    inbox = Inbox()
    server = _serve(inbox, ssl_context=trusted)
    try:
        await send_message(_message(), _config(server, "tls"))
    finally:
        server.stop()
    assert [rcpts for _, rcpts, _ in inbox.messages] == [["ceo@acme.example"]]


@pytest.mark.parametrize(("tls", "login", "reason"), [
    ("starttls", (USER, "wrong"), "535"),  # the server refuses the login
    ("none", (USER, PASSWORD), "STARTTLS"),  # plain text where the server requires TLS
    ("starttls", ("", ""), "530"),  # no login where one is required
    ("ssl", ("", ""), "COSO_SMTP_TLS is 'ssl'"),
])
async def test_failures_name_their_reason(trusted, tls, login, reason):
    inbox = Inbox()
    server = _serve(inbox, tls_context=trusted, require_starttls=True,
                    authenticator=_authenticate, auth_required=True)
    try:
        with pytest.raises(MailError) as raised:
            await send_message(_message(), _config(server, tls, username=login[0],
                                                   password=login[1]))
    finally:
        server.stop()
    assert reason in str(raised.value) and PASSWORD not in str(raised.value)
    assert inbox.messages == []


async def test_an_untrusted_certificate_is_refused(certificate):
    cert_file, key_file = certificate  # served, but not trusted by the client
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    inbox = Inbox()
    server = _serve(inbox, ssl_context=context)
    try:
        with pytest.raises(MailError) as raised:
            await send_message(_message(), _config(server, "tls"))
    finally:
        server.stop()
    assert "CERTIFICATE_VERIFY_FAILED" in str(raised.value) and inbox.messages == []

"""E-mail: a message built as mail programs and spam filters expect it, and handed to an SMTP
server (``VIDPAY_SMTP_URL``).

``smtp://user:pass@host:587`` speaks STARTTLS whenever the server offers it (and never sends
the password in the clear: a server that asks for a login without offering TLS is refused);
``smtps://host:465`` is TLS from the first byte. One connection carries many messages and is
opened again when the server drops it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from urllib.parse import unquote, urlsplit

import zxingcpp
from PIL import Image

from app.models.base import utcnow
from app.outreach.texts import QR_CID, Letter

TIMEOUT = 30.0  # seconds per SMTP command


class MailError(RuntimeError):
    """The server did not take the message. ``transient``: trying later may help (a 4xx
    answer, no connection), not when it refused this message for good (a 5xx answer to the
    recipient or the content). ``down``: no message can go now (no connection, the login or
    the sender refused), so the others wait too instead of failing one by one."""

    def __init__(self, message: str, *, transient: bool, down: bool = False) -> None:
        super().__init__(message)
        self.transient = transient or down
        self.down = down


@dataclass(frozen=True)
class Envelope:
    """Who a message is from and to, and its stable identity."""

    sender: str  # VIDPAY_MAIL_FROM, e.g. incasso@energie.example
    creditor: str  # shown as the sender's name
    to: str
    key: str  # the message's outbox key: its Message-ID is made from it
    unsubscribe: str  # the one-click unsubscribe URL (RFC 8058)


def message_id(key: str, sender: str) -> str:
    """The same for every attempt at one message: a copy that reaches the debtor twice (a
    crash after the server took it) is one message to their mail program."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{sender.rpartition('@')[2] or 'vidpay.invalid'}>"


def build_email(letter: Letter, envelope: Envelope, link: str) -> Message:
    """``multipart/alternative``: the plain text, and the HTML with the QR code of ``link``
    beside it (``multipart/related``). Built with the classic MIME classes: the newer
    ``EmailMessage`` re-parses and re-folds every header, 8 ms a message."""
    html = MIMEMultipart("related", boundary=_boundary())
    html.attach(MIMEText(letter.html, "html", "utf-8"))
    image = MIMEImage(qr_png(link), "png")
    image["Content-ID"] = f"<{QR_CID}>"
    image["Content-Disposition"] = 'inline; filename="qr-code.png"'
    html.attach(image)
    message = MIMEMultipart("alternative", boundary=_boundary())
    plain = MIMENonMultipart("text", "plain")
    plain.set_payload(letter.text, _READABLE)
    message.attach(plain)
    message.attach(html)
    message["Subject"] = Header(letter.subject, "utf-8").encode()
    message["From"] = formataddr((envelope.creditor, envelope.sender), "utf-8")
    message["To"] = envelope.to
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id(envelope.key, envelope.sender)
    message["List-Unsubscribe"] = f"<{envelope.unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


# The plain part in quoted-printable: readable as it is, in a raw message or a mail program that
# shows the source (an operator checking what was sent), where base64 is not; the HTML and the
# image stay base64.
_READABLE = Charset("utf-8")
_READABLE.body_encoding = QP


def _boundary() -> str:
    """Random, starting "=_", which neither base64 nor quoted-printable ever writes (RFC 2045,
    6.7), with a dot: the generator need not search the parts for it (a regular expression
    compiled per message, a tenth of the message's cost)."""
    return f"=_vidpay.{secrets.token_hex(12)}"


def qr_png(link: str) -> bytes:
    """The link as a QR code, 6 pixels a module, black on white. zxing-cpp encodes in C++ in
    half a millisecond; the pure-Python ``qrcode`` took 13 ms, which over 20,000 e-mails is
    four minutes of one core."""
    code = zxingcpp.create_barcode(link, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    pixels = code.to_image(scale=6, add_quiet_zones=True)
    height, width = pixels.shape[:2]
    raw = memoryview(pixels).tobytes()  # type: ignore[arg-type]  # zxingcpp.Image is a buffer
    image = Image.frombuffer("L", (width, height), raw, "raw", "L", 0, 1)
    buffer = io.BytesIO()
    image.convert("1").save(buffer, format="PNG")
    return buffer.getvalue()


class Mailer:
    """One SMTP connection, opened when first needed and again after the server dropped it."""

    def __init__(
        self, url: str, *, context: ssl.SSLContext | None = None, timeout: float = TIMEOUT
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(
                "VIDPAY_SMTP_URL must look like smtp://user:pass@host:587 or smtps://host"
            )
        self.tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.tls else 25)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password or "")
        self.context = context or ssl.create_default_context()
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: Message, sender: str, to: str) -> None:
        """Hand the message over; ``MailError`` when the server did not take it."""
        smtp = self._connection()
        try:
            refused = smtp.send_message(message, from_addr=sender, to_addrs=[to])
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise _refusal(code, reply) from None
        except smtplib.SMTPSenderRefused as exc:
            self._drop()
            raise _refusal(exc.smtp_code, exc.smtp_error, down=True) from None
        except smtplib.SMTPResponseException as exc:
            self._drop()
            raise _refusal(exc.smtp_code, exc.smtp_error, down=exc.smtp_code == 421) from None
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise MailError(
                f"{type(exc).__name__}: {exc}"[:500], transient=True, down=True
            ) from None
        if refused:  # only with several recipients; one refused raises above
            code, reply = next(iter(refused.values()))
            raise _refusal(code, reply)

    def _connection(self) -> smtplib.SMTP:
        """The open connection, or a new one: greeted, secured, logged in."""
        if self._smtp is not None:
            return self._smtp
        try:
            self._smtp = self._connect()
        except MailError:
            raise
        except smtplib.SMTPResponseException as exc:
            raise _refusal(exc.smtp_code, exc.smtp_error, down=True) from None
        except (smtplib.SMTPException, OSError) as exc:
            where = f"{self.host}:{self.port}"
            raise MailError(
                f"cannot reach {where}: {type(exc).__name__}: {exc}"[:500],
                transient=True,
                down=True,
            ) from None
        return self._smtp

    def _connect(self) -> smtplib.SMTP:
        if self.tls:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self.context
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            secure = self.tls
            if not secure and smtp.has_extn("starttls"):
                smtp.starttls(context=self.context)
                smtp.ehlo()
                secure = True
            if self.user:
                if not secure:
                    raise MailError(
                        "the SMTP server offers no TLS; the password is not sent in the clear",
                        transient=True,
                        down=True,
                    )
                smtp.login(self.user, self.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None

    def close(self) -> None:
        """Say goodbye to the server (QUIT), or just close when it is gone."""
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._drop()


def _refusal(code: int, reply: bytes | str, *, down: bool = False) -> MailError:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
    return MailError(f"SMTP {code}: {text}"[:500], transient=400 <= code < 500, down=down)

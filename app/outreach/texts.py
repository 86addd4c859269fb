"""What a message to a debtor says, in their language.

The words are msgids in the interface's gettext domain (``make messages`` extracts them with
the player's, and a translator sees them beside the buttons they lead to). Written for people
who read with difficulty: short sentences, what the video is for, what they can choose, and
how to tell the message is real, with the link as the one thing to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader

from app.i18n import gettext_for
from app.outreach.sms import fits
from app.outreach.wording import LINK, Occasion, Wording, wording

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "messages"
QR_CID = "qr-code"  # the inline QR code's Content-ID in the e-mail's HTML part


@dataclass(frozen=True)
class Addressee:
    """Who a message is for and what it points to."""

    name: str
    language: str
    amount_cents: int | None
    link: str  # the debtor's personal link
    unsubscribe: str  # where they stop these messages
    creditor: str  # who writes, as the debtor knows them


@dataclass(frozen=True)
class Letter:
    subject: str
    text: str  # the plain-text part, complete on its own
    html: str  # the HTML part; its QR code is the related image ``cid:qr-code``


def link_letter(to: Addressee, occasion: Occasion = LINK) -> Letter:
    """The e-mail that brings a debtor their personal video, or reminds them of it."""
    _ = gettext_for(to.language)
    said = _wording(to, occasion)
    words = {
        "hello": _("Hello {name},").format(name=to.name),
        "about": said.about,
        "choose": _(
            "In the video you choose what suits you: pay now, pay in parts, ask for more "
            "time or ask for help. It takes about two minutes."
        )
        if said.video
        else "",
        "button": said.button,
        "scan": _("Or scan this code with the camera of your phone."),
        "copy": _("Or copy this link into your browser:"),
        "real": _(
            "Is this e-mail real? Our links always start with {site}. We never ask for a "
            "password or bank details by e-mail."
        ).format(site=_site(to.link)),
        "regards": _("Kind regards,"),
        "why": _("You receive this e-mail because you have an account with {creditor}.").format(
            creditor=to.creditor
        ),
        "stop": _("No more e-mails about this?"),
        "unsubscribe": _("Unsubscribe"),
        "qr_alt": _("QR code of your personal link"),
    }
    text = "\n\n".join(
        [
            words["hello"],
            f"{words['about']} {words['choose']}".strip(),
            f"{words['button']}:\n{to.link}",
            f"{words['real']}\n{to.link}/real?lang={to.language}",
            f"{words['regards']}\n{to.creditor}",
            f"{words['why']} {words['stop']} {words['unsubscribe']}: {to.unsubscribe}",
        ]
    )
    html = (
        _environment()
        .get_template("letter.html")
        .render(lang=to.language, subject=said.subject, to=to, words=words, qr_cid=QR_CID)
    )
    return Letter(said.subject, text + "\n", html)


def link_sms(to: Addressee, occasion: Occasion = LINK) -> str:
    """The SMS with the debtor's link, in one or two parts: the longest form that fits (a
    Turkish name makes the text UCS-2, 134 characters in two parts, so it often needs a
    shorter one)."""
    _ = gettext_for(to.language)
    stop = _("Reply STOP to stop.")
    forms = [*_wording(to, occasion).sms, f"{to.creditor}:"]  # last: the link alone
    candidates = [_sms_spaces(f"{form} {to.link} {stop}") for form in forms]
    return next((text for text in candidates if fits(text)), candidates[-1])


def _wording(to: Addressee, occasion: Occasion) -> Wording:
    return wording(
        occasion,
        creditor=to.creditor,
        name=to.name,
        language=to.language,
        open_cents=to.amount_cents,
    )


def _sms_spaces(text: str) -> str:
    """Babel puts a no-break space between € and the amount; GSM-7 has no such character,
    and one of them would make the whole SMS UCS-2 (70 characters a part instead of 160)."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _site(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.scheme}://{parts.netloc}"


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)

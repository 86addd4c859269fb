"""What each kind of message is about, in the debtor's language: the link itself and the
reminders. ``app.outreach.texts`` puts these words into an e-mail or an SMS.

Reminders are written for someone who may be ashamed or afraid of post about money: what is
coming or what has happened, in one sentence, and that they can still choose, never a threat.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from app.i18n import day, gettext_for, money


@dataclass(frozen=True)
class Occasion:
    """Why a message goes: ``link``, or a reminder's kind with what it is about."""

    kind: str = "link"  # link, not_opened, promise, instalment, broken
    day: date | None = None  # the date to pay (promise, instalment)
    cents: int | None = None  # what that date asks, else what is open
    number: int | None = None  # the instalment's number


LINK = Occasion()


@dataclass(frozen=True)
class Wording:
    subject: str
    about: str  # the e-mail's first sentences
    video: bool  # the e-mail tells what the video offers (link, not opened)
    button: str
    sms: list[str]  # SMS openings, longest first; the link and STOP follow


def wording(
    kind: Occasion, *, creditor: str, name: str, language: str, open_cents: int | None
) -> Wording:
    """The words for this occasion; ``open_cents`` is what the debtor still owes, if known."""
    _ = gettext_for(language)
    cents = kind.cents if kind.cents is not None else open_cents
    amount = money(cents, language) if cents is not None else None
    when = day(kind.day, language) if kind.day else ""
    facts: dict[str, object] = {"creditor": creditor, "name": name, "amount": amount, "date": when,
             "number": kind.number}  # fmt: skip
    page = _("Go to your page")
    if kind.kind == "not_opened":
        return Wording(
            _("{creditor}: your video is still waiting for you").format(**facts),
            _("A few days ago we sent you a short video about your payment. "
              "You have not watched it yet.") if amount is None else _(
                "A few days ago we sent you a short video about the {amount} that is still "
                "open. You have not watched it yet.").format(**facts),
            True,
            _("Watch your video"),
            _forms(amount, _("{creditor}: your video about your payment of {amount} is still "
                             "waiting for you:"), _("{creditor}: your video is still waiting:"),
                   facts),
        )  # fmt: skip
    if kind.kind == "promise":
        return Wording(
            _("{creditor}: a reminder of your payment tomorrow").format(**facts),
            _("As agreed, you will pay {amount} tomorrow, {date}. You can pay easily on your "
              "personal page.").format(**facts),
            False,
            page,
            _forms(amount, _("{creditor}: as agreed, you pay {amount} tomorrow ({date}). "
                             "Pay here:"), _("{creditor}: a reminder of your payment tomorrow:"),
                   facts),
        )  # fmt: skip
    if kind.kind == "instalment":
        return Wording(
            _("{creditor}: your instalment is due tomorrow").format(**facts),
            _("Tomorrow, {date}, instalment {number} of {amount} of your payment plan is due. "
              "You can pay it on your personal page.").format(**facts),
            False,
            page,
            _forms(amount, _("{creditor}: tomorrow ({date}) instalment {number} of {amount} "
                             "is due. Pay here:"), _("{creditor}: your instalment is due "
                                                     "tomorrow:"), facts),
        )  # fmt: skip
    if kind.kind == "broken":
        return Wording(
            _("{creditor}: we have not received your payment").format(**facts),
            _("We have not received the payment we agreed. That can happen. On your personal "
              "page you can pay, make a new arrangement or ask for help."),
            False,
            page,
            _forms(amount, _("{creditor}: we have not received your payment of {amount}. See "
                             "what you can do:"), _("{creditor}: we have not received your "
                                                    "payment:"), facts),
        )  # fmt: skip
    return _link(facts, amount, language)


def _link(facts: Mapping[str, object], amount: str | None, language: str) -> Wording:
    _ = gettext_for(language)
    about = (
        _("We made a short video for you about your payment.")
        if amount is None
        else _("We made a short video for you about the {amount} that is still open.")
    )
    forms = [_("{creditor}: a short video about your payment:")]
    if amount is not None:
        forms[:0] = [
            _("{creditor}: Hello {name}, we made a short video about your payment of {amount}:"),
            _("{creditor}: a short video about your open {amount}:"),
        ]
    return Wording(
        _("{creditor}: a short video about your payment").format(**facts),
        about.format(**facts),
        True,
        _("Watch your video"),
        [form.format(**facts) for form in forms],
    )


def _forms(amount: str | None, long: str, short: str, facts: Mapping[str, object]) -> list[str]:
    forms = [long, short] if amount is not None else [short]
    return [form.format(**facts) for form in forms]

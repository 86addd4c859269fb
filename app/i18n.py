"""The player's own words (buttons, forms, messages) in the debtor's language.

Interface strings are msgids in the code and templates, extracted with Babel into the
``vidpay-player`` gettext domain (``make messages``) and read from the project's
``translations/<lang>/LC_MESSAGES/vidpay-player.po``. A missing translation shows the English.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.messages.mofile import write_mo
from babel.support import Translations

from render.content import BUNDLED
from render.formatting import format_day, format_money
from render.i18n import read_catalogue

DOMAIN = "vidpay-player"
LANGUAGES = ("nl", "en", "de", "tr", "es")  # the interface's languages (English is the source)
Gettext = Callable[[str], str]


@cache
def translations(language: str) -> Translations:
    """The catalogue compiled in memory (fuzzy entries left out), read once per process."""
    path = BUNDLED / "translations" / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    po = read_catalogue(path, language)[0] if path.is_file() else None
    if po is None:
        return Translations(domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, po.catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def gettext_for(language: str) -> Gettext:
    """``_`` for templates and messages: the translation, or the English msgid (also for a
    language the interface does not have, such as a ``?lang=`` typed by hand)."""
    return translations(language if language in LANGUAGES else "en").gettext


def language_name(code: str) -> str:
    """A language named in itself, as a language picker shows it: Nederlands, Türkçe."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def money(cents: int, language: str) -> str:
    return format_money(Decimal(cents) / 100, language)


def day(value: date, language: str) -> str:
    return format_day(value, language)

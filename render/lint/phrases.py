"""The words the compliance rules look for, per language (nl, en, de, tr, es).

A phrase matches whole words, case-insensitively; a ``*`` at its end stands for any ending
("cost*" matches "costs"). The lists are deliberately short and literal: a rule that fires on
a plain sentence teaches designers to ignore it, and every list can be read in one go by the
compliance officer who signs the video off.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from render.formatting import base_language

# Collection costs (WIK): a text that mentions them must say the 14-day term and the amount.
COSTS = {
    "en": [
        "collection cost*",
        "extra cost*",
        "cost you extra",
        "additional cost*",
        "debt collection fee*",
    ],
    "nl": ["incassokosten", "extra kosten", "kost u extra", "kost je extra", "bijkomende kosten"],
    "de": [
        "Inkassokosten",
        "zusätzliche* Kosten",
        "Mahnkosten",
        "Mehrkosten",
        "kostet Sie extra",
        "kostet Sie zusätzlich*",
    ],
    "tr": ["tahsilat masraf*", "ek masraf*", "ek ücret*", "icra masraf*"],
    "es": [
        "gastos de cobro",
        "costes adicionales",
        "costos adicionales",
        "gastos adicionales",
        "le costará más",
    ],
}
# The 14-day term of the WIK reminder ("veertiendagenbrief"), as it is said in each language.
TERM = {
    "en": ["14 days", "fourteen days", "two weeks"],
    "nl": ["14 dagen", "veertien dagen", "twee weken"],
    "de": ["14 Tage*", "vierzehn Tage*", "zwei Wochen"],
    "tr": ["14 gün*", "on dört gün*", "iki hafta*"],
    "es": ["14 días", "catorce días", "dos semanas"],
}
# A choice that says the debtor cannot pay: from there, a debt-help referral must follow.
CANNOT_PAY = {
    "en": ["cannot pay", "can't pay", "can not pay", "unable to pay", "not able to pay"],
    "nl": [
        "kan niet betalen",
        "kan het niet betalen",
        "kan ik niet betalen",
        "niet kunnen betalen",
    ],
    "de": ["kann nicht zahlen", "kann nicht bezahlen", "kann nicht *zahlen", "nicht zahlen kann"],
    "tr": ["ödeyemiyorum", "ödeyemem", "ödeme yapamıyorum"],
    "es": ["no puedo pagar", "no puedo abonar"],
}
# Firm wording: the debtor must have been offered a plan or more time before hearing it.
FIRM = {
    "en": [
        "last reminder",
        "final reminder",
        "final notice",
        "collection agency",
        "debt collector*",
        "bailiff*",
        "legal action",
        "court",
    ],
    "nl": [
        "laatste herinnering",
        "laatste aanmaning",
        "incassobureau*",
        "deurwaarder*",
        "gerechtelijke stappen",
        "rechter",
        "rechtbank",
    ],
    "de": [
        "letzte Mahnung",
        "letzte Erinnerung",
        "Inkassobüro*",
        "Inkassounternehmen",
        "Gerichtsvollzieher*",
        "rechtliche Schritte",
        "Gericht",
    ],
    "tr": [
        "son hatırlatma*",
        "tahsilat şirket*",
        "tahsilat büro*",
        "icra*",
        "avukat*",
        "mahkeme*",
        "yasal işlem*",
    ],
    "es": [
        "último aviso",
        "último recordatorio",
        "agencia de cobro*",
        "empresa de cobro*",
        "acciones legales",
        "juzgado",
        "tribunal*",
    ],
}
# What counts as offering a way out before the firm wording.
OFFER = {
    "en": [
        "in parts",
        "payment plan",
        "instalment*",
        "installment*",
        "more time",
        "pay later",
        "a little later",
        "a bit later",
    ],
    "nl": [
        "in delen",
        "in termijnen",
        "betalingsregeling",
        "meer tijd",
        "later betalen",
        "iets later",
    ],
    "de": [
        "in Raten",
        "Ratenzahlung",
        "mehr Zeit",
        "später zahlen",
        "später bezahlen",
        "etwas später",
    ],
    "tr": [
        "taksit*",
        "ödeme plan*",
        "daha fazla zaman",
        "daha fazla süre",
        "daha sonra öde*",
        "biraz daha geç",
    ],
    "es": ["a plazos", "plan de pago*", "más tiempo", "pagar más tarde", "un poco más tarde"],
}
# Threats a collection video never makes (a creditor adds to these in the content root).
FORBIDDEN = {
    "en": [
        "arrest*",
        "police",
        "prison",
        "jail",
        "criminal",
        "your employer",
        "your boss",
        "your neighbo*",
        "blacklist*",
        "black list",
    ],
    "nl": [
        "arrest*",
        "politie",
        "gevangenis",
        "strafbaar",
        "uw werkgever",
        "je werkgever",
        "uw baas",
        "uw buren",
        "je buren",
        "zwarte lijst",
    ],
    "de": [
        "Verhaftung",
        "verhaft*",
        "Polizei",
        "Gefängnis",
        "strafbar",
        "Ihr Arbeitgeber*",
        "Ihren Arbeitgeber",
        "Ihre Nachbarn",
        "schwarze Liste",
    ],
    "tr": [
        "tutukla*",
        "polis*",
        "hapis*",
        "cezaevi*",
        "işvereniniz*",
        "komşularınız*",
        "kara liste*",
    ],
    "es": [
        "arresto",
        "detenido",
        "detención",
        "policía",
        "cárcel",
        "prisión",
        "delito",
        "su empleador",
        "su jefe",
        "sus vecinos",
        "lista negra",
    ],
}


@cache
def pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regular expression for a list of phrases (None when the list is empty)."""
    if not phrases:
        return None
    parts = []
    for phrase in sorted(phrases, key=len, reverse=True):
        words = [re.escape(w).replace(r"\*", r"\w*") for w in phrase.split()]
        tail = r"\w*" if phrase.endswith("*") else r"(?!\w)"
        parts.append(r"(?<!\w)" + r"\s+".join(words).removesuffix(r"\w*") + tail)
    return re.compile("|".join(parts), re.IGNORECASE)


def find(phrases: Iterable[str], text: str) -> str | None:
    """The first phrase of the list that ``text`` says, as written in the text."""
    compiled = pattern(tuple(phrases))
    match = compiled.search(text) if compiled is not None else None
    return match.group(0) if match else None


def says(table: dict[str, list[str]], language: str, text: str) -> str | None:
    """The first phrase of ``table`` for ``language`` in ``text`` (None for a language the
    table does not know: the rule cannot read it)."""
    return find(table.get(base_language(language), []), text)

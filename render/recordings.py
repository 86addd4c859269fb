"""What a recorded voice cannot say: a debtor's own name, amount or date.

A recording in ``voiceovers/<scene>/<lang>/`` replaces the TTS voice for one shot, and it
sounds the same for every debtor. A line that says ``{name}`` or ``{amount_due}`` is spoken
per debtor, so no recording can replace it. The validator, the recording script and the
import all ask the same questions here: which debtor values a line says, which languages
have recordings, and what the line could say instead (the value on screen, not in the voice).

Kept free of audio and TTS imports: ``vidpay validate`` loads it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from render.content import ContentRoot
from render.scene import CASE_PLACEHOLDERS, VariableType
from render.texts import placeholders

# Words that point at the value on screen instead of saying it, per source language. A name is
# dropped rather than pointed at ("Hello." rather than "Hello, name on screen.").
_POINTERS: dict[str, dict[VariableType, str]] = {
    "en": {
        "money": "this amount",
        "date": "this date",
        "number": "this number",
        "text": "the number on screen",
    },
    "nl": {
        "money": "dit bedrag",
        "date": "deze datum",
        "number": "dit aantal",
        "text": "het nummer in beeld",
    },
    "de": {
        "money": "diesen Betrag",
        "date": "dieses Datum",
        "number": "diese Zahl",
        "text": "die Nummer im Bild",
    },
    "es": {
        "money": "este importe",
        "date": "esta fecha",
        "number": "este número",
        "text": "el número en pantalla",
    },
    "tr": {
        "money": "bu tutar",
        "date": "bu tarih",
        "number": "bu sayı",
        "text": "ekrandaki numara",
    },
}
_PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")


def personal_kinds(variables: Mapping[str, VariableType]) -> dict[str, VariableType]:
    """The placeholders whose value is the debtor's own: their variables and case values
    (contact fields are the same for everyone, so a recording can say them)."""
    return {**CASE_PLACEHOLDERS, **variables}


def personal_names(text: str, personal: Iterable[str]) -> list[str]:
    """The debtor values ``text`` says, in order, each once; none for malformed braces (the
    validator reports those on their own)."""
    try:
        names = placeholders(text)
    except ValueError:
        return []
    mine = set(personal)
    return list(dict.fromkeys(name for name in names if name in mine))


def without_personal(text: str, kinds: Mapping[str, VariableType], language: str) -> str:
    """``text`` with each debtor value dropped (a name) or pointed at ("this amount"), as a
    starting point for a content designer: the value stays on screen, the voice says none."""
    pointers = _POINTERS.get(language.split("_")[0].split("-")[0], {})

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        kind = kinds.get(name)
        if kind is None:
            return match.group(0)
        if kind == "text" and "name" in name:
            return ""
        return pointers.get(kind, "")

    wording = _PLACEHOLDER.sub(replace, text)
    wording = re.sub(r"\s{2,}", " ", wording)
    wording = re.sub(r"\s+([,.!?;:])", r"\1", wording)
    wording = re.sub(r"[,;:]+([.!?])", r"\1", wording)
    wording = re.sub(r"^[\s,;:]+", "", wording).strip()
    return wording[:1].upper() + wording[1:]


def shown_names(names: Iterable[str]) -> str:
    """``{amount_due} and {due_date}``: placeholders as the content designer wrote them."""
    shown = [f"{{{name}}}" for name in names]
    return " and ".join([", ".join(shown[:-1]), shown[-1]] if len(shown) > 1 else shown)


def personal_advice(names: list[str], suggestion: str, language: str | None = None) -> str:
    """Why a personal line is not recorded, and wording that could be (in ``language``, when
    that is not the language the advice is read in)."""
    said = shown_names(names)
    advice = (
        f"a recorded voice cannot say each debtor's {said}: a recording sounds the same for "
        f"every debtor, so the TTS voice speaks this line; keep {said} on screen and out of "
        "the voice"
    )
    if not suggestion:
        return advice
    where = f" in {language}" if language else ""
    return f'{advice} (for example{where}: "{suggestion}")'


def recorded_languages(root: ContentRoot, scene_id: str, languages: Iterable[str]) -> list[str]:
    """The languages of a scene that have recordings: a ``voiceovers/<scene>/<lang>/`` folder
    with files in it (hidden files such as ``.gitkeep`` do not count)."""
    return [
        language for language in languages if _has_files(root.voiceovers_dir / scene_id / language)
    ]


def _has_files(folder: Path) -> bool:
    if not folder.is_dir():
        return False
    return any(path.is_file() and not path.name.startswith(".") for path in folder.iterdir())

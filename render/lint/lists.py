"""A creditor's own word lists in the content root: ``compliance/forbidden.<lang>.txt``
(phrases its videos never say, added to the defaults) and ``compliance/words.<lang>.txt``
(words its debtors know although they are long or rare, such as the brand's name).

One phrase per line, ``#`` starts a comment, a ``*`` at the end stands for any ending.
"""

from __future__ import annotations

from pathlib import Path

from render.content import ContentRoot
from render.problems import Problem, display_path

FOLDER = "compliance"


def creditor_list(root: ContentRoot, kind: str, language: str) -> tuple[list[str], list[Problem]]:
    """The phrases of ``compliance/<kind>.<language>.txt`` (none when there is no file)."""
    path = root.path / FOLDER / f"{kind}.{language}.txt"
    if not path.is_file():
        return [], []
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        return [], [_problem(path, 1, f"cannot read file: {exc.strerror}")]
    except UnicodeDecodeError as exc:
        return [], [_problem(path, 1, f"the file is not UTF-8 text (byte {exc.start + 1})")]
    phrases, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        phrase = line.split("#", 1)[0].strip()
        if not phrase:
            continue
        if "*" in phrase.rstrip("*") or not any(c.isalnum() for c in phrase):
            problems.append(
                _problem(path, number, f"'{phrase}' is not a phrase: words, with * only at the end")
            )
            continue
        phrases.append(phrase)
    return phrases, problems


def _problem(path: Path, line: int, message: str) -> Problem:
    return Problem(display_path(path), line, 1, message)

"""``vidpay voice``: how the voice-over sounds and whether a debtor will understand it.

``check`` transcribes every spoken line with an offline recogniser and says which lines a
debtor will not understand; ``script`` and ``import`` (:mod:`app.cli.voice_recordings`) are
the workflow for human recordings.
"""

from __future__ import annotations

import typer

from app.cli._base import app

voice_app = typer.Typer(
    help="The voice-over: check that it is understood, record it with people.",
    no_args_is_help=True,
)
app.add_typer(voice_app, name="voice")

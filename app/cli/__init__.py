"""The ``vidpay`` command: what content designers and operators run."""

from app.cli import (  # noqa: F401
    admin,
    campaign,
    content,
    export,
    integration,
    operations,
    outreach,
    voice,
    voice_recordings,
    workers,
)
from app.cli._base import app

__all__ = ["app", "main"]


def main() -> None:
    app()

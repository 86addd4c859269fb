"""The ``vidpay`` command: what content designers and operators run."""

from app.cli import admin, content, integration, operations, outreach, voice, workers  # noqa: F401
from app.cli._base import app

__all__ = ["app", "main"]


def main() -> None:
    app()

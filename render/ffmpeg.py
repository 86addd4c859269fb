"""Finding and running ffmpeg.

The binary comes from the environment (``VIDPAY_FFMPEG``), else the ``imageio-ffmpeg`` wheel, so
no system package is needed; its static build (ffmpeg 9) is also faster than Debian's 5.1.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from functools import cache
from pathlib import Path


class FfmpegError(RuntimeError):
    """ffmpeg failed; the message says what we were doing and the last lines ffmpeg printed."""


@cache
def ffmpeg_exe() -> str:
    configured = os.environ.get("VIDPAY_FFMPEG")
    if configured:
        return configured
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def run_ffmpeg(args: Sequence[str | Path], *, what: str) -> None:
    """Run ffmpeg quietly; raise ``FfmpegError`` naming ``what`` on failure."""
    command = [
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        *map(str, args),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-5:])
        raise FfmpegError(f"{what}: ffmpeg exited with {result.returncode}: {tail}")

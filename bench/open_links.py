"""A burst of first opens from a second process: ``rate`` new debtors a second for ``seconds``.

Each open does what a browser does before the first frame: the page, the manifest of the
debtor's language, and the video of the node the video starts at (for a personal node the
debtor's copy, joined on request; a copy of some 100 KB comes whole on loopback, so its last
byte is about when a browser paints its first frame). Opens start on schedule whether or not
earlier ones are done, so a slow server meets the load it would meet, not a politer one.

    python -m bench.open_links BASE TOKENS SECONDS RATE OUT
"""

from __future__ import annotations

import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx


def open_link(client: httpx.Client, base: str, token: str, language: str) -> dict[str, float]:
    """One debtor's first open: seconds to the page, the manifest and the first video."""
    started = time.perf_counter()
    page = client.get(f"{base}/v/{token}")
    page.raise_for_status()
    at_page = time.perf_counter()
    manifest = client.get(f"{base}/v/{token}/manifest/{language}.json")
    manifest.raise_for_status()
    data = manifest.json()
    at_manifest = time.perf_counter()
    video = client.get(base + data["nodes"][data["start"]]["video"])
    video.raise_for_status()
    done = time.perf_counter()
    return {
        "page": at_page - started,
        "manifest": at_manifest - at_page,
        "video": done - at_manifest,
        "total": done - started,
        "bytes": float(len(video.content)),
    }


def main() -> None:
    base, tokens_file, seconds, rate, out = sys.argv[1:6]
    debtors = [line.split(",") for line in Path(tokens_file).read_text().split()]
    count = min(len(debtors), int(float(seconds) * float(rate)))
    results: list[dict[str, float]] = []
    failures: list[str] = []
    lock = threading.Lock()
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    with httpx.Client(timeout=30, limits=limits) as client, ThreadPoolExecutor(200) as pool:

        def one(index: int) -> None:
            token, language = debtors[index]
            try:
                measured = open_link(client, base, token, language)
                with lock:
                    results.append(measured)
            except httpx.HTTPError as exc:
                with lock:
                    failures.append(f"{type(exc).__name__}: {exc}")

        begin = time.perf_counter()
        for index in range(count):
            wait = begin + index / float(rate) - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            pool.submit(one, index)
    Path(out).write_text(json.dumps({"results": results, "failures": failures}))


if __name__ == "__main__":
    main()

"""A load generator for the events API, run as its own process.

    python -m bench.load_events BASE_URL TOKENS_FILE SECONDS RATE OUT.json

It sends events at a fixed rate (an open loop: a slow answer does not slow the sending, as
with real players), each for a random debtor, and writes every acknowledged event id (201
stored, or 200 already stored) with the latencies, so the caller can check that no
acknowledged event is missing from the database.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx


async def _send(client: httpx.AsyncClient, token: str, results: dict[str, list[Any]]) -> None:
    event = {
        "id": str(uuid.uuid4()),
        "type": "play",
        "node": "intro",
        "language": "nl",
        "position": 1.0,
    }
    started = time.perf_counter()
    try:
        response = await client.post(f"/api/v1/sessions/{token}/events", json=event)
    except httpx.HTTPError:
        results["errors"].append("connection")
        return
    results["latencies"].append(time.perf_counter() - started)
    if response.status_code in (200, 201):
        results["acknowledged"].append(event["id"])
    else:
        results["errors"].append(response.status_code)


async def load(
    base_url: str, tokens: list[str], seconds: float, rate: float
) -> dict[str, list[Any]]:
    results: dict[str, list[Any]] = {"latencies": [], "acknowledged": [], "errors": []}
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=10) as client:
        start = time.perf_counter()
        tasks = []
        for n in range(int(seconds * rate)):
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(_send(client, random.choice(tokens), results)))
        await asyncio.gather(*tasks)
    return results


def main() -> None:
    base_url, tokens_file, seconds, rate, out = sys.argv[1:6]
    tokens = Path(tokens_file).read_text().split()
    started = time.perf_counter()
    results = asyncio.run(load(base_url, tokens, float(seconds), float(rate)))
    results["elapsed"] = [time.perf_counter() - started]
    Path(out).write_text(json.dumps(results))


if __name__ == "__main__":
    main()

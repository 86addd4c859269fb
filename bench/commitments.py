"""Commitments under concurrency: one server process, posts arriving at the same moment.

What a double click, a debtor with two tabs and a campaign's worth of debtors send: 20 posts of
one form at once (stored once, the same answer to all), 20 different forms of one debtor at once
(taken one at a time under the debtor's lock) and 8 debtors posting at once, each round
repeated. Meanwhile another debtor's page is loaded again and again: its latency against the
same page on an idle server (the floor) says whether waiting for a lock stops anything else.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from bench.operators import database, load_tokens, server

ROUNDS = 10


def _client(base: str) -> httpx.Client:
    """One client for every post (thread-safe, a connection each): a debtor's browser keeps
    its connection, and building a client per post would measure the client."""
    return httpx.Client(base_url=base, timeout=60, limits=httpx.Limits(max_connections=40))


def _post(client: httpx.Client, token: str, submission: str) -> tuple[float, int]:
    form = {"submission": submission, "reason": "I never had this bill"}
    started = time.perf_counter()
    status = client.post(f"/v/{token}/step/dispute?lang=en", data=form).status_code
    return time.perf_counter() - started, status


def _page_timings(base: str, token: str, stop: threading.Event, out: list[float]) -> None:
    with _client(base) as client:
        while not stop.is_set():
            started = time.perf_counter()
            client.get(f"/v/{token}/step/dispute?lang=en").raise_for_status()
            out.append(time.perf_counter() - started)
            time.sleep(0.01)


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000


def _scenario(
    base: str, tokens: list[str], jobs: Callable[[int], list[tuple[str, str]]]
) -> tuple[list[float], int, list[float]]:
    """Run ``ROUNDS`` rounds of posts; (post latencies, errors, the other page's latencies)."""
    latencies: list[float] = []
    errors = 0
    page: list[float] = []
    stop = threading.Event()
    watcher = threading.Thread(target=_page_timings, args=(base, tokens[-1], stop, page))
    watcher.start()
    with ThreadPoolExecutor(20) as pool, _client(base) as client:
        pool.map(lambda _: client.get("/static/player/site.css"), range(20))  # 20 connections
        for round_number in range(ROUNDS):
            posts = jobs(round_number)
            for latency, status in pool.map(lambda job: _post(client, *job), posts):
                latencies.append(latency)
                errors += status not in (303,)
    stop.set()
    watcher.join()
    return latencies, errors, page


def _measure(kind: str, work: Path) -> list[tuple[str, str]]:
    with database(kind, work) as url:
        tokens = load_tokens(url, work, count=10).read_text().split()
        with server(url, work) as (base, _process):
            idle: list[float] = []
            stop = threading.Event()
            probe = threading.Thread(target=_page_timings, args=(base, tokens[-1], stop, idle))
            probe.start()
            time.sleep(3)
            stop.set()
            probe.join()
            with _client(base) as client:
                single = [_post(client, tokens[0], str(uuid.uuid4()))[0] for _ in range(20)]
            scenarios = {
                "20 posts of one form at once": lambda r: [(tokens[0], f"same-form-{r}")] * 20,
                "20 different forms of one debtor at once": lambda r: [
                    (tokens[1], str(uuid.uuid4())) for _ in range(20)
                ],
                "8 debtors posting at once": lambda r: [
                    (token, str(uuid.uuid4())) for token in tokens[:8]
                ],
            }
            rows = [
                (f"{kind}: one post alone (floor)", f"p50 {_p(single, 0.5):.0f} ms, p99 {_p(single, 0.99):.0f} ms"),
                (f"{kind}: another debtor's page on an idle server (floor)", f"p50 {_p(idle, 0.5):.0f} ms, p99 {_p(idle, 0.99):.0f} ms ({len(idle)} loads)"),
            ]  # fmt: skip
            for name, jobs in scenarios.items():
                latencies, errors, page = _scenario(base, tokens, jobs)
                rows.append((f"{kind}: {name} ({ROUNDS} rounds)", (
                    f"posts p50 {_p(latencies, 0.5):.0f} ms, p99 {_p(latencies, 0.99):.0f} ms "
                    f"(**{_p(latencies, 0.99) / _p(single, 0.99):.1f}x** one post alone), "
                    f"**{errors} errors** of {len(latencies)}; another page meanwhile p99 "
                    f"{_p(page, 0.99):.0f} ms (target < 200 ms; **{_p(page, 0.99) / _p(idle, 0.99):.1f}x** "
                    f"idle, median {statistics.median(page) * 1000:.0f} ms, {len(page)} loads)"
                )))  # fmt: skip
    return rows


def section() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rows = [*_measure("sqlite", work), *_measure("postgresql", work)]
    lines = [
        "## Commitments under concurrency",
        "",
        "One server process (uvicorn), the sample scene's dispute step. Every post that is not "
        "answered 303 counts as an error (the 20 posts of one form must all get the first "
        "answer).",
        "",
        "| what | measured |",
        "| --- | --- |",
        *(f"| {what} | {value} |" for what, value in rows),
    ]
    return "\n".join(lines) + "\n"

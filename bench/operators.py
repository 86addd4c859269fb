"""Operator-scale benchmarks: importing 20,000 debtors, and the events API under load.

- Import: the whole check-and-insert of a 20,000-row CSV, against a floor of the same rows
  parsed with the csv module and bulk-inserted with no checks at all.
- Events: a second process posts events as fast as one server answers; requests per second,
  p50 and p99, on SQLite and PostgreSQL, against the floor of a request the server refuses
  before touching the database. Then the server is killed mid-load (SIGKILL) and every
  event it acknowledged is looked for in the database.
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, insert, select, text

from app.campaigns import import_campaign, links, read_rows
from app.db import make_engine, session_factory, transaction, upgrade
from app.models import Debtor, Event
from render.content import ContentRoot
from render.validate import load_scene

REPO = Path(__file__).resolve().parent.parent
ROWS = 20_000
LOAD_SECONDS = 10
CONCURRENCY = 32
KILL_RATE = 300  # events/s sent while the server is killed (each acknowledgement is checked)
POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _csv(path: Path, rows: int) -> None:
    languages = ["nl", "en", "de", "tr", "es"]
    rng = random.Random(7)
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(
            [
                "reference",
                "name",
                "language",
                "email",
                "phone",
                "amount_due",
                "due_date",
                "invoice_number",
            ]
        )
        for i in range(rows):
            amount = f"{rng.randint(1000, 250_000) / 100:.2f}"
            writer.writerow([f"R{i:06d}", f"Debtor {i}", rng.choice(languages), f"d{i}@example.org", "+31 6 1234 5678", amount, f"2026-10-{rng.randint(1, 28):02d}", f"F-{i}"])  # fmt: skip


@contextmanager
def database(kind: str, work: Path) -> Iterator[str]:
    if kind == "sqlite":
        url = f"sqlite:///{work / f'bench-{uuid.uuid4().hex[:6]}.db'}"
        upgrade(url)
        yield url
        return
    name = f"vidpay_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def import_rows(work: Path) -> list[tuple[str, str]]:
    path = work / "debtors.csv"
    _csv(path, ROWS)
    root = ContentRoot(REPO)
    scene = load_scene(root.find_scene("arrears"), root)
    rows_out = []
    for kind in ("sqlite", "postgresql"):
        with database(kind, work) as url:
            engine = make_engine(url)
            started = time.perf_counter()
            rows = read_rows(path, scene)
            with transaction(session_factory(engine)) as session:
                import_campaign(session, scene=scene, rows=rows, name="bench", key=b"bench")
            ours = time.perf_counter() - started
            floor = _bare_insert(engine, path)
            engine.dispose()
        rows_out.append((f"Import of {ROWS:,} debtors from CSV, {kind}", f"{ours:.2f} s ({ROWS / ours:,.0f} rows/s; target < 10 s); floor, the same rows parsed and inserted unchecked: {floor:.2f} s, so checking costs **{ours / floor:.1f}x** the floor"))  # fmt: skip
    return rows_out


def _bare_insert(engine: object, path: Path) -> float:
    """The floor: csv.reader and one bulk insert of the same rows, with no checks at all."""
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.reader(file)
        next(reader)
        rows = [
            {"campaign_id": 1, "reference": f"x{r[0]}", "name": r[1], "language": r[2], "email": r[3], "phone": r[4],
             "scene_id": "arrears", "values": {}, "amount_cents": 1, "token_salt": r[0], "token_hash": f"floor{r[0]}",
             "disputed": False}
            for r in reader
        ]  # fmt: skip
    with engine.begin() as connection:  # type: ignore[attr-defined]
        for start in range(0, len(rows), 5000):
            connection.execute(insert(Debtor), rows[start : start + 5000])
    return time.perf_counter() - started


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(url: str, work: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    environment = {**os.environ, "DATABASE_URL": url, "VIDPAY_VAR": str(work / "var"), "VIDPAY_SECRET_KEY": "bench", "VIDPAY_ROOT": str(REPO)}  # fmt: skip
    command = [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app", "--port", str(port), "--log-level", "warning", "--no-access-log"]  # fmt: skip
    process = subprocess.Popen(command, env=environment, cwd=work, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            httpx.get(f"{base}/v/x", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    try:
        yield base, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def load_tokens(url: str, work: Path, count: int = 200) -> Path:
    path = work / "load.csv"
    _csv(path, count)
    root = ContentRoot(REPO)
    scene = load_scene(root.find_scene("arrears"), root)
    engine = make_engine(url)
    with transaction(session_factory(engine)) as session:
        campaign = import_campaign(
            session, scene=scene, rows=read_rows(path, scene), name="load", key=b"bench"
        )
        found = [
            link.rsplit("/", 1)[1]
            for _, link in links(session, campaign.id, key=b"bench", base_url="")
        ]
    engine.dispose()
    tokens = work / "tokens.txt"
    tokens.write_text("\n".join(found))
    return tokens


def _load(base: str, tokens: Path, seconds: float, rate: float, work: Path) -> dict[str, list[Any]]:
    """Events at a fixed rate from a second process (bench/load_events.py)."""
    out = work / f"load-{uuid.uuid4().hex[:6]}.json"
    subprocess.run([sys.executable, "-m", "bench.load_events", base, str(tokens), str(seconds), str(rate), str(out)], check=True, cwd=REPO)  # fmt: skip
    data: dict[str, list[Any]] = json.loads(out.read_text())
    return data


@dataclass(frozen=True)
class WrkRun:
    rate: float
    p50: float
    p99: float
    requests: int
    failed: int


def _wrk(base: str, tokens: Path, seconds: int) -> WrkRun:
    """As many events as the server takes from 32 connections (wrk, its own process)."""
    result = subprocess.run(
        ["wrk", "-t2", f"-c{CONCURRENCY}", f"-d{seconds}s", "-s", str(REPO / "bench" / "events.lua"), "--latency", base],
        capture_output=True, text=True, check=True, cwd=tokens.parent,
    )  # fmt: skip
    report = result.stdout

    def number(pattern: str) -> float:
        found = re.search(pattern, report)
        return float(found.group(1)) if found else 0.0

    return WrkRun(
        rate=number(r"Requests/sec:\s+([\d.]+)"),
        p50=_ms(re.search(r"50%\s+([\d.]+\w+)", report)),
        p99=_ms(re.search(r"99%\s+([\d.]+\w+)", report)),
        requests=int(number(r"(\d+) requests in")),
        failed=int(number(r"Non-2xx or 3xx responses: (\d+)")),
    )


def _ms(found: re.Match[str] | None) -> float:
    """wrk writes 850.00us, 12.34ms or 1.20s."""
    if found is None:
        return float("nan")
    value = found.group(1)
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if value.endswith(unit):
            return float(value[: -len(unit)]) * factor
    return float(value)


def _count(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        count = int(connection.execute(select(func.count()).select_from(Event)).scalar_one())
    engine.dispose()
    return count


def _stored(url: str, ids: list[str]) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        stored = {row[0] for row in connection.execute(select(Event.client_id))}
    engine.dispose()
    return sum(1 for i in ids if i in stored)


def events_under_load(work: Path) -> list[tuple[str, str]]:
    rows = []
    for kind in ("sqlite", "postgresql"):
        with database(kind, work) as url:
            tokens = load_tokens(url, work)
            with server(url, work) as (base, _process):
                _wrk(base, tokens, 3)  # warm up: caches, connection pool
                before = _count(url)
                run = _wrk(base, tokens, LOAD_SECONDS)
                stored = _count(url) - before
                refused = work / "refused" / "tokens.txt"
                refused.parent.mkdir(exist_ok=True)
                refused.write_text("not-a-token")
                floor = _wrk(base, refused, LOAD_SECONDS // 2)
            acknowledged = run.requests - run.failed
            rows.append((f"Events API, {CONCURRENCY} connections from a second process (wrk), {kind}, one server process",
                         f"**{run.rate:,.0f} events/s**, p50 **{run.p50:.1f} ms**, p99 **{run.p99:.1f} ms** (target ≥ 500/s with p99 < 100 ms); {run.failed} failed; {stored:,} stored for {acknowledged:,} acknowledged (requests cut off when the run ended may be stored without an answer); floor, a request refused before the database: {floor.rate:,.0f} req/s, so a stored event costs **{floor.rate / run.rate:.1f}x** the floor"))  # fmt: skip
    return rows


def killed_mid_load(work: Path) -> list[tuple[str, str]]:
    rows = []
    for kind in ("sqlite", "postgresql"):
        with database(kind, work) as url:
            tokens = load_tokens(url, work)
            with server(url, work) as (base, process):
                out = work / f"killed-{kind}.json"
                command = [
                    sys.executable,
                    "-m",
                    "bench.load_events",
                    base,
                    str(tokens),
                    "6",
                    str(KILL_RATE),
                    str(out),
                ]
                client = subprocess.Popen(command, cwd=REPO)
                time.sleep(3)
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                client.wait()
            acknowledged = json.loads(out.read_text())["acknowledged"]
            lost = len(acknowledged) - _stored(url, acknowledged)
            rows.append((f"Server killed (SIGKILL) mid-load, {kind}", f"{len(acknowledged):,} events acknowledged before the kill, **{lost} lost**"))  # fmt: skip
    return rows


def section() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rows = [*import_rows(work), *events_under_load(work), *killed_mid_load(work)]
    lines = [
        "## Operators: import and events",
        "",
        "| what | measured |",
        "| --- | --- |",
        *(f"| {what} | {value} |" for what, value in rows),
    ]
    return "\n".join(lines) + "\n"

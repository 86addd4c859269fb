"""The app served for real: uvicorn in its own process, on a free loopback port.

Concurrency and crash tests need what a debtor's browser meets: one server process with its
event loop and thread pool, requests arriving at once, and a process that can be killed with
SIGKILL. The debtors are imported before the server starts; the tests read the database back.
"""

from __future__ import annotations

import csv
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.campaigns import import_campaign, links, read_rows
from app.config import Settings
from app.db import make_engine, session_factory, transaction, upgrade
from render.validate import load_scene

REPO = Path(__file__).resolve().parent.parent
SECRET = "live-server-tests-secret"


@dataclass
class Served:
    """A running server: its address, its process and each debtor's token by reference."""

    base_url: str
    process: subprocess.Popen[bytes]
    tokens: dict[str, str]
    settings: Settings

    def client(self, **options: object) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, follow_redirects=False, timeout=60, **options)  # type: ignore[arg-type]

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; what was committed is all that stays."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def debtors_csv(path: Path, count: int, *, postcode: bool = False) -> Path:
    """``count`` debtors in the sample scene's columns (LIVE-1 ... LIVE-n, € 120.00 each)."""
    header = ["reference", "name", "language", "email", "phone", "amount_due", "due_date"]
    header += ["invoice_number"] + (["postcode"] if postcode else [])
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        for n in range(1, count + 1):
            row = [f"LIVE-{n}", f"Debtor {n}", "en", "", "", "120.00", "2026-10-15", f"INV-{n}"]
            writer.writerow(row + (["1234 AB"] if postcode else []))
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve(
    work: Path, database_url: str, *, debtors: int = 10, verify: str | None = None
) -> Iterator[Served]:
    """Import ``debtors`` into the sample scene's campaign and serve the app until the end."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = Settings(
        env="test", root=REPO, var=work / "var", database_url=database_url,
        secret_key=SECRET, base_url=base_url,
    )  # fmt: skip
    tokens = _import(work, settings, debtors, verify)
    environment = {
        **os.environ,
        "VIDPAY_ENV": "test",
        "VIDPAY_ROOT": str(REPO),
        "VIDPAY_VAR": str(work / "var"),
        "DATABASE_URL": database_url,
        "VIDPAY_SECRET_KEY": SECRET,
        "VIDPAY_BASE_URL": base_url,
    }
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app", "--host",
        "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    log = (work / "server.log").open("wb")
    process = subprocess.Popen(command, cwd=REPO, env=environment, stdout=log, stderr=log)
    try:
        _wait_until_up(base_url, process, work)
        yield Served(base_url, process, tokens, settings)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)
        log.close()


def _import(work: Path, settings: Settings, count: int, verify: str | None) -> dict[str, str]:
    upgrade(settings.database)
    scene = load_scene(settings.content.find_scene("arrears"), settings.content)
    path = debtors_csv(work / "debtors.csv", count, postcode=verify is not None)
    rows = read_rows(path, scene, verify=verify)
    engine = make_engine(settings.database, pooled=False)
    with transaction(session_factory(engine)) as session:
        campaign = import_campaign(
            session, scene=scene, rows=rows, name="Live", key=settings.key, verify=verify
        )
        found = list(links(session, campaign.id, key=settings.key, base_url=""))  # in the block
    engine.dispose()
    return {reference: link.removeprefix("/v/") for reference, link in found}


def _wait_until_up(base_url: str, process: subprocess.Popen[bytes], work: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((work / "server.log").read_text(errors="replace"))
        try:
            httpx.get(f"{base_url}/static/player/site.css", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("the server did not start in 60 s")

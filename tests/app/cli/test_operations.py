"""``vidpay serve``: uvicorn as the command runs it, for real on a loopback port."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from app.cli.operations import server_options
from app.config import Settings
from tests.conftest import REPO


def test_the_server_answers_without_a_server_banner(tmp_path: Path) -> None:
    from app.main import create_app

    settings = Settings(root=REPO, var=tmp_path, secret_key="test-secret", env="test")

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.bind(("127.0.0.1", 0))
    options = server_options(host="127.0.0.1", port=listener.getsockname()[1])
    quiet = {**options, "log_config": None, "log_level": "warning", "access_log": False}
    server = uvicorn.Server(uvicorn.Config(create_app(settings), **quiet))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.02)
        base = f"http://127.0.0.1:{options['port']}"
        for path in ("/static/player/site.css", "/admin/login", "/nowhere"):
            response = httpx.get(base + path)
            assert "server" not in response.headers, path
            assert "date" in response.headers  # uvicorn's other header stays
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()
    assert options["proxy_headers"] is True  # behind a proxy, the client is the visitor

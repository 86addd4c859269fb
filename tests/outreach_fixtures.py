"""Fixtures the outreach tests share: sessions on a database holding the demo campaign, and
a real SMTP server. Import them by name (``from tests.outreach_fixtures import smtp as smtp``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import make_engine, session_factory
from tests.smtp_server import SmtpServer, smtp_server


@pytest.fixture
def sessions(
    settings: Settings, web: TestClient, campaign: dict[str, str]
) -> Iterator[sessionmaker[Session]]:
    """Sessions on the web app's database, the demo CSV imported as campaign 1."""
    engine = make_engine(settings.database)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server

"""Signing in to the admin pages in a test: an operator (olga) and a designer (dan), the CSRF
token of a page, and a sign-in."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import upgrade
from tests.factories import PASSWORD as PASSWORD  # the tests sign in with it
from tests.factories import make_user


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF field on the page"
    return found.group(1)


def sign_in(web: TestClient, email: str, password: str = PASSWORD) -> Response:
    token = csrf_of(web.get("/admin/login").text)
    return web.post("/admin/login", data={"email": email, "password": password, "csrf": token})


@pytest.fixture
def users(settings: Settings, db: Session) -> None:
    upgrade(settings.database)
    make_user(db, "olga@example.org", "operator")
    make_user(db, "dan@example.org", "designer")
    db.commit()

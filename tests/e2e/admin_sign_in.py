"""Signing in to the admin pages in the browser, as a new user of a role, by the keyboard."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from app.auth import add_user
from tests.e2e.conftest import LiveServer

PASSWORD = "correct horse battery"


def sign_in(page: Page, server: LiveServer, role: str) -> None:
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.org"
    with server.sessions() as session, session.begin():
        add_user(session, email, PASSWORD, role)
    page.goto(f"{server.base_url}/admin/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Campaigns", level=1)).to_be_visible()

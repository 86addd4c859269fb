"""The admin's integration page: API keys and webhook endpoints, made and changed by operators,
each secret shown once; on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import ApiKey, Campaign, WebhookDelivery, WebhookEndpoint
from app.webhooks import endpoint_secret
from tests.admin_session import csrf_of, sign_in
from tests.admin_session import users as users

PAGE = "/admin/integration"
PUBLIC_ONLY = "webhooks go only to public addresses unless VIDPAY_ALLOW_PRIVATE_WEBHOOKS=true"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Private addresses allowed: no host is looked up, so crm.example needs no network."""
    return settings.model_copy(update={"allow_private_webhooks": True})


@pytest.fixture
def strict(settings: Settings) -> Iterator[TestClient]:
    """The app as it is by default: webhooks go only to public addresses."""
    from app.main import create_app

    default = settings.model_copy(update={"allow_private_webhooks": False})
    with TestClient(create_app(default), follow_redirects=False) as client:
        yield client


def _post(web: TestClient, path: str, **data: str) -> object:
    return web.post(f"{PAGE}{path}", data={"csrf": csrf_of(web.get(PAGE).text), **data})


def _shown(page: str) -> str:
    found = re.search(r'id="shown-value" value="([^"]+)"', page)
    assert found, "no secret shown on the page"
    return found.group(1)


def _outcomes(web: TestClient, key: str, campaign_id: int) -> int:
    headers = {"Authorization": f"Bearer {key}"}
    return web.get(f"/api/v1/campaigns/{campaign_id}/outcomes", headers=headers).status_code


def test_an_operator_makes_a_key_that_works_until_it_is_revoked(
    web: TestClient, users: None, campaign: dict[str, str], db: Session
) -> None:
    sign_in(web, "olga@example.org")
    made = _post(web, "/keys", name="Collection system <CRM>")
    assert made.status_code == 200  # type: ignore[attr-defined]
    page = made.text  # type: ignore[attr-defined]
    key = _shown(page)
    assert "Copy it now: it is not shown again" in page
    assert "Collection system &lt;CRM&gt;" in page and "<CRM>" not in page
    assert made.headers["cache-control"] == "no-store"  # type: ignore[attr-defined]
    campaign_id = db.scalars(select(Campaign.id)).one()
    assert _outcomes(web, key, campaign_id) == 200
    assert key not in web.get(PAGE).text  # shown once
    stored = db.scalars(select(ApiKey)).one()
    assert key not in (stored.key_hash, stored.prefix) and key.startswith(f"vp_{stored.prefix}")

    revoked = _post(web, f"/keys/{stored.prefix}/revoke")

    assert revoked.status_code == 303  # type: ignore[attr-defined]
    assert _outcomes(web, key, campaign_id) == 401
    assert "revoked" in web.get(PAGE).text
    assert _post(web, f"/keys/{stored.prefix}/revoke").status_code == 404  # type: ignore[attr-defined]


def test_a_key_without_a_name_is_refused(web: TestClient, users: None, db: Session) -> None:
    sign_in(web, "olga@example.org")
    for name in ("  ", "x" * 101):
        refused = _post(web, "/keys", name=name)
        assert refused.status_code == 422  # type: ignore[attr-defined]
        assert "A key&#39;s name is 1 to 100 characters." in refused.text  # type: ignore[attr-defined]
    assert db.scalar(select(func.count()).select_from(ApiKey)) == 0


def test_an_operator_adds_an_endpoint_and_sees_its_secret_once(
    web: TestClient, users: None, campaign: dict[str, str], db: Session, settings: Settings
) -> None:
    sign_in(web, "olga@example.org")
    campaign_id = db.scalars(select(Campaign.id)).one()
    added = _post(web, "/webhooks", url="https://crm.example/hook", campaign=str(campaign_id))
    assert added.status_code == 200  # type: ignore[attr-defined]
    endpoint = db.scalars(select(WebhookEndpoint)).one()
    assert (endpoint.url, endpoint.campaign_id) == ("https://crm.example/hook", campaign_id)
    assert _shown(added.text) == endpoint_secret(settings.key, endpoint.id)  # type: ignore[attr-defined]
    assert endpoint_secret(settings.key, endpoint.id) not in web.get(PAGE).text

    for url, scope, message in (
        ("ftp://crm.example/", "", "&#39;ftp://crm.example/&#39; is not an http(s) URL."),
        ("https://crm.example/" + "x" * 500, "", "The URL is longer than 500 characters."),
        ("https://crm.example/hook", "999", "No such campaign."),
        ("https://crm.example/hook", "abc", "No such campaign."),
    ):
        refused = _post(web, "/webhooks", url=url, campaign=scope)
        assert refused.status_code == 422, url  # type: ignore[attr-defined]
        assert message in refused.text  # type: ignore[attr-defined]
    assert db.scalar(select(func.count()).select_from(WebhookEndpoint)) == 1


def test_an_operator_pauses_resumes_retries_and_removes_an_endpoint(
    web: TestClient, users: None, campaign: dict[str, str], db: Session
) -> None:
    sign_in(web, "olga@example.org")
    _post(web, "/webhooks", url="https://crm.example/hook", campaign="")
    endpoint = db.scalars(select(WebhookEndpoint)).one()

    def state() -> tuple[bool, bool]:
        db.expire_all()
        return endpoint.active, endpoint.paused

    assert _post(web, f"/webhooks/{endpoint.id}/pause").status_code == 303  # type: ignore[attr-defined]
    assert state() == (True, True)
    assert "Resume<span" in web.get(PAGE).text
    _post(web, f"/webhooks/{endpoint.id}/resume")
    assert state() == (True, False)
    db.add(
        WebhookDelivery(
            endpoint_id=endpoint.id, idempotency_key="k-1", event="outcome.created",
            payload='{"id":"k-1"}', status="failed", attempts=16, last_error="HTTP 500",
        )
    )  # fmt: skip
    db.commit()
    assert "Send the failed again" in web.get(PAGE).text
    _post(web, f"/webhooks/{endpoint.id}/retry")
    db.expire_all()
    delivery = db.scalars(select(WebhookDelivery)).one()
    assert (delivery.status, delivery.attempts) == ("pending", 0)

    _post(web, f"/webhooks/{endpoint.id}/remove")

    assert state() == (False, False)
    db.expire_all()
    assert (delivery.status, delivery.last_error) == ("failed", "endpoint removed")
    for change in ("pause", "remove", "retry"):
        gone = _post(web, f"/webhooks/{endpoint.id}/{change}")
        assert gone.status_code == 404  # type: ignore[attr-defined]
        assert f"No webhook endpoint {endpoint.id}." in gone.text  # type: ignore[attr-defined]
    assert _post(web, "/webhooks/999/pause").status_code == 404  # type: ignore[attr-defined]
    assert _post(web, f"/webhooks/{endpoint.id}/explode").status_code == 404  # type: ignore[attr-defined]


def test_an_endpoint_on_a_private_address_is_refused(
    strict: TestClient, users: None, db: Session
) -> None:
    sign_in(strict, "olga@example.org")
    for url, reason in (
        ("http://localhost:8000/hook", "localhost resolves to 127.0.0.1, a loopback address"),
        ("http://10.1.2.3/hook", "10.1.2.3 is a private address"),
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254 is a link-local address"),
    ):
        refused = _post(strict, "/webhooks", url=url, campaign="")
        assert refused.status_code == 422, url  # type: ignore[attr-defined]
        message = f"&#39;{url}&#39; is refused: {reason}; {PUBLIC_ONLY}."
        assert message in refused.text  # type: ignore[attr-defined]
        assert 'id="shown-value"' not in refused.text  # type: ignore[attr-defined]
    assert db.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0


@pytest.mark.parametrize("number", ["0", str(2**31), "9223372036854775808", "1" + "0" * 30])
def test_an_id_out_of_range_is_refused_not_a_server_error(
    web: TestClient, users: None, campaign: dict[str, str], db: Session, number: str
) -> None:
    sign_in(web, "olga@example.org")
    assert _post(web, f"/webhooks/{number}/pause").status_code == 422  # type: ignore[attr-defined]
    refused = _post(web, "/webhooks", url="https://192.0.2.10/hook", campaign=number)
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "No such campaign." in refused.text  # type: ignore[attr-defined]
    assert db.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0


def test_the_page_is_for_operators_and_every_form_needs_the_csrf_token(
    web: TestClient, users: None, db: Session
) -> None:
    assert web.get(PAGE).status_code in (303, 307)  # to the sign-in page
    sign_in(web, "dan@example.org")  # a designer
    assert web.get(PAGE).status_code == 403
    assert 'href="/admin/integration"' not in web.get("/admin").text
    token = csrf_of(web.get("/admin").text)
    assert web.post(f"{PAGE}/keys", data={"csrf": token, "name": "x"}).status_code == 403
    web.post("/admin/logout", data={"csrf": token})
    sign_in(web, "olga@example.org")
    assert 'href="/admin/integration"' in web.get("/admin").text
    assert web.post(f"{PAGE}/keys", data={"name": "x"}).status_code == 403
    forged = {"url": "https://evil.example/", "csrf": "forged"}
    assert web.post(f"{PAGE}/webhooks", data=forged).status_code == 403
    assert db.scalar(select(func.count()).select_from(ApiKey)) == 0
    assert db.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0

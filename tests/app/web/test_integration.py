"""The outcomes API through HTTP, on SQLite and PostgreSQL: its shape, cursor pagination, the
``since`` filter, other campaigns kept apart, and errors as JSON."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.apikeys import create_api_key
from app.config import Settings
from app.models import Debtor, Installment, Outcome
from app.webhooks import as_utc
from tests.factories import make_campaign, make_outcome

NL = "DEMO-NL-1"


@pytest.fixture
def key(db: Session, campaign: dict[str, str]) -> str:
    made = create_api_key(db, "crm")
    db.commit()
    return made


@pytest.fixture
def campaign_id(db: Session, campaign: dict[str, str]) -> int:
    found = db.scalar(select(Debtor.campaign_id).where(Debtor.reference == NL))
    assert found is not None
    return found


def _get(web: TestClient, key: str, path: str, **params: Any) -> Any:
    response = web.get(path, params=params or None, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.text
    return response.json()


def _add(db: Session, reference: str, at: datetime, action: str = "later") -> int:
    debtor = db.scalar(select(Debtor).where(Debtor.reference == reference))
    assert debtor is not None
    outcome = make_outcome(
        db, debtor, action, {"date": "2030-01-01", "amount_cents": 1000}, created_at=at
    )
    db.commit()
    return outcome.id


def test_an_outcome_from_the_step_form_has_the_documented_shape(
    web: TestClient, campaign: dict[str, str], db: Session, key: str, campaign_id: int
) -> None:
    token = campaign[NL]
    first = datetime.now(UTC).date() + timedelta(days=3)
    form = {
        "submission": str(uuid.uuid4()),
        "amount_cents": "14820",
        "installments": "5",
        "first_date": first.isoformat(),
        "confirm": "yes",
    }
    assert web.post(f"/v/{token}/step/plan?lang=de", data=form).status_code == 303
    page = _get(web, key, f"/api/v1/campaigns/{campaign_id}/outcomes")
    (outcome,) = db.scalars(select(Outcome))
    schedule = list(db.scalars(select(Installment).order_by(Installment.number)))
    created = page["outcomes"][0]["created_at"]
    assert created.endswith("Z")
    assert datetime.fromisoformat(created) == as_utc(outcome.created_at)
    assert page == {
        "campaign": {"id": campaign_id, "name": "Test", "purged_at": None},
        "outcomes": [
            {
                "id": outcome.id,
                "campaign_id": campaign_id,
                "debtor_reference": NL,
                "scene": "arrears",
                "action": "arrangement",
                "node": "plan",
                "language": "de",  # the language the debtor used
                "details": {
                    "installments": 5,
                    "first_date": first.isoformat(),
                    "total_cents": 14820,
                },
                "installments": [
                    {"number": i.number, "due": i.due.isoformat(), "amount_cents": 2964}
                    for i in schedule
                ],
                "created_at": created,
                "case_status": "plan",
            }
        ],
        "next_after": None,
        "next": None,
    }
    assert [i["number"] for i in page["outcomes"][0]["installments"]] == [1, 2, 3, 4, 5]
    assert page["outcomes"][0]["installments"][0]["due"] == first.isoformat()


def test_pages_follow_the_cursor_and_other_campaigns_stay_out(
    web: TestClient,
    campaign: dict[str, str],
    db: Session,
    key: str,
    campaign_id: int,
    settings: Settings,
) -> None:
    other = make_campaign(db, settings.content, key=b"k", name="Other")
    db.commit()
    stranger = db.scalar(select(Debtor).where(Debtor.campaign_id == other.id))
    assert stranger is not None
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ids = []
    for number, reference in enumerate(["DEMO-NL-1", "DEMO-EN-1", "DEMO-DE-1"] * 2 + [NL]):
        ids.append(_add(db, reference, start + timedelta(days=number)))
        make_outcome(db, stranger, "help", node="x")
        db.commit()
    url = f"/api/v1/campaigns/{campaign_id}/outcomes"
    seen: list[int] = []
    page = _get(web, key, url, limit=3)
    pages = 1
    while True:
        seen += [o["id"] for o in page["outcomes"]]
        assert {o["campaign_id"] for o in page["outcomes"]} == {campaign_id}
        if page["next_after"] is None:
            assert page["next"] is None
            break
        assert page["next_after"] == seen[-1]
        assert page["next"] == f"{url}?after={seen[-1]}&limit=3"
        page = _get(web, key, page["next"])
        pages += 1
    assert seen == ids and pages == 3
    assert [o["id"] for o in _get(web, key, url, after=ids[4])["outcomes"]] == ids[5:]
    assert _get(web, key, url, after=ids[-1]) == {
        "campaign": {"id": campaign_id, "name": "Test", "purged_at": None},
        "outcomes": [],
        "next_after": None,
        "next": None,
    }
    exact = _get(web, key, url, limit=7)  # a full last page: no next
    assert len(exact["outcomes"]) == 7 and exact["next_after"] is None


def test_since_leaves_out_older_outcomes_in_any_time_zone(
    web: TestClient, campaign: dict[str, str], db: Session, key: str, campaign_id: int
) -> None:
    start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    ids = [_add(db, NL, start + timedelta(hours=hours)) for hours in range(5)]
    url = f"/api/v1/campaigns/{campaign_id}/outcomes"

    def ids_since(since: str, **params: Any) -> list[int]:
        return [o["id"] for o in _get(web, key, url, since=since, **params)["outcomes"]]

    assert ids_since("2026-03-01T14:00:00Z") == ids[2:]  # at or after
    assert ids_since("2026-03-01T14:00:01Z") == ids[3:]
    assert ids_since("2026-03-01T15:00:00+01:00") == ids[2:]  # 14:00 UTC
    assert ids_since("2026-03-01T14:00:00") == ids[2:]  # no offset: UTC
    assert ids_since("2027-01-01T00:00:00Z") == []
    assert ids_since("2026-03-01T13:00:00Z", after=ids[2]) == ids[3:]
    page = _get(web, key, url, since="2026-03-01T13:00:00+00:00", limit=2)
    assert page["next"] == f"{url}?after={ids[2]}&limit=2&since=2026-03-01T13%3A00%3A00Z"
    assert [o["id"] for o in _get(web, key, page["next"])["outcomes"]] == ids[3:]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 1001},
        {"after": -1},
        {"after": "x"},
        {"after": 2**31},  # larger than PostgreSQL's INTEGER
        {"after": 99999999999999999999},  # larger than SQLite's
        {"since": "yesterday"},
    ],
)
def test_bad_parameters_are_422(
    web: TestClient, key: str, campaign_id: int, params: dict[str, Any]
) -> None:
    response = web.get(
        f"/api/v1/campaigns/{campaign_id}/outcomes",
        params=params,
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "invalid request"


def test_an_unknown_campaign_is_a_json_404(web: TestClient, key: str) -> None:
    response = web.get(
        "/api/v1/campaigns/424242/outcomes", headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "no such campaign"}


@pytest.mark.parametrize("campaign", ["0", str(2**31), "9223372036854775808", "1" + "0" * 30])
def test_a_campaign_id_out_of_range_is_422_not_a_server_error(
    web: TestClient, key: str, campaign: str
) -> None:
    response = web.get(
        f"/api/v1/campaigns/{campaign}/outcomes", headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "campaign_id"


def test_the_openapi_document_describes_the_route(web: TestClient) -> None:
    document = web.get("/api/v1/openapi.json").json()
    route = document["paths"]["/api/v1/campaigns/{campaign_id}/outcomes"]["get"]
    assert {p["name"] for p in route["parameters"]} >= {"campaign_id", "after", "limit", "since"}
    shape = document["components"]["schemas"]["OutcomeOut"]["properties"]
    assert set(shape) == {
        "id", "campaign_id", "debtor_reference", "scene", "action", "node", "language",
        "details", "installments", "created_at", "case_status",
    }  # fmt: skip
    changes = document["paths"]["/api/v1/campaigns/{campaign_id}/status-changes"]["get"]
    assert {p["name"] for p in changes["parameters"]} >= {"campaign_id", "after", "limit"}


def test_status_changes_are_listed_oldest_first_page_by_page(
    web: TestClient, campaign: dict[str, str], db: Session, key: str, campaign_id: int
) -> None:
    token = campaign[NL]
    soon = (datetime.now(UTC).date() + timedelta(days=3)).isoformat()
    form = {"submission": str(uuid.uuid4()), "date": soon}
    assert web.post(f"/v/{token}/step/later?lang=nl", data=form).status_code == 303
    form = {"submission": str(uuid.uuid4()), "reason": "Ik ben verhuisd."}
    assert web.post(f"/v/{token}/step/dispute?lang=nl", data=form).status_code == 303
    path = f"/api/v1/campaigns/{campaign_id}/status-changes"
    first = _get(web, key, path, limit=1)
    (change,) = first["status_changes"]
    assert {k: change[k] for k in ("debtor_reference", "previous_status", "status")} == {
        "debtor_reference": NL, "previous_status": "open", "status": "promised",
    }  # fmt: skip
    assert change["open_cents"] == 14820 and change["changed_at"].endswith("Z")
    second = _get(web, key, path, after=first["next_after"])
    assert [(c["previous_status"], c["status"]) for c in second["status_changes"]] == [
        ("promised", "disputed")
    ]
    assert second["next_after"] is None
    outcomes = _get(web, key, f"/api/v1/campaigns/{campaign_id}/outcomes")["outcomes"]
    assert {o["case_status"] for o in outcomes} == {"disputed"}

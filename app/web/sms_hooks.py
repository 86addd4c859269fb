"""Sinch's callbacks: delivery reports of the texts we sent, and texts debtors send back.

Every callback must carry Sinch's HMAC signature of its exact body
(``app.outreach.sinch.verify_callback``); without ``VIDPAY_SINCH_CALLBACK_SECRET`` nothing
is accepted (401), so nobody can mark messages delivered or opt debtors out by guessing the
URL. The body is read (at most ``MAX_BODY`` bytes) and checked in an async dependency; the
database work runs in the plain ``def`` routes, in a thread, off the event loop.

Sinch retries a callback that is not answered with a 2xx, so whatever we cannot use but is
well-formed and signed (a batch we do not know, a late report) is acknowledged with a 200
and logged: a retry would not make it any more useful. What is malformed is a 400.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.deps import SessionDep, StateDep
from app.models import Campaign, Debtor, Message
from app.outreach.sinch import (
    DeliveryReport,
    parse_delivery_report,
    parse_inbound,
    verify_callback,
)
from app.outreach.sms import is_stop
from app.outreach.worker import SMS_DELIVERY_PATH, SMS_INBOUND_PATH

router = APIRouter()
log = logging.getLogger("vidpay.outreach")
MAX_BODY = 65_536  # a report or a text is a few hundred bytes; the app's own limit may be lower
DELIVERY_PATH = SMS_DELIVERY_PATH.format(provider="sinch")
INBOUND_PATH = SMS_INBOUND_PATH.format(provider="sinch")


async def signed_body(request: Request, state: StateDep) -> bytes:
    """The callback's body, read here (not in the route's thread), once it is known to be
    small enough and signed by Sinch with our secret."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
        raise HTTPException(status_code=413, detail="Request too large")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY:
            raise HTTPException(status_code=413, detail="Request too large")
    secret = state.settings.sinch_callback_secret
    if not secret:
        log.warning("Sinch callback on %s refused: no callback secret set", request.url.path)
        raise HTTPException(status_code=401, detail="callbacks are not accepted")
    if not verify_callback(request.headers, bytes(body), secret):
        log.warning("Sinch callback on %s refused: bad or missing signature", request.url.path)
        raise HTTPException(status_code=401, detail="invalid signature")
    return bytes(body)


SignedBodyDep = Annotated[bytes, Depends(signed_body)]


@router.post(DELIVERY_PATH, response_class=PlainTextResponse)
def delivery_report(body: SignedBodyDep, session: SessionDep) -> str:
    """A delivery report: the message it names moves from sent to delivered or bounced."""
    try:
        reports = parse_delivery_report(body)
    except ValueError as exc:
        log.warning("Sinch delivery report refused: %s", exc)
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    words = _sinch_statuses(body)
    for report in reports:
        record_delivery(session, report, words.get(report.code, report.status))
    return "ok"


@router.post(INBOUND_PATH, response_class=PlainTextResponse)
def inbound(body: SignedBodyDep, session: SessionDep) -> str:
    """A text to our number: STOP opts the sender out of texts, in every live campaign."""
    try:
        text = parse_inbound(body)
    except ValueError as exc:
        log.warning("Sinch inbound text refused: %s", exc)
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    if not is_stop(text.text):
        log.info("inbound text %s is not a stop word: left for a person", text.provider_id)
        return "ok"
    count = opt_out_phone(session, text.sender, datetime.now(UTC))
    log.info("inbound text %s is a STOP: %d debtor(s) opted out of texts", text.provider_id, count)
    return "ok"


def record_delivery(session: Session, report: DeliveryReport, sinch_status: str) -> None:
    """Only forward: a sent message becomes delivered or bounced, once; a report for a message
    already delivered or bounced (late, repeated, out of order) and "pending" change nothing."""
    if report.status == "pending":
        return
    query = select(Message.id, Message.status).where(
        Message.provider_id == report.provider_id, Message.channel == "sms"
    )
    if report.reference is not None:
        query = query.where(Message.key == report.reference)
    found = session.execute(query.limit(1)).first()
    if found is None:
        log.info("delivery report for unknown batch %s: acknowledged", report.provider_id)
        return
    values: dict[str, Any]
    if report.status == "delivered":
        values = {"status": "delivered", "delivered_at": report.at or datetime.now(UTC)}
    else:
        code = f" (code {report.code})" if report.code is not None else ""
        values = {"status": "bounced", "last_error": f"not delivered: {sinch_status}{code}"[:500]}
    moved = session.execute(
        update(Message)
        .where(Message.id == found.id, Message.status == "sent")
        .values(values)
        .execution_options(synchronize_session=False)
    )
    if not getattr(moved, "rowcount", 0):
        log.info("delivery report for message %s (%s) changes nothing", found.id, found.status)


def opt_out_phone(session: Session, phone: str, at: datetime) -> int:
    """Opt every debtor with this phone number out of texts, where not already, except in
    purged campaigns (they keep nothing to opt out); how many were opted out now."""
    live = select(Campaign.id).where(Campaign.purged_at.is_(None))
    result = session.execute(
        update(Debtor)
        .where(Debtor.phone == phone, Debtor.sms_opt_out_at.is_(None))
        .where(Debtor.campaign_id.in_(live))
        .values(sms_opt_out_at=at)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _sinch_statuses(body: bytes) -> dict[int | None, str]:
    """Sinch's own status words by code ("Rejected", "Expired"), for ``last_error``: the
    parsed report keeps only ours. The body is already known to be a valid report."""
    data = json.loads(body)
    entries = data.get("statuses") if data.get("type") == "delivery_report_sms" else [data]
    words: dict[int | None, str] = {}
    for entry in entries if isinstance(entries, list) else []:
        code = entry.get("code")
        if isinstance(code, str) and code.strip().isdigit():
            code = int(code)
        if isinstance(entry.get("status"), str) and (code is None or isinstance(code, int)):
            words[code] = entry["status"][:40]
    return words

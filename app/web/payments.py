"""Payment pages and webhooks: the demo checkout, the provider's callback, the way back."""

from __future__ import annotations

import contextlib
from datetime import date

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.deps import SessionDep, StateDep, VisitDep
from app.i18n import LANGUAGES, gettext_for, money
from app.locks import BusyError
from app.models import Debtor, Payment
from app.payments.base import PaymentError
from app.payments.demo import DemoProvider
from app.payments.records import latest_payment, payment_of, settle
from app.web.debtor_route import DebtorRoute
from app.web.player import page_context
from app.web.urls import node_url, step_url

router = APIRouter(route_class=DebtorRoute)
DEMO_BANKS = ("ABN AMRO", "ASN Bank", "bunq", "ING", "Knab", "Rabobank", "SNS", "Triodos Bank")


def _demo(state: StateDep) -> DemoProvider:
    if not isinstance(state.payments, DemoProvider):
        raise HTTPException(status_code=404)
    return state.payments


@router.get("/pay/demo/{provider_id}", response_class=HTMLResponse)
def demo_checkout(
    request: Request, provider_id: str, state: StateDep, session: SessionDep
) -> Response:
    """A simulated iDEAL checkout: pick a bank, then pay or cancel. Nothing is charged."""
    _demo(state)
    payment = payment_of(session, "demo", provider_id)
    if payment is None:
        raise HTTPException(status_code=404)
    language = _checkout_language(session, payment, request.query_params.get("lang"))
    context = {
        "request": request,
        "_": gettext_for(language),
        "lang": language,
        "amount": money(payment.amount_cents, language),
        "banks": DEMO_BANKS,
        "provider_id": provider_id,
        "status": payment.status,
    }
    return state.templates.TemplateResponse(request, "demo_checkout.html", context)


@router.post("/pay/demo/{provider_id}")
def demo_settle(
    provider_id: str, state: StateDep, session: SessionDep, outcome: str = Form()
) -> Response:
    """The demo bank's answer; a real provider tells us through the webhook instead."""
    demo = _demo(state)
    payment = payment_of(session, "demo", provider_id)
    if payment is None or outcome not in ("paid", "canceled"):
        raise HTTPException(status_code=404 if payment is None else 422)
    demo.settle(provider_id, outcome)
    _settle_or_busy(session, payment.id, demo.status(provider_id), state.settings.today())
    return RedirectResponse(demo.return_urls[provider_id], status_code=303)


@router.post("/webhooks/payments/{provider}")
def payment_webhook(
    provider: str, state: StateDep, session: SessionDep, id: str = Form(max_length=64)
) -> Response:
    """The provider says a payment changed. Its body is only a hint: the status is asked of
    the provider itself, so a forged call can change nothing."""
    if provider != state.payments.name:
        raise HTTPException(status_code=404)
    payment = payment_of(session, provider, id)
    if payment is None:
        return PlainTextResponse("unknown payment", status_code=200)  # nothing to tell a prober
    try:
        status = state.payments.status(id)
    except PaymentError:
        return PlainTextResponse("try again", status_code=503)
    today = state.settings.today()
    _settle_or_busy(session, payment.id, status, today)  # committed before Mollie hears "ok"
    return PlainTextResponse("ok")


def _settle_or_busy(session: Session, payment_id: int, status: str, today: date) -> None:
    """Settle under the debtor's lock; a 503 when the lock cannot be had (the provider and the
    demo bank send again, and nothing was stored)."""
    try:
        settle(session, payment_id, status, today)
    except BusyError as exc:
        raise HTTPException(status_code=503, detail="try again") from exc


def _checkout_language(session: Session, payment: Payment, wanted: str | None) -> str:
    """The language asked for when the interface has it, else the debtor's own."""
    if wanted in LANGUAGES:
        return wanted
    debtor = session.get(Debtor, payment.debtor_id)
    return debtor.language if debtor is not None and debtor.language in LANGUAGES else "en"


@router.get("/v/{token}/step/{node}/return", response_class=HTMLResponse)
def payment_return(
    request: Request,
    token: str,
    node: str,
    visit: VisitDep,
    state: StateDep,
    session: SessionDep,
    mode: str = "video",
) -> Response:
    """Back from the checkout: the payment's status, asked of the provider once more."""
    payment = latest_payment(session, visit.debtor, node)
    if payment is None:
        raise HTTPException(status_code=404)
    if payment.provider_id is not None:
        with contextlib.suppress(PaymentError, BusyError):  # else the webhook tells us
            status = state.payments.status(payment.provider_id)
            payment = settle(session, payment.id, status, state.settings.today()) or payment
    after = visit.loaded.scene.nodes[node].next or node
    context = page_context(
        request,
        visit,
        token,
        title=visit._("Payment"),
        status=payment.status,
        amount=money(payment.amount_cents, visit.language),
        next_link=node_url(token, visit.language, after, mode=mode),
        retry_link=step_url(token, visit.language, node, mode=mode),
        refresh_link=str(request.url),
    )
    return state.templates.TemplateResponse(request, "payment_return.html", context)

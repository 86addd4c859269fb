"""Payments in the database: started from the pay step, updated from the provider.

Status updates are idempotent: the provider may report the same payment many times (Mollie
retries its webhook), and a payment becomes an outcome once, when it is first seen paid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.events import EventIn, record
from app.models import Debtor, Outcome, Payment
from app.payments.base import STATUSES, PaymentError
from app.webhooks import enqueue_submission

if TYPE_CHECKING:
    from app.web.steps import Step


def start_payment(step: Step) -> Response:
    """Create the payment with the provider and send the debtor to its checkout."""
    from app.web.steps import StepError

    visit, settings = step.visit, step.state.settings
    debtor = visit.debtor
    base = settings.base_url.rstrip("/")
    token = step.token
    back = f"{base}/v/{token}/step/{step.node}/return?lang={visit.language}&mode={step.form.get('mode', 'video')}"
    try:
        checkout = step.state.payments.create(
            amount_cents=debtor.amount_cents or 0,
            description=f"{debtor.reference}",
            redirect_url=back,
            webhook_url=f"{base}/webhooks/payments/{step.state.payments.name}",
            locale=visit.language,
            metadata={
                "debtor": str(debtor.id),
                "node": step.node,
                "submission": step.form["submission"],
            },
        )
    except PaymentError as exc:
        raise StepError(
            [step._("Paying online is not possible right now. Please try again later.")]
        ) from exc
    payment = Payment(
        debtor_id=debtor.id,
        node=step.node,
        provider=step.state.payments.name,
        provider_id=checkout.provider_id,
        amount_cents=debtor.amount_cents or 0,
        status=checkout.status,
        checkout_url=checkout.checkout_url,
    )
    step.session.add(payment)
    step.session.flush()
    return RedirectResponse(checkout.checkout_url, status_code=303)


def apply_status(session: Session, payment: Payment, status: str) -> None:
    """Take a status the provider reported; the first time it is ``paid``, record the outcome."""
    if status not in STATUSES or status == payment.status:
        return
    was_paid = payment.status == "paid"
    payment.status = status
    if status == "paid" and not was_paid:
        debtor = session.get(Debtor, payment.debtor_id)
        assert debtor is not None
        session.add(
            Outcome(
                debtor_id=debtor.id,
                submission=f"payment-{payment.id}",
                action="pay",
                node=payment.node,
                details={"payment": payment.provider_id, "amount_cents": payment.amount_cents},
            )
        )
        event = EventIn(
            id=f"payment-{payment.id}",
            type="action_completed",
            node=payment.node,
            data={"action": "pay"},
        )
        record(session, debtor, event)
        enqueue_submission(session, debtor.id, f"payment-{payment.id}")  # the webhooks


def payment_of(session: Session, provider: str, provider_id: str) -> Payment | None:
    query = select(Payment).where(Payment.provider == provider, Payment.provider_id == provider_id)
    return session.scalar(query)


def latest_payment(session: Session, debtor: Debtor, node: str) -> Payment | None:
    query = (
        select(Payment)
        .where(Payment.debtor_id == debtor.id, Payment.node == node)
        .order_by(Payment.id.desc())
        .limit(1)
    )
    return session.scalar(query)
